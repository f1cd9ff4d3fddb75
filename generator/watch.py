"""`digest watch`: build once, then rebuild whenever content/, templates/ or config.yaml change.

Events from watchdog are filtered (editor litter, hidden folders, opens and reads are not
changes), gathered until the tree has been quiet for a short debounce, and turned into one
rebuild. A change during a rebuild waits for the next one; nothing rebuilds without a change.
A failed build prints its errors and leaves output/ as the last good build left it.
"""

from __future__ import annotations

import errno
import hashlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from .builder import Builder, BuildReport
from .config import Config
from .errors import BuildFailed, ContentError, ContentWarning, internal_error
from .paths import is_litter, shown_path
from .readers import is_article_name
from .text import plural

DEBOUNCE = 0.15  # seconds of quiet before a rebuild: an editor's save or a checkout is one burst
MAX_WAIT = 2.0  # a tree that never goes quiet is still rebuilt this long after its first change
POLL_INTERVAL = 1.0  # seconds between scans when inotify refuses more watches


Changes = tuple[tuple[str, str], ...]  # (shown path, "changed" | "added" | "removed"), sorted

_COUNTED = (FileCreatedEvent, FileDeletedEvent, FileModifiedEvent, FileMovedEvent,
            FileClosedEvent, DirCreatedEvent, DirDeletedEvent, DirMovedEvent)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One build as the watcher saw it: its report, or the errors that stopped it."""

    number: int  # 1 for the first build, counting every build since
    changed: tuple[str, ...]  # shown paths, sorted; empty for the first build
    report: BuildReport | None
    errors: tuple[ContentError, ...] = ()
    seconds: float = 0.0
    css_only: bool = False  # every change was a stylesheet: a browser may swap it in place
    warnings: tuple[ContentWarning, ...] = ()

    @property
    def ok(self) -> bool:
        return self.report is not None


@dataclass
class _Pending:
    """Changes seen since the last rebuild started, by shown path."""

    paths: dict[str, str] = field(default_factory=dict)  # shown path -> what happened
    first: float = 0.0
    last: float = 0.0


class ChangeFilter:
    """Which filesystem events are changes to the site's inputs, and how to name them."""

    def __init__(self, cfg: Config, config_file: Path) -> None:
        self.root = cfg.root
        self.content = cfg.content_dir
        self.templates = cfg.templates_dir
        self.theme = cfg.root / cfg.theme if cfg.theme else None
        self.config_file = config_file.resolve()
        self._stamps: dict[str, bytes] = {}

    def changes(self, event: FileSystemEvent) -> dict[str, str]:
        """The inputs an event changed, as {shown path: "changed" | "added" | "removed"}."""
        if not isinstance(event, _COUNTED):
            return {}  # opened, closed without writing, a folder's own mtime
        found: dict[str, str] = {}
        source = self._relevant(_text(event.src_path), event.is_directory)
        if isinstance(event, (FileMovedEvent, DirMovedEvent)):
            dest = self._relevant(_text(event.dest_path), event.is_directory)
            if source:
                found[source] = "removed"
                self._stamps.pop(source, None)
            if dest:
                found[dest] = "changed"  # an atomic save renames a temp file over the original
                self._stamps.pop(dest, None)
            return found
        if source is None:
            return {}
        if isinstance(event, (FileModifiedEvent, FileClosedEvent)):
            if not self._stamp_changed(source, Path(_text(event.src_path))):
                return {}  # metadata only (atime, chmod) or a write already counted
            return {source: "changed"}
        self._stamps.pop(source, None)
        kind = "added" if isinstance(event, (FileCreatedEvent, DirCreatedEvent)) else "removed"
        return {source: kind}

    def _relevant(self, raw: str, is_directory: bool) -> str | None:
        path = Path(raw)
        if path == self.config_file:
            return self.shown(path)
        folders = [(self.content, _content_name), (self.templates, _template_name)]
        if self.theme is not None:
            folders.append((self.theme, _template_name))
        for folder, rule in folders:
            try:
                parts = path.relative_to(folder).parts
            except ValueError:
                continue
            if not parts or any(p.startswith((".", "_")) for p in parts[:-1]):
                return None
            name = parts[-1]
            if is_directory:
                return None if name.startswith((".", "_")) or is_litter(name) \
                    else self.shown(path)
            return self.shown(path) if rule(name) else None
        return None

    def _stamp_changed(self, shown: str, path: Path) -> bool:
        """Compare the bytes, not the times: a read's atime, a chmod, a `touch` or a second
        event for one write is no change (and times can be too coarse to tell two saves apart)."""
        try:
            stamp = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
        except OSError:
            return True  # gone already, or unreadable: let the build say what it finds
        if self._stamps.get(shown) == stamp:
            return False
        self._stamps[shown] = stamp
        return True

    def shown(self, path: Path) -> str:
        return shown_path(path, self.root)


def _content_name(name: str) -> bool:
    return is_article_name(name)


def _template_name(name: str) -> bool:
    return not is_litter(name)


def _text(path: str | bytes) -> str:
    return path.decode("utf-8", "surrogateescape") if isinstance(path, bytes) else path


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher.notice(event)


def start_observer(handler: FileSystemEventHandler, folders: list[Path], files_in: list[Path],
                   native: Callable[[], BaseObserver] = Observer,
                   warn: Callable[[str], None] | None = None) -> BaseObserver:
    """Watch folders recursively and `files_in` folders flat, with inotify when the system
    allows it, else by polling (with a warning) when it refuses more watches."""
    try:
        return _started(native(), handler, folders, files_in)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EMFILE, errno.ENFILE):
            raise
        (warn or _warn)(f"the system refuses more file watches ({exc.strerror or exc}); "
                        f"polling every {POLL_INTERVAL:g} s instead (raise "
                        "fs.inotify.max_user_watches to watch without polling)")
    return _started(PollingObserver(timeout=POLL_INTERVAL), handler, folders, files_in)


def _started(observer: BaseObserver, handler: FileSystemEventHandler, folders: list[Path],
             files_in: list[Path]) -> BaseObserver:
    try:
        for folder in folders:
            observer.schedule(handler, str(folder), recursive=True)
        for folder in files_in:
            observer.schedule(handler, str(folder), recursive=False)
        observer.start()
    except BaseException:
        _stop(observer)
        raise
    return observer


def _stop(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join(timeout=5)
    except RuntimeError:
        pass  # never started


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr, flush=True)


class Watcher:
    """Builds, then rebuilds on every burst of changes until `stop` is set.

    `load` gives a fresh Config (the CLI's options applied); it is called again when
    config.yaml changes or the last load failed. `on_start` and `on_done` let the preview
    server hold its requests while a build runs and tell browsers when one has finished.
    """

    def __init__(self, cfg: Config, load: Callable[[], Config], config_file: Path, jobs: int,
                 debounce: float = DEBOUNCE,
                 on_start: Callable[[], None] | None = None,
                 on_done: Callable[[Outcome], None] | None = None) -> None:
        self.cfg = cfg
        self.load = load
        self.config_file = config_file.resolve()
        self.jobs = jobs
        self.debounce = debounce
        self.on_start = on_start or (lambda: None)
        self.on_done = on_done or (lambda outcome: None)
        self.filter = ChangeFilter(cfg, self.config_file)
        self.builds = 0
        self._pending = _Pending()
        self._cond = threading.Condition()
        self._config_ok = True
        self._interrupted = False
        self.builder: Builder | None = None  # the site, loaded; made at the first build

    def _builder(self) -> Builder:
        """One Builder for the session; a new one when config.yaml changed what it builds."""
        if self.builder is not None and self.builder.cfg != self.cfg:
            self.builder.close()
            self.builder = None
        if self.builder is None:
            self.builder = Builder(self.cfg, self.jobs)
        return self.builder

    # Called from watchdog's thread.
    def notice(self, event: FileSystemEvent) -> None:
        with self._cond:
            found = self.filter.changes(event)
            if not found:
                return
            now = time.monotonic()
            if not self._pending.paths:
                self._pending.first = now
            self._pending.last = now
            for path, kind in found.items():
                merged = _merge(self._pending.paths.get(path), kind)
                if merged is None:
                    del self._pending.paths[path]  # a temp file that came and went: no change
                else:
                    self._pending.paths[path] = merged
            if self._pending.paths:
                self._cond.notify_all()

    def run(self, stop: threading.Event) -> None:
        """The initial build, then the watch loop; returns when `stop` is set."""
        folders = [f for f in (self.cfg.content_dir, self.cfg.templates_dir) if f.is_dir()]
        if self.filter.theme is not None and self.filter.theme.is_dir():
            folders.append(self.filter.theme)
        for missing in {self.cfg.content_dir} - set(folders):
            _warn(f"{self.filter.shown(missing)}/ does not exist; not watching it")
        observer = start_observer(_Handler(self), folders, [self.config_file.parent])
        try:
            self.build_now(())
            while not stop.is_set():
                changed = self.wait_for_changes(stop)
                if changed:
                    self.build_now(changed)
        finally:
            _stop(observer)
            if self.builder is not None:  # what is committed in the cache stays; nothing else
                self.builder.close()

    def wait_for_changes(self, stop: threading.Event, poll: float = 0.25) -> Changes:
        """Block until there are changes and the tree has been quiet for the debounce."""
        with self._cond:
            while not stop.is_set():
                pending = self._pending
                if not pending.paths:
                    self._cond.wait(poll)
                    continue
                now = time.monotonic()
                due = min(pending.last + self.debounce, pending.first + MAX_WAIT)
                if now < due:
                    self._cond.wait(min(due - now, poll))
                    continue
                self._pending = _Pending()
                return tuple(sorted(pending.paths.items()))
        return ()

    def build_now(self, changed: Changes) -> Outcome:
        """One build: reload the config if it changed, build, print one line, tell the server."""
        self.on_start()
        outcome = None
        self._interrupted = True
        try:
            self.builds += 1
            started = time.perf_counter()
            shown = tuple(path for path, _ in changed)
            errors: tuple[ContentError, ...] = ()
            warnings: tuple[ContentWarning, ...] = ()
            report = None
            try:
                if not self._config_ok or self.filter.shown(self.config_file) in shown:
                    self._config_ok = False
                    self.cfg = self.load()
                    self._config_ok = True
                report = self._builder().update([self.cfg.root / p for p in shown])
            except BuildFailed as exc:
                errors, warnings = tuple(exc.errors), exc.warnings
            except Exception as exc:  # noqa: BLE001 - a bug must not end the session: say so
                errors = (internal_error("digest", exc),)
            css_only = bool(shown) and all(
                p.endswith(".css") and p.startswith(self._static_prefix()) for p in shown)
            outcome = Outcome(self.builds, shown, report, errors,
                              time.perf_counter() - started, css_only,
                              report.warnings if report else warnings)
            print_outcome(outcome, dict(changed), self.cfg)
            self._interrupted = False
        finally:
            self.on_done(outcome or Outcome(self.builds, (), None, (
                ContentError("digest", None, "the build was interrupted"),)))
        return outcome

    def _static_prefix(self) -> str:
        return self.filter.shown(self.cfg.templates_dir / "static") + "/"


def _merge(before: str | None, kind: str) -> str | None:
    """Two events on one path in one burst as one: added then removed is nothing at all."""
    if before is None or before == kind:
        return kind
    if before == "added":
        return None if kind == "removed" else "added"
    return "removed" if kind == "removed" else "changed"


def describe(changed: dict[str, str]) -> str:
    """What a rebuild is for, in a few words: "content/x.md changed", "3 files changed"."""
    if not changed:
        return "first build"
    if len(changed) == 1:
        (path, kind), = changed.items()
        return f"{path} {kind}"
    names = sorted(changed)
    more = f" and {len(names) - 2} more" if len(names) > 2 else ""
    return f"{len(names)} files changed ({', '.join(names[:2])}{more})"


def print_outcome(outcome: Outcome, changed: dict[str, str], cfg: Config) -> None:
    what = describe(changed)
    for warning in outcome.warnings:
        _warn(warning)
    warned = f", {plural(len(outcome.warnings), 'warning')}" if outcome.warnings else ""
    if outcome.report is not None:
        report = outcome.report
        drafts = f", {plural(report.drafts, 'draft')} skipped" if report.drafts else ""
        print(f"{what}: {report.rendered} of {plural(report.pages, 'page')} rendered, "
              f"{plural(report.written, 'file')} written, {report.removed} removed{drafts}"
              f"{warned} in {outcome.seconds:.2f} s", flush=True)
        return
    for error in outcome.errors:
        print(f"error: {error}", file=sys.stderr, flush=True)
    print(f"{what}: build failed with {plural(len(outcome.errors), 'error')}{warned} in "
          f"{outcome.seconds:.2f} s; {_shown_dir(cfg.output_dir, cfg.root)} still holds the "
          "last good build", flush=True)


def _shown_dir(path: Path, root: Path) -> str:
    return shown_path(path, root, folder=True)


def watch_site(cfg: Config, load: Callable[[], Config], config_file: Path, jobs: int,
               stop: threading.Event | None = None) -> int:
    """Build, then rebuild on change until Ctrl-C or SIGTERM (or `stop`); returns the exit code."""
    watcher = Watcher(cfg, load, config_file, jobs)
    try:
        with interrupts():
            print(f"Watching {_watched(cfg, config_file)} (Ctrl-C to stop)", flush=True)
            watcher.run(stop or threading.Event())
    except KeyboardInterrupt:
        pass
    print("Stopped.", flush=True)
    return 0


def _watched(cfg: Config, config_file: Path) -> str:
    shown = ChangeFilter(cfg, config_file).shown
    return f"{shown(cfg.content_dir)}/, {shown(cfg.templates_dir)}/ and {shown(config_file)}"


@contextmanager
def interrupts() -> Iterator[None]:
    """SIGTERM stops the command the way Ctrl-C does (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
