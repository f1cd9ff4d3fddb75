"""One `digest fetch` run: download every feed at once, then write, update and remove files.

Downloads run on a pool of threads (they wait on the network, not the processor); everything
that touches content/ happens after, in the order the sources are listed, so that two runs on
the same answers name their files the same way. The clock is read once, by the caller.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..config import Config
from ..paths import shown_path
from ..store import CACHE_FOLDER
from .download import FetchFailed, Validators, download
from .files import FetchedFile, Names, entry_text, scan_content, write_atomic
from .formats import NotAFeed, parse_feed
from .normalize import FeedEntry, ParsedFeed
from .opml import OpmlError, read_opml, sources_yaml
from .settings import FetchSource
from .state import STATE_FILE, EntryRecord, FetchState

# An entry dated this little ahead is written now: clocks differ by that much. Further ahead, it
# is held until a run after its date, so that the digest never shows tomorrow's news today.
FUTURE_TOLERANCE = timedelta(minutes=10)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2  # as generator/cli.py's


@dataclass(frozen=True, slots=True)
class FeedResult:
    source: FetchSource
    feed: ParsedFeed | None  # None: not modified (problem None) or failed
    validators: Validators
    problem: str | None = None


@dataclass(slots=True)
class FetchReport:
    """What one run did; filled in as it goes, printed at its end."""

    fetched: int = 0
    not_modified: int = 0
    failed: int = 0
    written: int = 0
    updated: int = 0
    held: int = 0
    skipped: int = 0
    removed: list[Path] = field(default_factory=list)
    kept_edited: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"Feeds: {self.fetched} fetched, {self.not_modified} not modified, "
                f"{self.failed} failed; entries: {self.written} written, {self.updated} updated, "
                f"{self.held} held, {self.skipped} skipped; {len(self.removed)} removed "
                f"in {self.seconds:.2f} s")


def run_fetch(cfg: Config, sources: Sequence[FetchSource], now: datetime) -> FetchReport:
    """Fetch every source into cfg.content_dir; `now` is the one clock reading of the run."""
    started = time.perf_counter()
    report = FetchReport()
    state = FetchState.load(cfg.root / CACHE_FOLDER / STATE_FILE)
    if state.warning:
        report.warnings.append(state.warning)
    results = download_all(sources, state.feeds, cfg)
    fetched, names = scan_content(cfg.content_dir, cfg.root, cfg.article_permalink)
    run = _Run(cfg, state, fetched, names, now, report, {s.url for s in sources})
    for result in results:
        run.take(result)
    if cfg.fetch.keep_days is not None:
        for old in expired(fetched.values(), now, cfg.fetch.keep_days):
            old.path.unlink(missing_ok=True)
            report.removed.append(old.path)
    state.save()
    report.seconds = time.perf_counter() - started
    return report


def download_all(sources: Sequence[FetchSource], known: dict[str, Validators],
                 cfg: Config) -> list[FeedResult]:
    """Every source's answer, in the order of `sources`, `cfg.fetch.workers` at a time."""
    settings = cfg.fetch

    def one(source: FetchSource) -> FeedResult:
        validators = known.get(source.url, Validators())
        try:
            got = download(source.url, validators, settings.timeout, settings.max_bytes)
            feed = parse_feed(got.body, got.content_type, got.url) if got.body is not None else None
            return FeedResult(source, feed, got.validators)
        except (FetchFailed, NotAFeed) as exc:
            return FeedResult(source, None, validators, str(exc))
        except Exception as exc:  # noqa: BLE001 - one odd feed must not stop the others
            return FeedResult(source, None, validators, f"cannot be read ({exc!r})")

    if not sources:
        return []
    with ThreadPoolExecutor(max_workers=min(settings.workers, len(sources))) as pool:
        return list(pool.map(one, sources))


def expired(files: Iterable[FetchedFile], now: datetime, keep_days: int) -> list[FetchedFile]:
    """The files retention removes: fetch's own (the hash matches, so nobody edited them),
    dated more than keep_days before now. Sorted by path, for a stable report."""
    cutoff = now - timedelta(days=keep_days)
    return sorted((f for f in files if f.intact and f.date is not None and f.date < cutoff),
                  key=lambda f: f.path)


def entry_date(entry: FeedEntry, record: EntryRecord | None, now: datetime) -> datetime:
    """The entry's own date; for one that has none, when this feed first showed it."""
    return entry.published or (record.first_seen if record else now)


@dataclass(slots=True)
class _Run:
    cfg: Config
    state: FetchState
    fetched: dict[str, FetchedFile]  # the files fetch wrote, by entry id, as the run began
    names: Names
    now: datetime
    report: FetchReport
    source_urls: set[str]

    def take(self, result: FeedResult) -> None:
        url = result.source.url
        if result.problem is not None:
            self.report.failed += 1
            self.report.warnings.append(f"{url}: {result.problem}")
        elif result.feed is None:
            self.report.not_modified += 1
            self.state.feeds[url] = result.validators
        else:
            self.report.fetched += 1
            held_before = self.report.held
            for entry in result.feed.entries:
                self.take_entry(entry, result.source)
            self.forget_gone(url, {e.id for e in result.feed.entries})
            if self.report.held > held_before:
                # A 304 next time would hide the held entries: ask for the whole feed again.
                self.state.feeds.pop(url, None)
            else:
                self.state.feeds[url] = result.validators

    def take_entry(self, entry: FeedEntry, source: FetchSource) -> None:
        record = self.state.entries.get(entry.id)
        existing = self.fetched.get(entry.id)
        owner = (record.feed if record else None) or (existing.feed if existing else None)
        if owner not in (None, source.url) and owner in self.source_urls:
            self.report.skipped += 1  # another feed gave this id first: one article, not two
            return
        published = entry_date(entry, record, self.now)
        first_seen = record.first_seen if record else self.now
        path = record.path if record else None
        keep_days = self.cfg.fetch.keep_days
        if keep_days is not None and published < self.now - timedelta(days=keep_days):
            self.report.skipped += 1  # retention would remove it at once
        elif existing is not None:
            self.update(entry, source, existing, published)
            path = self.shown(existing.path)
        elif path is not None:
            self.report.skipped += 1  # written by an earlier run, deleted since: stays deleted
        elif published > self.now + FUTURE_TOLERANCE:
            self.report.held += 1
        else:
            day = published.astimezone(self.cfg.tz).date()
            target = self.names.choose(source.category, day, entry.title, entry.id)
            write_atomic(target, entry_text(entry, category=source.category,
                                            feed_url=source.url, published=published))
            self.report.written += 1
            path = self.shown(target)
        self.state.entries[entry.id] = EntryRecord(source.url, first_seen, path)

    def update(self, entry: FeedEntry, source: FetchSource, existing: FetchedFile,
               published: datetime) -> None:
        changed = entry.updated or published
        if existing.changed_at is not None and changed <= existing.changed_at:
            self.report.skipped += 1
        elif not existing.intact:
            self.report.skipped += 1
            self.report.kept_edited.append(existing.path)
        else:
            write_atomic(existing.path, entry_text(entry, category=source.category,
                                                   feed_url=source.url, published=published))
            self.report.updated += 1

    def forget_gone(self, url: str, listed: set[str]) -> None:
        """Entries this feed no longer lists and whose file is gone will not come back: drop
        them, so that fetch.json does not grow for ever."""
        for key in [k for k, r in self.state.entries.items() if r.feed == url]:
            if key not in listed and key not in self.fetched:
                del self.state.entries[key]

    def shown(self, path: Path) -> str:
        return path.relative_to(self.cfg.content_dir).as_posix()


def clock(environ: dict[str, str] | None = None) -> datetime:
    """Now, read once per run. DIGEST_NOW (ISO 8601 with an offset) sets it, for tests and
    for replaying a run; a value without an offset is UTC."""
    value = (environ if environ is not None else os.environ).get("DIGEST_NOW", "").strip()
    if not value:
        return datetime.now(UTC).replace(microsecond=0)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def fetch_command(cfg: Config, opml: Path | None) -> int:
    """`digest fetch`: 0 when the run completed (failed feeds are warnings), 2 for usage."""
    try:
        now = clock()
    except ValueError:
        print(f"digest fetch: DIGEST_NOW: expected an ISO 8601 date and time, got "
              f"{os.environ.get('DIGEST_NOW')!r}", file=sys.stderr)
        return EXIT_USAGE
    sources = list(cfg.fetch.sources)
    from_opml: list[FetchSource] = []
    if opml is not None:
        try:
            listed, notes = read_opml(opml, cfg.default_category)
        except OpmlError as exc:
            print(f"digest fetch: {exc}", file=sys.stderr)
            return EXIT_USAGE
        for note in notes:
            print(f"warning: {note}", file=sys.stderr)
        configured = {s.url for s in sources}
        from_opml = [s for s in listed if s.url not in configured]
        sources += from_opml
    if not sources:
        print("digest fetch: no feeds to fetch: list them under fetch.sources in config.yaml, "
              "or give --opml FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        report = run_fetch(cfg, sources, now)
    except OSError as exc:
        print(f"digest fetch: cannot write {exc.filename or ''}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_FAILED
    _print_report(report)
    if from_opml:
        print("\nTo fetch the OPML file's other feeds every time, add them to config.yaml:\n")
        print(sources_yaml(from_opml), end="")
    return EXIT_OK


def _print_report(report: FetchReport) -> None:
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path in report.kept_edited:
        print(f"kept {_shown(path)}: edited since fetch wrote it, so the feed's newer version "
              f"is not written")
    for path in report.removed:
        print(f"removed {_shown(path)}")
    print(report.summary())


def _shown(path: Path) -> str:
    return shown_path(path)
