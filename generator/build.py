"""The build, top to bottom. Nothing reaches output/ until every stage has succeeded: pages are
staged, and a failed build discards them, leaving the previous output/ as it was."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import search
from .cache import CACHE_FOLDER, Cache, fingerprint
from .config import Config
from .dates import SOURCE_DATE_EPOCH, source_date_epoch
from .errors import BuildFailed, ContentError, ContentWarning, internal_error, unique_sorted
from .executors import ExecutorFactory, stage_executor
from .feeds import EPOCH, feed_files
from .model import Page
from .output import Staging, output_dir_errors, read_manifest
from .pages import path_errors, plan_pages, reserved_paths
from .readers import discover, read_all
from .redirects import Redirect, redirect_files
from .related import Related, find_related
from .render import render_all
from .site import Site, duplicate_errors
from .sitemap import sitemap_entries, sitemap_files
from .urls import Urls


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    rendered: int  # pages whose inputs changed
    written: int  # files whose bytes changed
    unchanged: int
    removed: int
    timings: dict[str, float] = field(default_factory=dict, hash=False)
    warnings: tuple[ContentWarning, ...] = ()
    drafts: int = 0  # drafts left out (--drafts includes them)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class _Stopwatch:
    STAGES = ("read", "index", "related", "plan", "render", "search", "write")

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()
        self.stage = self.STAGES[0]  # the stage running now, for an internal error's message

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = now - self._last
        self._last = now
        following = self.STAGES.index(stage) + 1
        self.stage = self.STAGES[min(following, len(self.STAGES) - 1)]


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
    """The whole pipeline; every error of the run is raised together, in one BuildFailed, and
    no exception escapes as anything else."""
    clock = _Stopwatch()
    try:
        return _build(cfg, jobs, executor_factory, use_cache, keep, clock)
    except BuildFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug of ours, reported as an error with its stage
        raise BuildFailed([internal_error(f"({clock.stage})", exc)]) from exc


def _build(cfg: Config, jobs: int, executor_factory: ExecutorFactory | None, use_cache: bool,
           keep: bool, clock: _Stopwatch) -> BuildReport:
    unsafe = output_dir_errors(cfg.output_dir, cfg.root,
                               [cfg.content_dir, cfg.templates_dir, cfg.root / "config.yaml"],
                               cfg.force)
    if cfg.search:
        search.check_available()
    try:
        source_date = source_date_epoch()  # read once: a feed of an empty site shows it
    except ValueError as exc:
        raise BuildFailed([ContentError(SOURCE_DATE_EPOCH, None, str(exc))]) from None
    folder = cfg.root / CACHE_FOLDER
    cache = _live.get(folder) if keep else None
    if cache is None:
        cache = Cache.load(folder if use_cache else None)
        if keep:
            _live[folder] = cache
    urls = Urls.for_config(cfg)
    sources = discover(cfg.content_dir, cfg.root)
    with stage_executor(jobs, executor_factory) as executor:
        read = read_all(sources, cfg, cache, executor)
    warnings = tuple(unique_sorted(read.warnings + cache.warnings()))
    clock.lap("read")
    site = Site.from_articles(read.articles, cfg, urls, check=False)
    errors = unsafe + read.errors + duplicate_errors(site.articles, urls)
    if errors:
        # Pages that would collide are reported with the rest, from a plan without related
        # reading (it changes no path).
        plan = plan_pages(site, Related({}, (), {}), cfg, urls, check=False)
        errors += path_errors(plan, urls, reserved_paths(site, urls, cfg))
    if cfg.strict:  # each warning is now an error, and reported once, as one
        errors, warnings = errors + [w.as_error() for w in warnings], ()
    if errors:
        if not keep:
            cache.save()  # what did parse is worth keeping for the run that follows the fix
        raise BuildFailed(errors, warnings)
    clock.lap("index")
    related = cache.reuse("related", fingerprint(cfg.related, site.articles),
                          # Pages show no reasons; `digest related` (load_site) does.
                          lambda: find_related(site.articles, cfg.related, cache.terms,
                                               reasons=False))
    clock.lap("related")
    plan = plan_pages(site, related, cfg, urls, check=False)
    reserved = reserved_paths(site, urls, cfg)
    if errors := path_errors(plan, urls, reserved):
        raise BuildFailed(errors, warnings)
    moved, moved_warnings = redirects(site, read.redirects, plan, reserved, urls, cfg)
    if moved_warnings and cfg.strict:
        raise BuildFailed([w.as_error() for w in moved_warnings])
    warnings = tuple(unique_sorted(warnings + tuple(moved_warnings)))
    clock.lap("plan")
    staging = Staging(cfg.output_dir).open()
    pages_before = dict(cache.pages)
    try:
        with stage_executor(jobs, executor_factory) as executor:
            report = render_all(plan, cfg, site, urls, cache, staging, executor)
        files = {urls.output_path(page.url) for page in plan}
        extra = static_files(cfg.templates_dir / "static") | moved
        empty_updated = source_date or EPOCH
        site_key = fingerprint(cfg, site.articles, empty_updated)
        feed_memo = cache.derived.setdefault("feed-memo", ("", {}))[1]
        extra.update(cache.reuse("feeds", site_key,
                                 lambda: feed_files(site, urls, cfg, cfg.feeds, feed_memo,
                                                    empty_updated)))
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
        if errors := tree_errors(files, extra.keys()):
            raise BuildFailed(errors, warnings)
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
    drafts = 0 if cfg.drafts else sum(a.draft for a in read.articles)
    return BuildReport(len(site.articles), len(plan), report.rendered, written.written,
                       written.unchanged, written.removed, clock.timings, warnings, drafts)


def redirects(site: Site, stubs: list[Redirect], plan: list[Page], reserved: dict[str, str],
              urls: Urls, cfg: Config) -> tuple[dict[str, bytes], list[ContentWarning]]:
    """Redirect pages from every article's old URLs, and from redirect-only files."""
    wanted = list(stubs)
    for article in site.articles:
        target = urls.absolute(urls.article(article))
        wanted += [Redirect(old, target, article.source_path) for old in article.aliases]
    taken = {urls.output_path(p.url) for p in plan} | {r.rstrip("/") for r in reserved}
    return redirect_files(wanted, urls, taken, cfg.language)


def tree_errors(pages: set[str], others: Iterable[str]) -> list[ContentError]:
    """A file where another needs a folder (a theme's static file against a page): the last
    check before anything moves into output/."""
    paths = pages | set(others)
    errors = []
    for path in sorted(paths):
        parts = path.split("/")
        for i in range(1, len(parts)):
            folder = "/".join(parts[:i])
            if folder in paths:
                errors.append(ContentError(path, None, f"needs a folder where the file {folder} "
                                                       "is written; rename one of them"))
                break
    return errors


def load_site(cfg: Config) -> tuple[Site, Related]:
    """The site and its related reading, as a build sees them, without rendering anything."""
    urls = Urls.for_config(cfg)
    cache = Cache.load(cfg.root / CACHE_FOLDER)
    read = read_all(discover(cfg.content_dir, cfg.root), cfg, cache)
    if read.errors:
        raise BuildFailed(read.errors, tuple(read.warnings))
    site = Site.from_articles(read.articles, cfg, urls)
    return site, find_related(site.articles, cfg.related)


def search_bundle(plan: list[Page], cache: Cache, staging: Staging, urls: Urls
                  ) -> tuple[str, dict[str, bytes]]:
    """The Pagefind bundle for the article pages, reused when none of them changed: the same
    pages give the same bundle, and reusing it saves running Pagefind (most of a rebuild's
    time on a small site).

    The key, which the manifest keeps, is made of what the bundle is made from, the pages'
    paths and bytes, so it is the same wherever the site is built."""
    paths = sorted(urls.output_path(p.url) for p in plan if p.template == "article.html")
    key = fingerprint(search.index_version(), [(p, cache.pages[p][2]) for p in paths])
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
