"""A progress bar for builds that take a while: on a terminal only, never in a pipe or a CI log,
and only once a build has run for a second (a quick one shows nothing but its summary)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

Progress = Callable[[str, int, int], None]  # (stage, done, total)
DELAY = 1.0  # seconds before a bar shows


class TerminalProgress:
    """Called by the stages as their tasks finish; draws with `rich` (a well-kept library,
    rather than escape codes of our own) on the terminal stderr is."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self._bar = None
        self._tasks: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._bar is None:
            if time.monotonic() - self.started < DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("{task.description:>8}"), BarColumn(),
                                 MofNCompleteColumn(), transient=True,
                                 console=Console(file=self.stream))
            self._bar.start()
        if stage not in self._tasks:
            self._tasks[stage] = self._bar.add_task(stage, total=total)
        self._bar.update(self._tasks[stage], completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def for_terminal(quiet: bool) -> TerminalProgress | None:
    """A progress bar when stderr is a terminal and the user did not ask for quiet."""
    if quiet or not sys.stderr.isatty():
        return None
    return TerminalProgress()
