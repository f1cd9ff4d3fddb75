"""sitemap.xml and robots.txt: every HTML page but the 404, each with the date its content last
changed.

`lastmod` comes from the articles a page shows, never from the clock or a file's mtime, so the
same content gives the same bytes and a search engine is not told that untouched pages changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .feeds import modified, rfc3339, xml_element, xml_text
from .model import Article, Page
from .site import Site
from .urls import Urls

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# The protocol's limit per file; past it, sitemap.xml becomes an index of sitemap-N.xml files.
MAX_URLS = 50_000


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    href: str  # as Urls gives it, e.g. "/2023/09/28/rates/"
    lastmod: datetime | None  # the newest date of the content the page shows; None leaves it out


def sitemap_entries(pages: Iterable[Page], site: Site, urls: Urls) -> list[SitemapEntry]:
    """One entry per planned HTML page, in plan order, leaving out the 404 page.

    lastmod: an article page's own last change; a list page's newest listed article; any other
    page (index of sources or tags, archive) shows counts over the whole site, so the site's
    newest change.
    """
    newest_anywhere = max((modified(a) for a in site.articles), default=None)
    entries = []
    for page in pages:
        path = urls.output_path(page.url)
        if not path.endswith(".html") or path == "404.html" or page.template == "404.html":
            continue
        entries.append(SitemapEntry(page.url, _shown_lastmod(page, newest_anywhere)))
    return entries


def _shown_lastmod(page: Page, newest_anywhere: datetime | None) -> datetime | None:
    article = page.context.get("article")
    if isinstance(article, Article):
        return modified(article)
    items = getattr(page.context.get("pager"), "items", None)
    if items:
        return max(modified(a) for a in items)
    return newest_anywhere


def sitemap_files(entries: Iterable[SitemapEntry], urls: Urls) -> dict[str, bytes]:
    """Output path -> bytes of sitemap.xml (an index past MAX_URLS) and robots.txt.

    Entries keep the caller's order; a repeated href is listed once, with its newest lastmod.
    """
    merged: dict[str, datetime | None] = {}
    for entry in entries:
        if entry.href not in merged:
            merged[entry.href] = entry.lastmod
        elif entry.lastmod is not None:
            earlier = merged[entry.href]
            merged[entry.href] = entry.lastmod if earlier is None else max(earlier, entry.lastmod)
    listed = list(merged.items())
    index_href = urls.sitemap()
    files: dict[str, bytes] = {}
    if len(listed) <= MAX_URLS:
        files[urls.output_path(index_href)] = _urlset(listed, urls)
    else:
        parts = []
        for number, start in enumerate(range(0, len(listed), MAX_URLS), start=1):
            chunk = listed[start: start + MAX_URLS]
            href = urls.file(f"sitemap-{number}.xml")
            files[urls.output_path(href)] = _urlset(chunk, urls)
            dates = [d for _, d in chunk if d is not None]
            parts.append((href, max(dates) if dates else None))
        files[urls.output_path(index_href)] = _document("sitemapindex", "sitemap", parts, urls)
    files[urls.output_path(urls.file("robots.txt"))] = robots_txt(urls)
    return files


def robots_txt(urls: Urls) -> bytes:
    """Everything may be crawled; the sitemap is named with its full URL, as the format requires.

    Crawlers read robots.txt only at the root of a host: under a sub-path base_url this file is
    only useful to copy into the host's own robots.txt.
    """
    sitemap = xml_text(urls.absolute(urls.sitemap()))
    return f"User-agent: *\nDisallow:\n\nSitemap: {sitemap}\n".encode()


def _urlset(listed: list[tuple[str, datetime | None]], urls: Urls) -> bytes:
    return _document("urlset", "url", listed, urls)


def _document(root_tag: str, item_tag: str, listed: list[tuple[str, datetime | None]],
              urls: Urls) -> bytes:
    """The document ElementTree would indent and write, written directly: a sitemap has an
    element per page, and ElementTree's tree and serializer were most of the sitemap's time.
    (The namespace is a plain attribute, as ElementTree's register_namespace is global.)"""
    head = '<?xml version="1.0" encoding="utf-8"?>\n'
    if not listed:
        return (head + xml_element(root_tag, xmlns=SITEMAP_NS) + "\n").encode("utf-8")
    items = []
    for href, lastmod in listed:
        parts = [xml_element("loc", xml_text(urls.absolute(href)))]
        if lastmod is not None:
            parts.append(xml_element("lastmod", rfc3339(lastmod)))
        items.append(f"  <{item_tag}>\n    " + "\n    ".join(parts) + f"\n  </{item_tag}>")
    return (f'{head}<{root_tag} xmlns="{SITEMAP_NS}">\n' + "\n".join(items)
            + f"\n</{root_tag}>\n").encode("utf-8")
