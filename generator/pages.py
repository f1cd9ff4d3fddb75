"""The page plan: every file the site will have, at which URL, from which template and context.

Nothing is rendered here. Two pages that would land on the same file are an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from .charts import PERIOD_HEADINGS, period_rows, stats_charts
from .config import Config
from .contexts import (
    ArchiveContext,
    ArticleContext,
    HomeContext,
    ListContext,
    NotFoundContext,
    SearchContext,
    StatsContext,
    TermsContext,
    as_context,
)
from .dates import MONTH_NAMES
from .errors import BuildFailed, ContentError
from .model import Article, Inputs, Page, SimilarLink, quick_pickle
from .related import Related
from .site import Site
from .stats import site_stats
from .urls import Urls


@quick_pickle
@dataclass(frozen=True, slots=True)
class Pager:
    """One page of a paginated list."""

    number: int
    total: int  # pages in the list
    item_count: int  # articles in the whole list
    items: tuple[Article, ...]
    url: str
    first_url: str
    prev_url: str | None
    next_url: str | None

    @property
    def groups(self) -> list[tuple[date, list[Article]]]:
        """The items under a heading per day, newest day first (items are already in order)."""
        return [(day, list(items)) for day, items in groupby(self.items, key=lambda a: a.day)]


@dataclass(frozen=True, slots=True)
class Term:
    """A line of an index page: a category, tag or month with its article count."""

    name: str
    url: str
    count: int
    description: str = ""


def paginate(items: tuple[Article, ...], per_page: int,
             url_for: Callable[[int], str]) -> list[Pager]:
    total = max(1, -(-len(items) // per_page))
    return [
        Pager(
            number=n,
            total=total,
            item_count=len(items),
            items=items[(n - 1) * per_page: n * per_page],
            url=url_for(n),
            first_url=url_for(1),
            prev_url=url_for(n - 1) if n > 1 else None,
            next_url=url_for(n + 1) if n < total else None,
        )
        for n in range(1, total + 1)
    ]


def plan_pages(site: Site, related: Related, cfg: Config, urls: Urls,
               check: bool = True) -> list[Page]:
    """Every page of the site. Paths that collide are errors, raised here unless `check` is
    off (the build then collects them with every other error: `path_errors`)."""
    pages = linked_pages(site, related, cfg, urls) + listing_pages(site, cfg, urls)
    if check and (errors := path_errors(pages, urls, reserved_paths(site, urls, cfg))):
        raise BuildFailed(errors)
    return pages


def linked_pages(site: Site, related: Related, cfg: Config, urls: Urls) -> list[Page]:
    """The pages that related reading shapes: each article's (its similar readings and its
    story's other sources) and the digest's (a story listed once)."""
    pages: list[Page] = []
    for article in site.articles:
        category = site.category(article.category)
        mates = story_mates(related, article)
        # Articles and titles only: scores move more often than lists. A story's other
        # sources are shown once, under "Also covered by", never again as similar readings.
        covered = {a.id for a in mates}
        similar = tuple(SimilarLink(item.title, item.article)
                        for item in related.by_article.get(article.id, ())
                        if item.article is None or item.article.id not in covered)
        newer, older = site.newer(article), site.older(article)
        pages.append(Page(urls.article(article), "article.html", as_context(ArticleContext(
            article, category, similar, mates, newer, older, article.source_path)), Inputs(article.id, _ids(*(s.article for s in similar), *mates, newer, older),
                  (category, tuple(s.title for s in similar)))))

    for pager in paginate(digest_entries(site, related), cfg.per_page, urls.home):
        covered = {a.id: story_mates(related, a) for a in pager.items if a.id in related.story_of}
        pages.append(Page(pager.url, "home.html", as_context(HomeContext(pager, covered)),
                          _listed(pager, *(a for mates in covered.values() for a in mates))))
    return pages


def listing_pages(site: Site, cfg: Config, urls: Urls) -> list[Page]:
    """The pages that need no related reading: sources, tags, days, months, the archive,
    statistics, search and 404. A build renders them while related reading runs."""
    pages: list[Page] = []
    per_page = cfg.per_page
    for category in site.categories:
        items = site.by_category[category.id]
        for pager in paginate(items, per_page, lambda n, c=category.id: urls.category(c, n)):
            pages.append(Page(pager.url, "category.html", as_context(ListContext(
                "category", category.name, category.description, pager, category, None, None)),
                _listed(pager, data=(category,))))
    terms = tuple(Term(c.name, urls.category(c.id), len(site.by_category[c.id]), c.description)
                  for c in site.categories)
    pages.append(Page(urls.categories(), "terms.html",
                      as_context(TermsContext("categories", "Sources", terms)), Inputs(data=terms)))

    for tag in site.tags:
        items = site.by_tag[tag.slug]
        for pager in paginate(items, per_page, lambda n, t=tag.slug: urls.tag(t, n)):
            pages.append(Page(pager.url, "tag.html", as_context(ListContext(
                "tag", f"Tagged “{tag.name}”", "", pager, None, tag, None)),
                _listed(pager, data=(tag,))))
    terms = tuple(Term(t.name, urls.tag(t.slug), len(site.by_tag[t.slug])) for t in site.tags)
    pages.append(Page(urls.tags(), "terms.html", as_context(TermsContext("tags", "Tags", terms)),
                      Inputs(data=terms)))

    for day in sorted(site.by_day, reverse=True):
        for pager in paginate(site.by_day[day], per_page, lambda n, d=day: urls.day(d, n)):
            pages.append(Page(pager.url, "day.html", as_context(ListContext(
                "day", day, "", pager, None, None, day)), _listed(pager)))

    months = site.months()
    by_month: dict[tuple[int, int], list[Article]] = {}
    for day in sorted(site.by_day, reverse=True):
        by_month.setdefault((day.year, day.month), []).extend(site.by_day[day])
    for year, month, _ in months:
        items = tuple(by_month[(year, month)])
        for pager in paginate(items, per_page, lambda n, y=year, m=month: urls.month(y, m, n)):
            pages.append(Page(pager.url, "month.html", as_context(ListContext(
                "month", f"{MONTH_NAMES[month - 1]} {year}", "", pager, None, None, None)),
                _listed(pager)))
    years = _archive_years(months, urls)
    for year_entry in years:
        pages.append(Page(year_entry["url"], "year.html", as_context(ArchiveContext(
            "year", str(year_entry["year"]), (year_entry,))), Inputs(data=(year_entry["year"], tuple(year_entry["months"])))))
    pages.append(Page(urls.archive(), "archive.html", as_context(ArchiveContext(
        "archive", "Archive", tuple(years))), Inputs(data=tuple((y["year"], tuple(y["months"])) for y in years))))
    pages.append(stats_page(site, urls))
    if cfg.search:
        pages.append(Page(urls.search(), "search.html", as_context(SearchContext(
            "search", len(site.articles))), Inputs(data=(len(site.articles),))))
    pages.append(Page(urls.file("404.html"), "404.html", as_context(NotFoundContext("404"))))
    return pages


def stats_page(site: Site, urls: Urls) -> Page:
    """/stats/: made from the numbers alone, and the most-read articles' titles and URLs."""
    stats = site_stats(site)
    most_read = tuple((site.articles[site.position[r.id]], r.reads) for r in stats.most_read)
    return Page(urls.stats(), "stats.html", as_context(StatsContext(
        "stats", "Reading statistics", stats, stats_charts(stats), period_rows(stats),
        PERIOD_HEADINGS[stats.unit], most_read)),
        Inputs(None, tuple(r.id for r in stats.most_read), (stats,)))


def _ids(*articles: Article | None) -> tuple[str, ...]:
    return tuple(a.id for a in articles if a is not None)


def _listed(pager: Pager, *more: Article, data: tuple[Any, ...] = ()) -> Inputs:
    """A list page shows its items; its place in the list (page n of m) is data."""
    return Inputs(None, _ids(*pager.items, *more),
                  (pager.number, pager.total, pager.item_count, *data))


def newest_shown(site: Site) -> Callable[[Page], int]:
    """The order pages are sent to render in: by the newest article each is about or lists
    (lists show theirs newest first), pages that list none last.

    An article shows up on its own page, its neighbours', its day's, source's and tags' lists
    and the digest's. In plan order those are far apart (every tag's pages run through the
    whole site), and past 16,384 articles a render worker's cards and list entries
    (render_tasks.Latest) were gone by the time the next page wanted them: 82% of cards and
    59% of entries were made again at 100,000 articles. Sent by date, they are still there."""
    position, last = site.position, len(site.articles)

    def key(page: Page) -> int:
        inputs = page.inputs
        first = inputs.own if inputs.own is not None else (inputs.shows or (None,))[0]
        return last if first is None else position.get(first, last)
    return key


def story_mates(related: Related, article: Article) -> tuple[Article, ...]:
    """The other sources' articles about the same event, newest first."""
    story = related.story_of.get(article.id)
    if story is None:
        return ()
    return tuple(a for a in related.stories[story] if a.id != article.id)


def digest_entries(site: Site, related: Related) -> tuple[Article, ...]:
    """The home page's articles: a story appears once, as its newest article."""
    return tuple(a for a in site.articles
                 if a.id not in related.story_of or related.stories[related.story_of[a.id]][0].id == a.id)


def _archive_years(months: list[tuple[int, int, int]], urls: Urls) -> list[dict]:
    years: list[dict] = []
    for year, entries in groupby(months, key=lambda m: m[0]):
        terms = [Term(f"{MONTH_NAMES[m - 1]} {y}", urls.month(y, m), count)
                 for y, m, count in entries]
        years.append({"year": year, "url": urls.year(year), "months": terms,
                      "count": sum(t.count for t in terms)})
    return years


def reserved_paths(site: Site, urls: Urls, cfg: Config) -> dict[str, str]:
    """The files and folders (ending in "/") the build writes besides pages: no page may take
    their place, or put a folder where they are a file."""
    feeds = [urls.feed(), urls.rss(), urls.json_feed(), urls.sitemap(), urls.file("robots.txt")]
    feeds += [urls.category_feed(c.id) for c in site.categories]
    feeds += [urls.tag_feed(t.slug) for t in site.tags]
    reserved = {urls.output_path(href): "a feed, sitemap or robots.txt" for href in feeds}
    reserved["static/"] = "the theme's static files"
    if cfg.search:
        reserved["pagefind/"] = "the search index"
    return reserved


def path_errors(pages: list[Page], urls: Urls, reserved: dict[str, str]) -> list[ContentError]:
    """Pages that would overwrite each other or a generated file, or land outside output/."""
    owners: dict[str, Page] = {}
    errors = []

    def blame(page: Page, message: str, other: Page | None = None) -> None:
        culprit = page.context.get("source") or (other and other.context.get("source"))
        errors.append(ContentError(culprit or "config.yaml", None, message))

    files = [urls.output_path(page.url) for page in pages]
    paths = set(files)
    for page, path in zip(pages, files):
        parts = path.split("/")
        if ".." in parts or "." in parts or path.startswith("/") or parts[0].startswith(".digest"):
            blame(page, f"{page.url} would be written outside the site; change its slug, id "
                        "or the permalink pattern")
            continue
        first = owners.setdefault(path, page)
        if first is not page and "article" in page.context and "article" in first.context:
            continue  # two articles with one URL: Site's duplicate check names both files
        if first is not page and "article" in (page.context.keys() | first.context.keys()):
            generated = page if "article" in first.context else first
            blame(page, f"{page.url} is the URL of a page Digest makes ({generated.template}); "
                        "change the slug or the permalink pattern", first)
            continue
        if first is not page:
            blame(page, f"{page.url} would be written twice ({first.template} and "
                        f"{page.template}); change the slug or the permalink pattern", first)
            continue
        folders = ["/".join(parts[:i]) for i in range(1, len(parts))]
        taken = [reserved[f] for f in [path, *folders, *(f + "/" for f in folders)]
                 if f in reserved]
        taken += [f"the page {f}" for f in folders if f in paths]
        if taken:
            blame(page, f"{page.url} is where Digest writes {taken[0]}; change the slug or the "
                        "permalink pattern")
    return errors
