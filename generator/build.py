"""The build, top to bottom. Nothing reaches output/ until every stage has succeeded: pages are
staged, and a failed build discards them, leaving the previous output/ as it was."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import search
from .cache import Cache, fingerprint
from .config import Config
from .errors import BuildFailed
from .feeds import feed_files
from .model import Page
from .output import Staging, check_output_dir, read_manifest
from .pages import plan_pages
from .readers import discover, read_all
from .related import Related, find_related
from .render import render_all
from .site import Site
from .sitemap import sitemap_entries, sitemap_files
from .urls import Urls

CACHE_FOLDER = ".digest-cache"
ExecutorFactory = Callable[[int], Executor]


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    rendered: int  # pages whose inputs changed
    written: int  # files whose bytes changed
    unchanged: int
    removed: int
    timings: dict[str, float] = field(default_factory=dict, hash=False)
    warnings: tuple[str, ...] = ()

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


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_pool(jobs: int) -> Executor:
    """Forked workers inherit the render stage's state instead of receiving it (see README)."""
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))


class _StageExecutor(Executor):
    """The executor of one stage, made on its first map of at least two tasks: forked workers
    then see the state the stage set up, and a stage with little to do pays no start-up."""

    def __init__(self, jobs: int, factory: ExecutorFactory | None) -> None:
        self._jobs, self._factory = jobs, factory
        self._real: Executor | None = None

    def map(self, fn, *iterables, timeout=None, chunksize=1):  # type: ignore[override]
        tasks = list(zip(*iterables))
        if self._real is None and (len(tasks) < 2 or (self._jobs <= 1 and not self._factory)):
            return [fn(*task) for task in tasks]
        if self._real is None:
            self._real = (self._factory or process_pool)(self._jobs)
        return self._real.map(fn, *zip(*tasks), timeout=timeout, chunksize=chunksize)

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        if self._real is None:
            self._real = (self._factory or process_pool)(self._jobs)
        return self._real.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._real is not None:
            self._real.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextmanager
def _executor(jobs: int, factory: ExecutorFactory | None) -> Iterator[Executor]:
    executor = _StageExecutor(jobs, factory)
    try:
        yield executor
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


# The cache of the last build in this process, for `rebuild`: a watcher keeps the site loaded.
_live: dict[Path, Cache] = {}


def rebuild(cfg: Config, changed: list[Path] | None = None, jobs: int = 1,
            executor_factory: ExecutorFactory | None = None) -> BuildReport:
    """The build a watcher calls: the cache stays in memory between runs instead of being read
    from and written to disk each time (`save_cache` writes it). Which files changed is found
    as in any build, so `changed` is informative only."""
    return build(cfg, jobs, executor_factory, keep=True)


def save_cache(cfg: Config) -> None:
    cache = _live.get(cfg.root / CACHE_FOLDER)
    if cache is not None:
        cache.save()


def build(cfg: Config, jobs: int = 1, executor_factory: ExecutorFactory | None = None,
          use_cache: bool = True, keep: bool = False) -> BuildReport:
    clock = _Stopwatch()
    check_output_dir(cfg.output_dir, [cfg.content_dir, cfg.templates_dir, cfg.root / "config.yaml"])
    if cfg.search:
        search.check_available()
    folder = cfg.root / CACHE_FOLDER
    cache = _live.get(folder) if keep else None
    if cache is None:
        cache = Cache.load(folder if use_cache else None)
        if keep:
            _live[folder] = cache
    urls = Urls.for_config(cfg)
    sources = discover(cfg.content_dir, cfg.root)
    with _executor(jobs, executor_factory) as executor:
        articles, errors = read_all(sources, cfg, cache, executor)
    if errors:
        if not keep:
            cache.save()  # what did parse is worth keeping for the run that follows the fix
        raise BuildFailed(errors)
    clock.lap("read")
    site = Site.from_articles(articles, cfg, urls)
    clock.lap("index")
    related = cache.reuse("related", fingerprint(cfg.related, site.articles),
                          # Pages show no reasons; `digest related` (load_site) does.
                          lambda: find_related(site.articles, cfg.related, cache.terms,
                                               reasons=False))
    clock.lap("related")
    plan = plan_pages(site, related, cfg, urls)
    clock.lap("plan")
    staging = Staging(cfg.output_dir).open()
    pages_before = dict(cache.pages)
    try:
        with _executor(jobs, executor_factory) as executor:
            report = render_all(plan, cfg, site, urls, cache, staging, executor)
        files = {urls.output_path(page.url) for page in plan}
        extra = static_files(cfg.templates_dir / "static")
        site_key = fingerprint(cfg, site.articles)
        feed_memo = cache.derived.setdefault("feed-memo", ("", {}))[1]
        extra.update(cache.reuse("feeds", site_key,
                                 lambda: feed_files(site, urls, cfg, cfg.feeds, feed_memo)))
        # The sitemap shows pages and the dates of what they list, which depends on where each
        # article is listed, not on its text: an edit to a body leaves it as it was.
        dates = fingerprint(cfg, [(p.url, p.template) for p in plan],
                            [(a.id, a.date, a.updated, a.category, a.tags) for a in site.articles],
                            [[a.id for a in story] for story in related.stories])
        extra.update(cache.reuse("sitemap", dates,
                                 lambda: sitemap_files(sitemap_entries(plan, site, urls), urls)))
        clock.lap("render")
        notes = {}
        if cfg.search:
            notes["search"], bundle = search_bundle(plan, cache, staging, urls)
            extra.update(bundle)
            clock.lap("search")
        for path, data in extra.items():
            staging.put(path, data)
        written = staging.commit(files | extra.keys(), notes)
    except BaseException:
        staging.discard()
        cache.pages = pages_before  # what was rendered was not written: the cache must not say so
        raise
    if not keep:
        cache.save()
    clock.lap("write")
    return BuildReport(len(site.articles), len(plan), report.rendered, written.written,
                       written.unchanged, written.removed, clock.timings,
                       tuple(w for w in [cache.warning] if w))


def load_site(cfg: Config) -> tuple[Site, Related]:
    """The site and its related reading, as a build sees them, without rendering anything."""
    urls = Urls.for_config(cfg)
    cache = Cache.load(cfg.root / CACHE_FOLDER)
    articles, errors = read_all(discover(cfg.content_dir, cfg.root), cfg, cache)
    if errors:
        raise BuildFailed(errors)
    site = Site.from_articles(articles, cfg, urls)
    return site, find_related(site.articles, cfg.related)


def search_bundle(plan: list[Page], cache: Cache, staging: Staging, urls: Urls
                  ) -> tuple[str, dict[str, bytes]]:
    """The Pagefind bundle for the article pages, reused when none of them changed."""
    paths = [urls.output_path(p.url) for p in plan if p.template == "article.html"]
    key = fingerprint(search.index_version(), [(p, cache.pages[p][0]) for p in paths])
    previous = read_manifest(staging.root)
    if previous.notes.get("search") == key:
        bundle = search.previous_bundle(staging.root, previous.files)
        if bundle is not None:
            return key, bundle
    return key, search.build_index({p: staging.read(p) for p in paths})


def static_files(static_dir: Path) -> dict[str, bytes]:
    """The theme's static files, to be served under /static/; hidden files are left out."""
    files = {}
    if static_dir.is_dir():
        for path in sorted(static_dir.rglob("*")):
            relative = path.relative_to(static_dir)
            if path.is_file() and not any(p.startswith(".") for p in relative.parts):
                files["static/" + relative.as_posix()] = path.read_bytes()
    return files
