"""The one place that maps pages to URLs and URLs to files in output/.

Every URL here is an href as pages print it: it starts with the site's base path ("/" or
"/news/") and ends with "/" for a pretty URL (written as that folder's index.html) or with a
file name. Templates call these methods; they never build a URL from pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from urllib.parse import quote, unquote

from .config import Config
from .model import Article
from .text import slugify


# The caches below are per process, each render worker's and the coordinator's. An entry is
# about 280 bytes (the key, the answer and the cache's own links): at 100,000 articles two of
# them filled up to 131,072 and 65,536 entries, 35 and 33 MiB in each of three processes while
# rendering, the build's peak. 16,384 hold every href of a 10,000-article site; past that,
# pages link mostly nearby articles, which are the recent entries. A smaller one misses on
# every pass over all the articles in order (the coordinator makes several a build): with
# 8,192 for the articles' hrefs, a pass over 10,000 took 33 ms, with 16,384 5 ms.
@lru_cache(maxsize=1 << 14)
def _quoted(path: str) -> str:
    # Every page links many others: quoting each href once saves a tenth of the render time.
    return quote(path, safe="/-._~")


@lru_cache(maxsize=1 << 14)
def _id_path(article_id: str) -> str:
    """An id as URL path segments: each slugified, so an id can never climb out with `..`."""
    return "/".join(filter(None, (slugify(part) for part in article_id.split("/")))) or "-"


@lru_cache(maxsize=1 << 14)
def _article_href(base_path: str, pattern: str, year: int, month: int, day: int, slug: str,
                  category: str, article_id: str) -> str:
    # Lists and related reading link an article from many pages: made once per worker. Keyed
    # by the date's parts, not the datetime: one instant in two time zones is equal as a
    # datetime, and falls on two days.
    path = pattern.format(year=f"{year:04d}", month=f"{month:02d}", day=f"{day:02d}",
                          slug=slug, category=category, id=_id_path(article_id))
    return _site_href(base_path, path)


def _site_href(base_path: str, path: str) -> str:
    return _quoted(base_path + path.lstrip("/"))


@dataclass(frozen=True, slots=True)
class Urls:
    base_url: str  # absolute, ends with "/"
    base_path: str  # "/" or "/news/"
    article_pattern: str

    @classmethod
    def for_config(cls, cfg: Config) -> Urls:
        return cls(cfg.base_url, cfg.base_path, cfg.article_permalink)

    def _href(self, path: str) -> str:
        return _site_href(self.base_path, path)

    def paged(self, first: str, number: int) -> str:
        """Page 1 of a list is the list's own URL; page n is `{url}page/{n}/`."""
        return first if number <= 1 else f"{first}page/{number}/"

    def home(self, page: int = 1) -> str:
        return self.paged(self._href("/"), page)

    def article(self, article: Article) -> str:
        d = article.date
        return _article_href(self.base_path, self.article_pattern, d.year, d.month, d.day,
                             article.slug, article.category, article.id)

    def category(self, category_id: str, page: int = 1) -> str:
        return self.paged(self._href(f"/category/{category_id}/"), page)

    def categories(self) -> str:
        return self._href("/category/")

    def tag(self, tag_slug: str, page: int = 1) -> str:
        return self.paged(self._href(f"/tag/{tag_slug}/"), page)

    def tags(self) -> str:
        return self._href("/tag/")

    def day(self, day: date, page: int = 1) -> str:
        return self.paged(self._href(f"/{day.year:04d}/{day.month:02d}/{day.day:02d}/"), page)

    def month(self, year: int, month: int, page: int = 1) -> str:
        return self.paged(self._href(f"/{year:04d}/{month:02d}/"), page)

    def year(self, year: int) -> str:
        return self._href(f"/{year:04d}/")

    def archive(self) -> str:
        return self._href("/archive/")

    def feed(self) -> str:
        return self._href("/feed.xml")

    def rss(self) -> str:
        return self._href("/rss.xml")

    def json_feed(self) -> str:
        return self._href("/feed.json")

    def category_feed(self, category_id: str) -> str:
        return self.category(category_id) + "feed.xml"

    def tag_feed(self, tag_slug: str) -> str:
        return self.tag(tag_slug) + "feed.xml"

    def sitemap(self) -> str:
        return self._href("/sitemap.xml")

    def stats(self) -> str:
        return self._href("/stats/")

    def search(self) -> str:
        return self._href("/search/")

    def static(self, name: str) -> str:
        return self._href(f"/static/{name}")

    def file(self, name: str) -> str:
        """A file at the top of the site, such as 404.html."""
        return self._href(f"/{name}")

    def absolute(self, href: str) -> str:
        """The full URL of an href, for canonical links, feeds and sitemaps."""
        origin = self.base_url[: len(self.base_url) - len(self.base_path)]
        return origin + href

    def output_path(self, href: str) -> str:
        """The file in output/ that serves an href: relative, with forward slashes."""
        if not href.startswith(self.base_path):
            raise ValueError(f"{href!r} is outside the site's base path {self.base_path!r}")
        path = unquote(href[len(self.base_path):])
        if path == "" or path.endswith("/"):
            path += "index.html"
        return path
