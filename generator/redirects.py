"""Redirect pages: the old URLs of moved articles, so that links to them keep working on any
static host. They come from Hugo's `aliases`, Jekyll's `redirect_from` and `permalink`, and
redirect-only stubs (`redirect_to:`). Each is a small HTML page with a meta refresh and a
canonical link; none is listed in the sitemap, and every one is in the manifest."""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .config import Config
from .errors import ContentWarning
from .model import Page
from .site import Site
from .urls import Urls

SEGMENT_MAX = 200  # bytes of one path segment: under every file system's 255


@dataclass(frozen=True, slots=True)
class Redirect:
    old: str  # the old URL's path, as the file wrote it ("/2019/05/old-title/", "old.html")
    target: str  # where it now goes: a site path ("/2024/05/29/new/") or an absolute URL
    source: str  # the file that asked for it
    line: int | None = None


def redirect_path(old: str, urls: Urls) -> str | None:
    """The file in output/ that answers the old URL, or None when it cannot be one of ours."""
    path = urlsplit(old.strip()).path if "://" in old else old.strip().split("#")[0].split("?")[0]
    path = unquote(path)
    base = urls.base_path
    if path.startswith(base):
        path = path[len(base):]
    path = path.lstrip("/")
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif "." not in path.rsplit("/", 1)[-1]:
        path += "/index.html"  # an extensionless URL is a folder on a static host
    parts = path.split("/")
    if any(p in ("", ".", "..") or p.startswith(".digest") or len(p.encode()) > SEGMENT_MAX
           or any(ord(c) < 32 for c in p) for p in parts):
        return None
    return path


def redirect_page(target_url: str, language: str) -> bytes:
    """A page any browser follows at once, and a search engine reads as 'moved there'."""
    href = html.escape(target_url, quote=True)
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n<head>\n'
            f'<meta charset="utf-8">\n<title>Moved</title>\n'
            f'<link rel="canonical" href="{href}">\n'
            f'<meta name="robots" content="noindex">\n'
            f'<meta http-equiv="refresh" content="0; url={href}">\n</head>\n<body>\n'
            f'<p>This page has moved to <a href="{href}">{href}</a>.</p>\n</body>\n</html>\n'
            ).encode("utf-8")


def redirect_files(redirects: list[Redirect], urls: Urls, taken: set[str], language: str
                   ) -> tuple[dict[str, bytes], list[ContentWarning]]:
    """The redirect pages, by output path. An old URL that a page of the site (or an earlier
    redirect) holds is left alone, with a warning: a redirect never replaces a page."""
    files: dict[str, bytes] = {}
    warnings: list[ContentWarning] = []
    folders = {p.rsplit("/", i)[0] for p in taken for i in range(1, p.count("/") + 1)}
    for redirect in sorted(redirects, key=lambda r: (r.old, r.source, r.target)):
        path = redirect_path(redirect.old, urls)
        if path is None:
            warnings.append(ContentWarning(redirect.source, redirect.line,
                                           f"old URL {redirect.old!r} cannot be a page of this "
                                           "site; no redirect made"))
            continue
        target = redirect.target if "://" in redirect.target else urls.absolute(
            urls.base_path + redirect.target.lstrip("/"))
        if urls.absolute(urls.base_path + path.removesuffix("index.html")) == target:
            continue  # the old URL is the new one: nothing moved
        ancestors = ["/".join(path.split("/")[:i]) for i in range(1, path.count("/") + 1)]
        if path in taken or path in files or path.removesuffix("/index.html") in taken \
                or path in folders or any(a in taken or a in files for a in ancestors):
            warnings.append(ContentWarning(redirect.source, redirect.line,
                                           f"old URL {redirect.old!r} is taken by another page; "
                                           "no redirect made"))
            continue
        files[path] = redirect_page(target, language)
    return files, warnings


def redirects(site: Site, stubs: list[Redirect], plan: list[Page], reserved: dict[str, str],
              urls: Urls, cfg: Config) -> tuple[dict[str, bytes], list[ContentWarning]]:
    """Redirect pages from every article's old URLs, and from redirect-only files."""
    wanted = list(stubs)
    for article in site.articles:
        if article.aliases:
            target = urls.absolute(urls.article(article))
            wanted += [Redirect(old, target, article.source_path) for old in article.aliases]
    if not wanted:  # most sites: no need for every path the plan takes (1.4 s at 100,000)
        return {}, []
    taken = {urls.output_path(p.url) for p in plan} | {r.rstrip("/") for r in reserved}
    return redirect_files(wanted, urls, taken, cfg.language)
