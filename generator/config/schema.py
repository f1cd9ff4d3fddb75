"""Everything config.yaml may say, section by section: each setting's type, default, help, range.

`Config` is the top of the file (and what a build is given); its other sections are the
dataclasses above it. The validator and the README's tables are made from these declarations,
so a setting is added here and nowhere else (tests/test_config.py checks the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import ConfigError, ContentError
from ..markdown import ENGINES
from . import checks
from .checks import SIZE
from .options import Invalid, option, section

DEFAULT_ARTICLE_PERMALINK = "/{year}/{month}/{day}/{slug}/"
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
CONTENT_MODES = ("summary", "full")


@dataclass(frozen=True, slots=True)
class CategoryConfig:
    """One news source's display data, under `categories:` by its id."""

    name: str = option(help="Its display name; `id: name` is short for this.",
                       doc_default="the id")
    description: str = option("", "A sentence about the source, on its category page.")
    url: str | None = option(None, "The source's home page.", doc_type="URL")


@dataclass(frozen=True, slots=True)
class FeedsConfig:
    """The `feeds:` section: what the site's Atom, RSS and JSON feeds carry."""

    limit: int = option(50, "How many of the newest articles each feed carries.", lo=1)
    content: str = option("summary", "What a feed entry carries: the plain-text summary, or the "
                          "whole body as HTML.", choices=CONTENT_MODES)


@dataclass(frozen=True, slots=True)
class RelatedConfig:
    """The `related:` section: related reading under each article, and stories across sources."""

    count: int = option(5, "Length of the list: the listed titles first, then computed related "
                        "articles fill it up to this many.", lo=0, hi=100)
    count_includes_explicit: bool = option(
        True, "Count the listed titles towards `count`; false shows `count` computed articles "
        "after however many are listed.")
    window_days: int = option(
        30, "Only articles published within this many days are candidates; 0 means any date.",
        lo=0)
    recency_weight: float = option(
        0.3, "Share of the score lost at the edge of the window (linearly with days apart).",
        lo=0, hi=1)
    min_score: float = option(
        0.2, "Computed articles scoring below this are left out (text similarity 0-1, plus the "
        "tag bonus, times recency): better three good links than five with two bad ones.", lo=0)
    title_weight: float = option(3.0, "A title word counts this many times a body word.", lo=0)
    summary_weight: float = option(1.5, "A summary word counts this many times a body word.",
                                   lo=0)
    top_terms: int = option(
        60, "Terms kept per article, its most distinctive ones: more is finer and slower.",
        lo=1, hi=1000)
    max_doc_share: float = option(
        0.3, "Terms in more than this share of the articles are ignored as too common.",
        lo=0, hi=1)
    tag_bonus: float = option(
        0.05, "Added to the score of two articles with the same tags (in part for some shared): "
        "a nudge, since broad tags such as 'economy' join unrelated stories.", lo=0)
    title_match_threshold: float = option(
        0.9, "How close a listed title must be to a site title to link to it (1 = exact).",
        lo=0, hi=1)
    max_candidates_per_term: int = option(
        200, "Per term, only this many articles nearest in time are candidates: bounds the time "
        "on a site where one term is in very many articles.", lo=1)
    stories: bool = option(True, "Group articles from different sources about one event.")
    story_window_days: int = option(
        3, "Articles of one story are published within this many days of each other.", lo=0)
    story_min_score: float = option(
        0.22, "Text similarity two articles of one story have at least.", lo=0, hi=1)
    list_story_mates: bool = option(
        False, "Also list a story's other articles among the computed ones (the article page "
        "already shows them as 'Also covered by').")


@dataclass(frozen=True, slots=True)
class FetchSource:
    """One feed that `digest fetch` reads."""

    url: str = option(help="The feed's URL, http or https.", check=checks.feed_url,
                      doc_type="URL")
    category: str = option(help="The category id its articles get: the folder under content/ "
                           "they are written to.", check=checks.category_id)
    name: str = option("", "How people call the source; the OPML outline's title.")


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """The `fetch:` section: the feeds `digest fetch` reads into content/, and how."""

    sources: tuple[FetchSource, ...] = option(
        (), "The feeds `digest fetch` reads, one entry each.", check=checks.distinct_urls)
    keep_days: int | None = option(
        None, "Remove fetched, unedited articles dated more than this many days ago; none keeps "
        "them all.", lo=1)
    timeout: float = option(
        20.0, "Seconds one feed's download may take, and may go without data, before it is "
        "given up.", check=checks.above_zero, doc_type="seconds > 0", doc_default="`20`")
    max_bytes: int = option(
        20_000_000, "A feed larger than this (unpacked) is refused with a warning.", lo=1)
    workers: int = option(8, "Feeds downloaded at once.", lo=1)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a build needs to know that is not content. Paths are absolute."""

    root: Path
    content_dir: Path
    output_dir: Path
    templates_dir: Path
    title: str = option("Digest", "The site's name, shown in every page header and the browser "
                        "tab.")
    description: str = option("", "One sentence about the site, shown under the title and in "
                              "search results.")
    base_url: str = option(
        "http://127.0.0.1:8000/", "The absolute URL the site is served from; its path is the "
        "sub-path links start with.", check=checks.base_url, doc_type="URL")
    language: str = option("en", "The pages' language (an HTML `lang` code).")
    timezone: str = option(
        "UTC", "Zone for times written without an offset; pages show times and group days in "
        "it.", check=checks.time_zone, doc_type="IANA name")
    per_page: int = option(20, "Entries per page on the home, category, tag and date lists.",
                           lo=1)
    default_category: str = option(
        "general", "Category of an article that names none and sits in no folder.",
        check=checks.category_or_general)
    search: bool = option(True, "Build the Pagefind index and the `/search/` page.")
    theme: str | None = option(
        None, "A theme: a folder of templates (and `static/`), relative to config.yaml. The "
        "site's `templates/` overrides it file by file, and it overrides the built-in theme.",
        check=checks.theme_folder, doc_type="folder")
    max_file_size: int = option(
        DEFAULT_MAX_FILE_SIZE, "A content file larger than this is skipped with a warning, "
        "before it is read.", kind=SIZE, doc_default="`10 MB`")
    article_permalink: str = option(
        DEFAULT_ARTICLE_PERMALINK, "Article URLs; fields `{year} {month} {day} {slug} "
        "{category} {id}`; must contain `{slug}` or `{id}`.", key="permalinks.article",
        check=checks.permalink, doc_type="pattern")
    markdown_engine: str = option(
        "python-markdown", "The Markdown engine; `commonmark` is cmark-gfm (see below).",
        key="markdown.engine", choices=ENGINES, check=checks.installed_engine)
    categories: dict[str, CategoryConfig] = option(
        factory=dict, help="The news sources' display data, by category id (in slug form "
        "as articles name it: `BBC` is `bbc`).",
        shorthand="name", check=checks.category_ids)
    feeds: FeedsConfig = section(FeedsConfig, "The site's feeds.")
    related: RelatedConfig = section(RelatedConfig, "Related reading and stories, in the table "
                                     "below.", own_table=True)
    fetch: FetchConfig = section(FetchConfig, "`digest fetch`: the feeds it reads into "
                                 "content/.")
    drafts: bool = False
    strict: bool = False  # warnings are errors (`--strict`)
    force: bool = False  # write into a non-empty folder that no Digest build wrote (`--force`)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url: "/" at the root of a host, "/news/" under a sub-path."""
        path = re.sub(r"^[a-z]+://[^/]+", "", self.base_url)
        return path or "/"

    def with_base_url(self, url: str) -> Config:
        try:
            url = checks.base_url(url)
        except Invalid as problem:
            errors = [ContentError("--base-url", None, message) for _, message in problem.problems]
            raise ConfigError(errors, usage=True) from None
        return replace(self, base_url=url)

