"""`digest import`: read the exports, place each article under content/, report what happened."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from ..config import Config
from ..paths import is_litter, shown_path
from . import detect, omnivore
from .entry import Entry, Input, InputError
from .writer import (
    CREATED,
    FAILED,
    REFUSED,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    ContentIndex,
    Outcome,
    place,
    write_atomic,
)

EXIT_OK, EXIT_UNREADABLE = 0, 1
# Writes overlap in threads: each is a few system calls that wait on the file system, and a
# thread waiting there lets the next file be placed. The decisions stay in one thread.
WRITERS = 4


@dataclass(slots=True)
class Report:
    """Everything a run has to say, in the order it happened."""

    files: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_import(paths: list[Path], cfg: Config, *, category: str | None = None,
               dry_run: bool = False, force: bool = False, out: TextIO = sys.stdout,
               err: TextIO = sys.stderr) -> int:
    """Import every export named (a folder: every export in it); print the report."""
    started = time.perf_counter()
    report = Report()
    entries: list[tuple[Entry, str]] = []  # with the category each goes to
    for source, named in _inputs(paths, report):
        kind = detect.detect(source.text)
        if kind is None:
            if named:
                report.errors.append(f"{source.shown}: no known export format (tracker .txt, "
                                     "Pocket, Instapaper, Omnivore, Readwise or bookmarks)")
            elif not _omnivore_sidecar(source.path):
                report.warnings.append(f"{source.shown}: skipped: no known export format")
            continue
        report.files += 1
        try:
            found, problems = detect.PARSERS[kind](source, cfg.tz)
        except InputError as exc:
            report.errors.append(str(exc.error))
            continue
        report.warnings.extend(str(problem) for problem in problems)
        report.counts[SKIPPED] += len(problems)
        default = detect.category_name(kind)
        entries.extend((entry, category or entry.category or default) for entry in found)

    index = ContentIndex.build(cfg.content_dir, cfg.root)
    with _progress(len(entries), err) as advance, ThreadPoolExecutor(WRITERS) as pool:
        writes: list[tuple[Outcome, Future[None]]] = []
        for entry, label in entries:
            outcome = place(entry, index, label, cfg.tz, force=force, dry_run=dry_run)
            if outcome.text is None or outcome.path is None:
                _count(outcome, report)
                advance()
                continue
            write = pool.submit(write_atomic, outcome.path, outcome.text)
            write.add_done_callback(lambda _: advance())
            writes.append((outcome, write))
        for outcome, write in writes:
            problem = write.exception()
            if problem is not None and not isinstance(problem, OSError):
                raise problem
            if problem is not None:
                why = problem.strerror or problem
                outcome = replace(outcome, action=FAILED, reason=f"cannot write: {why}")
            _count(outcome, report)
    _print(report, time.perf_counter() - started, dry_run, out, err)
    return EXIT_UNREADABLE if report.errors else EXIT_OK


def _inputs(paths: list[Path], report: Report) -> Iterator[tuple[Input, bool]]:
    """Each file named, and each file under each folder named (hidden ones and editor litter
    left out), read as text; `True` with the files named themselves."""
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
            named = False
        elif path.is_file():
            files, named = [path], True
        else:
            report.errors.append(f"{_shown(path)}: cannot read: no such file or folder")
            continue
        for file in files:
            try:
                text = file.read_bytes().decode("utf-8-sig")
            except OSError as exc:
                report.errors.append(f"{_shown(file)}: cannot read: {exc.strerror or exc}")
                continue
            except UnicodeDecodeError:
                report.errors.append(f"{_shown(file)}: not UTF-8 text (save it as UTF-8)")
                continue
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            yield Input(file, _shown(file), text), named


def _hidden(path: Path, top: Path) -> bool:
    """Hidden files and folders, and editor or OS litter: never exports."""
    parts = path.relative_to(top).parts
    return any(part.startswith((".", "#")) for part in parts) or is_litter(path.name)


def _omnivore_sidecar(path: Path) -> bool:
    """A file of Omnivore's content/ or highlights/ folder, read with the JSON beside them."""
    folder = path.parent
    return folder.name in omnivore.SIDECAR_FOLDERS and any(
        p.suffix == ".json" for p in folder.parent.iterdir() if p.is_file())


def _count(outcome: Outcome, report: Report) -> None:
    report.counts[outcome.action] += 1
    if outcome.action == SKIPPED:
        report.warnings.append(f"{outcome.where}: {outcome.reason}")
    elif outcome.action == REFUSED:
        report.refusals.append(f"{_shown(outcome.path)} ({outcome.where}): {outcome.reason}")
    elif outcome.action == FAILED:
        report.errors.append(f"{_shown(outcome.path)} ({outcome.where}): {outcome.reason}")


def _print(report: Report, seconds: float, dry_run: bool, out: TextIO, err: TextIO) -> None:
    for line in report.warnings:
        print(f"warning: {line}", file=err)
    for line in report.refusals:
        print(f"refused: {line}", file=err)
    for line in report.errors:
        print(f"error: {line}", file=err)
    counts = ", ".join(f"{report.counts[action]} {action}"
                       for action in (CREATED, UPDATED, UNCHANGED, SKIPPED, REFUSED))
    files = f"{report.files} file{'s' if report.files != 1 else ''}"
    lead = "Dry run, nothing written" if dry_run else "Imported"
    print(f"{lead}: {files}, {counts} in {seconds:.2f} s", file=out)


@contextmanager
def _progress(total: int, err: TextIO) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal; nothing in a pipe or a CI log."""
    if not (err.isatty() and total):
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(file=err)
    columns = ("Importing", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("import", total=total)
        yield lambda: bar.advance(task)


def _shown(path: Path | None) -> str:
    """A path as messages show it: relative to the current folder when it is inside it."""
    return "" if path is None else shown_path(path)
