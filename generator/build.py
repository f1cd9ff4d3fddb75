"""The build, top to bottom. Everything before write_site is pure: a failed build writes nothing."""

from __future__ import annotations

import time
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from . import search
from .config import Config
from .errors import BuildFailed
from .feeds import feed_files
from .model import Page
from .output import check_output_dir, read_manifest, write_site
from .pages import plan_pages
from .readers import discover, read_all
from .related import Related, find_related
from .render import render_all
from .site import Site
from .sitemap import sitemap_entries, sitemap_files
from .urls import Urls


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    written: int
    unchanged: int
    removed: int
    timings: dict[str, float] = field(default_factory=dict, hash=False)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class _Stopwatch:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self._last
        self._last = now


def build(cfg: Config, executor: Executor | None = None) -> BuildReport:
    clock = _Stopwatch()
    check_output_dir(cfg.output_dir, [cfg.content_dir, cfg.templates_dir, cfg.root / "config.yaml"])
    if cfg.search:
        search.check_available()
    urls = Urls.for_config(cfg)
    sources = discover(cfg.content_dir, cfg.root)
    articles, errors = read_all(sources, cfg, executor=executor)
    if errors:
        raise BuildFailed(errors)
    clock.lap("read")
    site = Site.from_articles(articles, cfg, urls)
    clock.lap("index")
    related = find_related(site.articles, cfg.related)
    clock.lap("related")
    plan = plan_pages(site, related, cfg, urls)
    clock.lap("plan")
    files = render_all(plan, cfg, site, urls)
    files.update(static_files(cfg.templates_dir / "static"))
    clock.lap("render")
    files.update(feed_files(site, urls, cfg, cfg.feeds))
    files.update(sitemap_files(sitemap_entries(plan, site, urls), urls))
    clock.lap("feeds")
    notes = {}
    if cfg.search:
        notes["search"], bundle = search_bundle(plan, files, cfg, urls)
        files.update(bundle)
        clock.lap("search")
    written = write_site(files, cfg.output_dir, notes)
    clock.lap("write")
    return BuildReport(len(site.articles), len(plan), written.written, written.unchanged,
                       written.removed, clock.timings)


def load_site(cfg: Config) -> tuple[Site, Related]:
    """The site and its related reading, as a build sees them, without rendering anything."""
    urls = Urls.for_config(cfg)
    articles, errors = read_all(discover(cfg.content_dir, cfg.root), cfg)
    if errors:
        raise BuildFailed(errors)
    site = Site.from_articles(articles, cfg, urls)
    return site, find_related(site.articles, cfg.related)


def search_bundle(plan: list[Page], files: dict[str, bytes], cfg: Config, urls: Urls
                  ) -> tuple[str, dict[str, bytes]]:
    """The Pagefind bundle for the article pages, reused when they have not changed."""
    articles = {path: files[path] for path in
                (urls.output_path(p.url) for p in plan if p.template == "article.html")}
    key = search.fingerprint(articles)
    previous = read_manifest(cfg.output_dir)
    if previous.notes.get("search") == key:
        bundle = search.previous_bundle(cfg.output_dir, previous.files)
        if bundle is not None:
            return key, bundle
    return key, search.build_index(articles)


def static_files(static_dir: Path) -> dict[str, bytes]:
    """The theme's static files, to be served under /static/; hidden files are left out."""
    files = {}
    if static_dir.is_dir():
        for path in sorted(static_dir.rglob("*")):
            relative = path.relative_to(static_dir)
            if path.is_file() and not any(p.startswith(".") for p in relative.parts):
                files["static/" + relative.as_posix()] = path.read_bytes()
    return files
