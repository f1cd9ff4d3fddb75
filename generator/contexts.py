"""What each template is given: one documented dataclass per kind of page.

The plan (`pages.py`) makes one of these for every page; a template sees its fields as
variables, besides what every page sees (`GLOBALS`). The README's template reference is made
from these declarations (`python -m generator.contexts`), and a test keeps the two the same.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cache
from typing import Any

from .model import Article, Category, SimilarLink, Tag


def doc(help: str) -> Any:
    return field(metadata={"help": help})


@dataclass(frozen=True, slots=True)
class ArticleContext:
    """`article.html`: one article's page."""

    article: Article = doc("The article: `title`, `date`, `summary`, `body_html` (sanitized), "
                           "`tags`, `authors`, `source_url`, `word_count`, `reading_minutes`, "
                           "`read_count`, `last_read`, `updated`, `extra` (other front-matter "
                           "keys), ...")
    category: Category = doc("Its source: `id`, `name`, `description`, `url`.")
    similar: tuple[SimilarLink, ...] = doc(
        "*Similar readings*, listed titles first: each a `title` and, when this digest has "
        "that article, its `article` (else None: an off-site title). Never one of "
        "`also_covered`.")
    also_covered: tuple[Article, ...] = doc("The same story from other sources, newest first.")
    newer: Article | None = doc("The next article in time, or None.")
    older: Article | None = doc("The previous article in time, or None.")
    source: str = doc("The article's file, relative to the project.")


@dataclass(frozen=True, slots=True)
class HomeContext:
    """`home.html`: the digest itself, newest first, grouped by day (a story once)."""

    pager: Any = doc("This page of the list: `items` (Articles), `groups` (day, articles), "
                     "`number`, `total`, `item_count`, `url`, `first_url`, `prev_url`, "
                     "`next_url`.")
    also_covered: dict[str, tuple[Article, ...]] = doc(
        "By article id, the story's other sources, for the articles that lead a story.")


@dataclass(frozen=True, slots=True)
class ListContext:
    """`category.html`, `tag.html`, `day.html`, `month.html` (each falls back to `list.html`):
    one list of articles, paginated."""

    kind: str = doc("`category`, `tag`, `day` or `month`.")
    heading: Any = doc("The list's name (a date for a day's list).")
    description: str = doc("A sentence under it (a source's description), or empty.")
    pager: Any = doc("This page of the list (as on the home page).")
    category: Category | None = doc("The source, on a category's list.")
    tag: Tag | None = doc("The tag (`slug`, `name`), on a tag's list.")
    day: date | None = doc("The day, on a day's list.")


@dataclass(frozen=True, slots=True)
class TermsContext:
    """`terms.html`: all sources, or all tags."""

    kind: str = doc("`categories` or `tags`.")
    heading: str = doc("The page's title.")
    terms: tuple[Any, ...] = doc("Each a `name`, `url`, `count` (articles) and `description`.")


@dataclass(frozen=True, slots=True)
class ArchiveContext:
    """`archive.html` (the archive), and `year.html` (a year; falls back to `archive.html`)."""

    kind: str = doc("`archive` or `year`.")
    heading: str = doc("The page's title.")
    years: tuple[dict[str, Any], ...] = doc("Each year: `year`, `url`, `count`, and `months` "
                                            "(terms as on `terms.html`).")


@dataclass(frozen=True, slots=True)
class StatsContext:
    """`stats.html`: reading statistics, charts made when the site is built (no JavaScript)."""

    kind: str = doc("`stats`.")
    heading: str = doc("The page's title.")
    stats: Any = doc("The numbers (`generator/stats.py`): `articles`, `words`, `minutes`, "
                     "`sources`, `days`, streaks, `most_read`, `tags`, per period and source.")
    charts: Any = doc("The charts as inline SVG, each with its caption and a table of its "
                      "numbers.")
    periods: Any = doc("One row per week (or month, or year, on a long span).")
    period_heading: str = doc("What a period is: `Week`, `Month` or `Year`.")
    most_read: tuple[Any, ...] = doc("The most-read articles, each `(article, reads)`.")


@dataclass(frozen=True, slots=True)
class SearchContext:
    """`search.html`: the search page (Pagefind)."""

    kind: str = doc("`search`.")
    article_count: int = doc("How many articles the index holds.")


@dataclass(frozen=True, slots=True)
class NotFoundContext:
    """`404.html`: the page a static host shows for a missing URL."""

    kind: str = doc("`404`.")


CONTEXTS = (ArticleContext, HomeContext, ListContext, TermsContext, ArchiveContext,
            StatsContext, SearchContext, NotFoundContext)

GLOBALS = {
    "site": "The site: `title`, `description`, `language`, `base_url`, `timezone`, `search`.",
    "page": "The page being made: `url`, `template`.",
    "canonical": "This page's absolute URL.",
    "categories": "Every source (Category), by name.",
    "category_of(id)": "A source by its id.",
    "url": "Every URL a page links to: `url.article(a)`, `url.category(id)`, `url.tag(slug)`, "
           "`url.day(d)`, `url.month(y, m)`, `url.year(y)`, `url.archive()`, `url.stats()`, "
           "`url.search()`, "
           "`url.home()`, `url.feed()`, `url.rss()`, `url.json_feed()`, "
           "`url.category_feed(id)`, `url.tag_feed(slug)`, `url.static(name)`; templates never "
           "build one from pieces.",
    "news_article_json_ld(article, category)": "schema.org NewsArticle JSON-LD, safe inside "
                                                "a `<script>`.",
    "filters": "`long_date`, `short_date`, `clock`, `iso`, `thousands`, `slugify`, "
               "`opening_text` (the start of `striptags`, at least 200 characters, without "
               "stripping the whole body), `cards` (the cards' hashes of some articles: what a "
               "list shows of them, for a `{% cache %}` key).",
}


def as_context(value: Any) -> dict[str, Any]:
    """A context dataclass as the variables a template sees."""
    return {name: getattr(value, name) for name in _names(type(value))}


@cache
def _names(kind: type) -> tuple[str, ...]:
    # dataclasses.fields() costs more than making the context itself, page after page.
    return tuple(f.name for f in fields(kind))


def reference() -> str:
    """The README's template reference, in Markdown."""
    lines = ["| every page | |", "|---|---|"]
    lines += [f"| `{name}` | {help} |" for name, help in GLOBALS.items()]
    for kind in CONTEXTS:
        lines += ["", (kind.__doc__ or "").replace("\n", " "), "", "| variable | |", "|---|---|"]
        lines += [f"| `{f.name}` | {f.metadata['help']} |" for f in fields(kind)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m generator.contexts
    sys.stdout.write(reference())
