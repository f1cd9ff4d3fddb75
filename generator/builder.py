"""The Builder: one loaded site, kept between builds, and the pipeline that brings it up to date.

`digest build` opens a Builder on the cache, updates it for what differs on disk, and saves;
`watch` and `serve` keep one Builder and update it on every change; `digest related` reads the
site through one. `update` is the whole pipeline, read top to bottom, each stage timed:

    discover -> read -> index -> related -> plan -> select -> render -> feeds -> sitemap
    -> search -> write

(The lists, which need no related reading, are planned before it where the workers can render
them meanwhile: `_lists_ahead`.)

Stages are functions of other modules that return values; the Builder holds what they return
that the next update can reuse (what was read, a digest of each page's inputs, what was written). Only
`write` touches output/, and only once everything before it has succeeded.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import search, theme
from .config import Config
from .dates import SOURCE_DATE_EPOCH, source_date_epoch
from .errors import BuildFailed, ContentError, ContentWarning, internal_error, unique_sorted
from .executors import ExecutorFactory, stage_executor
from .feeds import EPOCH, feed_files
from .fingerprints import fingerprint, inputs_digest
from .memory import collector_paused, give_back, settle_large_blocks
from .model import Article, Page, evolve
from .output import Staging, output_dir_errors, read_manifest, tree_errors
from .pages import (
    linked_pages,
    listing_pages,
    newest_shown,
    path_errors,
    plan_pages,
    reserved_paths,
)
from .paths import shown_path
from .progress import Progress
from .readers import Parsed, ReadResult, discover, read_all, read_settings
from .redirects import redirects
from .related import Related, reach
from .related_lists import KeptRelated, with_reasons
from .render import Rendered, RenderJob
from .rendering import Rendering
from .site import Site, duplicate_errors
from .sitemap import sitemap_entries, sitemap_files
from .store import CACHE_FOLDER, PageRow, Store, is_locked
from .touched import Touched, pages_touched
from .urls import Urls

STAGES = ("discover", "read", "index", "related", "plan", "select", "render", "feeds",
          "sitemap", "search", "write")


@dataclass(frozen=True, slots=True)
class BuildReport:
    articles: int
    pages: int
    rendered: int  # pages whose inputs changed (or whose file was missing)
    written: int  # files whose bytes changed
    unchanged: int
    removed: int
    timings: dict[str, float] = field(default_factory=dict, hash=False)
    warnings: tuple[ContentWarning, ...] = ()
    drafts: int = 0  # drafts left out (--drafts includes them)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


class Stopwatch:
    """Times each stage, and knows which one runs, for an internal error's message."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()
        self.stage = STAGES[0]

    def lap(self, stage: str, then: str | None = None) -> None:
        """`stage` has ended; `then` (by default the stage after it) begins."""
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self._last
        self._last = now
        self.stage = then or STAGES[min(STAGES.index(stage) + 1, len(STAGES) - 1)]


@dataclass(slots=True)
class _Written:
    """What the last good update left in output/: a row per page (its inputs' digest, size and
    bytes' hash) and the key of what every page saw."""

    rows: dict[str, PageRow] = field(default_factory=dict)
    job_key: str = ""
    # Ids of articles read anew since the last good build: all of them, and those whose card
    # (what lists show) changed.
    owed: tuple[set[str], set[str]] = field(default_factory=lambda: (set(), set()))
    loaded: bool = False  # read from the store (a new process's first update)
    checked: bool = False  # the files on disk were compared with the rows


def sitemap_key(cfg: Config, site: Site, related: Related, plan: list[Page]) -> str:
    """What the sitemap shows: its pages and the dates of what they list, which depends on
    where each article is listed (its dates, source, tags, story, and how many a page lists),
    not on its text: an edit to a body leaves it as it was. Each list as its repr, one C
    call, where `fingerprint` walks every value in Python: 50 -> 29 ms at 10,000 articles,
    which an edit spends."""
    return fingerprint(cfg.base_url, cfg.per_page, repr([(p.url, p.template) for p in plan]),
                       repr([(a.id, a.date, a.updated, a.category, a.tags)
                             for a in site.articles]),
                       repr([[a.id for a in story] for story in related.stories]))


class Builder:
    """A site, loaded: the config, what every source gave, and what was written where."""

    def __init__(self, cfg: Config, jobs: int = 1, executor_factory: ExecutorFactory | None = None,
                 use_cache: bool = True, progress: Progress | None = None,
                 keep: bool = True) -> None:
        self.cfg = cfg
        # What only a next update reuses (the related index) is kept for it; a Builder made
        # for one update (`digest build`) lets it go once used, and loads it again if asked.
        self.keep = keep
        self.progress = progress
        self.jobs, self.executor_factory = jobs, executor_factory
        self.store = Store(cfg.root / CACHE_FOLDER if use_cache else None)
        self.known: dict[str, Parsed] | None = None  # by source: what reading it gave, no body
        self.written = _Written()
        self.site: Site | None = None
        self.related: Related | None = None
        self.kept_related = KeptRelated(self.store)  # the incremental related index
        self._memos: dict[str, dict] = {}  # results kept by key, while the Builder lives

    def reconfigure(self, cfg: Config) -> None:
        """A new config.yaml: what was read under other settings is read again as needed."""
        self.cfg = cfg

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Builder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self) -> tuple[Site, ReadResult]:
        """The site as a build reads it, without planning or writing anything."""
        cfg = self.cfg
        read = self._read(discover(cfg.content_dir, cfg.root))
        return Site.from_articles(read.articles, cfg, Urls.for_config(cfg), check=False), read

    # The pipeline.

    def update(self, changed: Iterable[Path] = ()) -> BuildReport:
        """Bring output/ up to date with the sources. `changed` is what a watcher saw change;
        the sources are compared with what was read all the same, so it is a hint only."""
        clock = Stopwatch()
        try:
            with collector_paused():
                return self._update(clock)
        except BaseException as exc:  # a Ctrl-C too: the cache keeps its last committed state
            self.store.rollback()
            self.kept_related.forget()
            if isinstance(exc, BuildFailed) or not isinstance(exc, Exception):
                raise
            if is_locked(exc):  # not a bug: another digest process is writing the cache
                raise BuildFailed([self.store.locked_error()]) from exc
            # A bug of ours: an error with its stage.
            raise BuildFailed([internal_error(f"({clock.stage})", exc)]) from exc

    def _update(self, clock: Stopwatch) -> BuildReport:
        cfg, urls = self.cfg, Urls.for_config(self.cfg)
        unsafe = output_dir_errors(cfg.output_dir, cfg.root,
                                   [cfg.content_dir, cfg.templates_dir, cfg.root / "config.yaml"],
                                   cfg.force)
        if cfg.theme and not (cfg.root / cfg.theme).is_dir():
            unsafe.append(ContentError("config.yaml", None,
                                       f"theme: no folder {shown_path(cfg.root / cfg.theme)}"))
        if cfg.search:
            search.check_available()
        empty_updated = self._source_date() or EPOCH
        sources = discover(cfg.content_dir, cfg.root)
        quiet = None if unsafe else self._quiet(sources)
        clock.lap("discover")
        if quiet is not None:
            return replace(quiet, timings=clock.timings)
        read = self._read(sources)
        give_back()
        clock.lap("read")
        site = Site.from_articles(read.articles, cfg, urls, check=False)
        warnings = tuple(unique_sorted(read.warnings + self.store.warnings()))
        self._check(unsafe + read.errors + duplicate_errors(site.articles, urls), warnings, site,
                    urls)
        clock.lap("index", then="plan")
        job = RenderJob.of(cfg, site, urls)
        select = partial(pages_touched, touched=self._touched(job.key), present=self._present(),
                         before={p: r.inputs for p, r in self.written.rows.items()}, urls=urls)
        reserved = reserved_paths(site, urls, cfg)
        staging = Staging(cfg.output_dir).open()
        try:
            with stage_executor(self.jobs, self.executor_factory) as executor, \
                    Rendering(job, staging, executor, self.progress, self._with_bodies,
                              site.articles, self.store.folder, newest_shown(site),
                              reach(cfg.related)[0]) as rendering:
                listed, kept, ahead = self._lists_ahead(rendering, site, urls, reserved, select)
                clock.lap("plan", then="related")
                related = self._relate(site, read)
                read = replace(read, related_docs={})
                if not self.keep:  # a one-shot build scores no more pairs (memory.py says why)
                    settle_large_blocks()
                give_back()
                clock.lap("related")
                linked = linked_pages(site, related, cfg, urls)
                plan = linked + (kept if kept is not None else listing_pages(site, cfg, urls))
                if errors := path_errors(plan, urls, reserved):
                    raise BuildFailed(errors, warnings)
                moved, moved_warnings = redirects(site, read.redirects, plan, reserved, urls, cfg)
                warnings = self._strict(warnings + tuple(moved_warnings))
                clock.lap("plan")
                # Lists planned ahead were selected then (sent, or kept for `finish`): a
                # list page that collides fails the whole plan's check above.
                todo = select(linked) if listed else select(plan)
                clock.lap("select")
                rendered = rendering.finish(todo)
            clock.lap("render")
            files = {urls.output_path(page.url) for page in plan}
            # The feeds need no related reading, but made before it they were held through
            # its peak: 21-25 MiB more of it at 100,000 articles, 300 a day.
            feeds = self._feeds(site, urls, empty_updated)
            clock.lap("feeds")
            extra = self._extras(site, related, plan, urls) | feeds | moved
            clock.lap("sitemap")
            notes = self._search(plan, rendered, staging, urls, extra)
            clock.lap("search")
            if errors := tree_errors(files, extra.keys()):
                raise BuildFailed(errors, warnings)
            for path, data in extra.items():
                staging.put(path, data)
            written = staging.commit(files | extra.keys(), notes)
        except BaseException:
            staging.discard()
            raise
        self._remember(plan, rendered, job.key, urls)
        self.site, self.related = site, related
        self.store.commit()
        clock.lap("write")
        drafts = 0 if cfg.drafts else sum(a.draft for a in read.articles)
        report = BuildReport(len(site.articles), len(plan), ahead + len(todo),
                             written.written, written.unchanged, written.removed, clock.timings,
                             warnings, drafts)
        self.store.put_blob(f"quiet:{cfg.output_dir}", self._quiet_key(),
                            (replace(report, rendered=0, written=0, removed=0,
                                     unchanged=written.written + written.unchanged, timings={}),
                             sorted(files | extra.keys())))
        self.store.commit()
        return report

    # The stages' glue: what each needs from the Builder's state, and what it leaves there.

    def _lists_ahead(self, rendering: Rendering, site: Site, urls: Urls,
                     reserved: dict[str, str], select: Callable[[list[Page]], list[Page]]
                     ) -> tuple[bool, list[Page] | None, int]:
        """Send the lists of sources, tags and dates to render now, where `rendering` can go
        ahead: they need no related reading, and the workers render them while it runs here,
        on one core. Whether the lists were planned and selected here (then they are not
        selected again: `rendering` renders the ones it did not send), their pages where none
        were sent (an edit's few, or all where the card table could not be written), and how
        many of them are to render.

        Sent, their pages are not kept: held through related reading, the build's peak, they
        were 20 MiB of it at 100,000 articles, 300 a day. The plan makes them again after it:
        0.24-0.5 s at 40,000 articles."""
        if not rendering.can_go_ahead():
            return False, None, 0
        listing = listing_pages(site, self.cfg, urls)
        ahead = select(listing)
        # Checked here only when they will go: the whole plan's check names any that collide,
        # and the build stops there, before any is rendered.
        if rendering.will_send(len(ahead)) and path_errors(listing, urls, reserved):
            ahead = []
        rendering.start(ahead)
        return True, listing if rendering.ahead is None else None, len(ahead)

    def _quiet(self, sources: list) -> BuildReport | None:
        """The report of the last build, when nothing it was made from has changed since: the
        same sources, stamps, settings, templates and static files, and every file it wrote
        still there. A no-change rebuild reads only the sources' stamps for that."""
        if self.known is not None:
            return None  # a live Builder: its next update is as cheap as this check
        kept = self.store.blob(f"quiet:{self.cfg.output_dir}")
        if kept is None or kept[0] != self._quiet_key():
            return None
        report, files = kept[1]
        owed = self.store.blob(f"owed:{self.cfg.output_dir}")
        if owed is not None and any(owed[1]):
            return None
        rows = self.store.sources()
        if len(rows) != len(sources):
            return None
        settings = read_settings(self.cfg)
        for source in sources:
            row = rows.get(source.shown)
            try:
                info = os.stat(source.file)
            except OSError:
                return None
            if row is None or row.settings != settings \
                    or row.stamp != (info.st_mtime_ns, info.st_size):
                return None
        sizes = self.store.page_sizes(str(self.cfg.output_dir))
        root = str(self.cfg.output_dir)
        for path in files:
            try:
                size = os.stat(os.path.join(root, path)).st_size
            except OSError:
                return None
            if path in sizes and sizes[path] != size:
                return None
        return report

    def _quiet_key(self) -> str:
        """What a build is made from besides the sources: the config, the theme's templates and
        static files (by their stamps), the clock Digest may show, the libraries."""
        return fingerprint(self.cfg, read_settings(self.cfg), theme.stamps(theme.theme_folders(
            self.cfg)), os.environ.get(SOURCE_DATE_EPOCH, ""))

    def _source_date(self):
        try:
            return source_date_epoch()  # read once: a feed of an empty site shows it
        except ValueError as exc:
            raise BuildFailed([ContentError(SOURCE_DATE_EPOCH, None, str(exc))]) from None

    def _check(self, errors: list[ContentError], warnings: tuple[ContentWarning, ...],
               site: Site, urls: Urls) -> None:
        """Every error of the run at once: pages that would collide are found from a plan
        without related reading (it changes no path)."""
        if errors:
            plan = plan_pages(site, Related({}, (), {}), self.cfg, urls, check=False)
            errors += path_errors(plan, urls, reserved_paths(site, urls, self.cfg))
        if self.cfg.strict:
            errors = errors + [w.as_error() for w in warnings]
        if errors:
            raise BuildFailed(errors, () if self.cfg.strict else warnings)

    def _strict(self, warnings: tuple[ContentWarning, ...]) -> tuple[ContentWarning, ...]:
        warnings = tuple(unique_sorted(warnings))
        if self.cfg.strict and warnings:
            raise BuildFailed([w.as_error() for w in warnings])
        return warnings

    def _relate(self, site: Site, read: ReadResult) -> Related:
        """Related reading, brought up to date by the articles read anew: only they are
        tokenized, so no body need be loaded for the others (generator/related_state.py). A
        one-shot build keeps no index in memory: its lists are made as the index is let go."""
        relate = self.kept_related.related if self.keep else self.kept_related.once
        return relate(self.cfg.related, site.articles, self._bodies, read.related_docs)

    def related_with_reasons(self, site: Site, read: ReadResult) -> Related:
        """What `digest related` explains: every item with its reasons."""
        index = self.kept_related.updated(self.cfg.related, site.articles,
                                          self._bodies,
                                          read.related_docs)
        self.store.commit()
        return with_reasons(index, site.articles)

    def _read(self, sources: list) -> ReadResult:
        if self.known is None:
            self.known = self.store.parsed()
        self._load_written()
        cards = {p: k.article.card for p, k in self.known.items() if k.article}
        with stage_executor(self.jobs, self.executor_factory) as executor:
            read = read_all(sources, self.cfg, executor, self.store, self.known, self.progress)
        # What was read anew is owed a render until a build writes it, even if this one fails
        # (and the next runs in another process), in every output folder a build of this site
        # writes (`serve`'s and `build`'s): the store keeps it with what was read.
        full = {p.article.id for p in read.changed.values() if p.article is not None}
        card = {p.article.id for path, p in read.changed.items()
                if p.article is not None and cards.get(path) != p.article.card}
        if full:
            self.written.owed[0].update(full)
            self.written.owed[1].update(card)
            for name in {f"owed:{self.cfg.output_dir}"} | {
                    "owed:" + job.removeprefix("job:") for job in self.store.blob_names("job:")}:
                kept = self.store.blob(name)
                owed = kept[1] if kept else (set(), set())
                self.store.put_blob(name, "", (owed[0] | full, owed[1] | card))
        self.store.commit()  # what did parse is worth keeping, even if the build fails later
        # The site's articles carry no body (`known`'s): a page gets its own article's body
        # when it renders (`_with_bodies`), and every other page that lists or links an
        # article, each sent to a worker, carries only what it shows of it.
        # So do the Parsed of the files read anew: bodies are fetched from the store, a chunk
        # of pages at a time, and never all held at once.
        return replace(read, articles=[self.known[a.source_path].article for a in read.articles],
                       changed={path: self.known[path] for path in read.changed})

    def _load_written(self) -> None:
        """In a new process, what the last build left comes from the store."""
        if self.written.loaded:
            return
        self.written.loaded = True
        out = self.cfg.output_dir
        kept = self.store.blob(f"job:{out}")
        self.written.job_key = kept[0] if kept else ""
        self.written.rows = self.store.pages(str(out))
        owed = self.store.blob(f"owed:{out}")
        self.written.owed = owed[1] if owed else (set(), set())

    def _touched(self, job_key: str) -> Touched:
        full, card = self.written.owed
        return Touched(job_key != self.written.job_key, frozenset(full), frozenset(card))

    def _present(self) -> set[str]:
        """Output files as the last build left them. Checked on disk once per process: after
        that, the Builder is the only writer it trusts."""
        rows = self.written.rows
        if self.written.checked:
            return set(rows)
        self.written.checked = True
        present = set()
        root = f"{self.cfg.output_dir}{os.sep}"  # a string: a Path per file took twice as long
        for path, row in rows.items():
            try:
                if os.stat(root + path).st_size == row.size:
                    present.add(path)
            except OSError:
                pass
        return present

    def _with_bodies(self, pages: list[Page]) -> list[Page]:
        """The pages to render, each article page with its article's body."""
        own = [p.context["article"] for p in pages if "article" in p.context]
        full = {a.id: a for a in self._bodies(own)}
        return [evolve(p, context={**p.context, "article": full[p.context["article"].id]})
                if "article" in p.context else p for p in pages]

    def _bodies(self, articles: list[Article]) -> list[Article]:
        """The articles with their bodies, from the store, where reading put them."""
        stored = self.store.bodies([a.source_path for a in articles]) if articles else {}
        return [evolve(a, body_html=stored.get(a.source_path, "")) for a in articles]

    def _extras(self, site: Site, related: Related, plan: list[Page], urls: Urls
                ) -> dict[str, bytes]:
        """The sitemap, reused while its inputs hold, and the theme's static files."""
        cfg, out = self.cfg, str(self.cfg.output_dir)
        files = theme.static_files(theme.theme_folders(cfg))
        key = sitemap_key(cfg, site, related, plan)
        kept = self.store.blob(f"sitemap:{out}")
        if kept is not None and kept[0] == key:
            files.update(kept[1])
        else:
            made = sitemap_files(sitemap_entries(plan, site, urls), urls)
            self.store.put_blob(f"sitemap:{out}", key, made)
            files.update(made)
        return files

    def _feeds(self, site: Site, urls: Urls, empty_updated) -> dict[str, bytes]:
        """Every feed, each remade only when what it shows changed (its memo, kept in the
        store and, while the Builder lives, in memory)."""
        cfg, name = self.cfg, f"feed-memo:{self.cfg.output_dir}"
        if name not in self._memos:
            kept = self.store.blob(name)
            self._memos[name] = kept[1] if kept else {}
        memo = self._memos[name]
        before = set(memo)
        if cfg.feeds.content == "full":  # entries carry bodies: those of the feeds' articles
            limit = cfg.feeds.limit
            carried = {a.id: a for lists in ([site.articles], site.by_category.values(),
                                             site.by_tag.values())
                       for articles in lists for a in articles[:limit]}
            whole = {a.id: a for a in self._bodies(list(carried.values()))}
            site = Site.from_articles([whole.get(a.id, a) for a in site.articles], cfg, urls,
                                      check=False)
        made = feed_files(site, urls, cfg, cfg.feeds, memo, empty_updated)
        if set(memo) != before:
            self.store.put_blob(name, "", memo)
        return made

    def _search(self, plan: list[Page], rendered: list[Rendered], staging: Staging, urls: Urls,
                extra: dict[str, bytes]) -> dict[str, str]:
        """The Pagefind bundle for the article pages, reused when none of them changed.

        Its key, which the manifest keeps, is made of the pages' paths and bytes, so it is the
        same wherever the site is built."""
        if not self.cfg.search:
            return {}
        hashes = {path: row.hash for path, row in self.written.rows.items()}  # before this one
        hashes.update((r.path, r.hash) for r in rendered)
        paths = sorted(urls.output_path(p.url) for p in plan if p.template == "article.html")
        key = fingerprint(search.index_version(), [(p, hashes.get(p, "")) for p in paths])
        previous = read_manifest(staging.root)
        bundle = None
        if previous.notes.get("search") == key:
            bundle = search.previous_bundle(staging.root, previous.files)
        if bundle is None:
            bundle = search.build_index({p: staging.read(p) for p in paths})
        extra.update(bundle)
        return {"search": key}

    def _remember(self, plan: list[Page], rendered: list[Rendered], job_key: str,
                  urls: Urls) -> None:
        """What output/ now holds, for the next update (and the next process): only the rows
        of pages rendered are written. A page not rendered keeps its row: `pages_touched` left
        it out because its inputs' digest is the last build's (and its file is still there)."""
        target = str(self.cfg.output_dir)
        before = self.written.rows
        made = {r.path: r for r in rendered}
        rows: dict[str, PageRow] = {}
        changed: dict[str, PageRow] = {}
        for page in plan:
            path = urls.output_path(page.url)
            new = made.get(path)
            if new is None:
                rows[path] = before[path]
            else:
                rows[path] = changed[path] = PageRow(inputs_digest(page), new.size, new.hash)
        self.store.drop_pages(target, before.keys() - rows.keys())
        self.store.put_pages(target, changed)
        if job_key != self.written.job_key:
            self.store.put_blob(f"job:{target}", job_key, None)
        if any(self.written.owed):
            self.store.put_blob(f"owed:{target}", "", (set(), set()))
        self.written = _Written(rows, job_key, loaded=True, checked=True)
