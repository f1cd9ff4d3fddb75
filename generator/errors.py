"""Errors are values until the end: readers return them, the build fails once with all of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContentError:
    """One problem in one input file, reported as `path:line: message`."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class BuildFailed(Exception):
    """Raised once, with every error of the run, before anything is written."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.path, e.line or 0, e.message))
        super().__init__("\n".join(str(e) for e in self.errors))


class ConfigError(BuildFailed):
    """The configuration itself is wrong; nothing else is read.

    `usage` marks what the command line got wrong (no config file there, a bad --base-url)
    rather than what the file says: the CLI exits 2 for those, 1 for the rest.
    """

    def __init__(self, errors: list[ContentError], usage: bool = False) -> None:
        super().__init__(errors)
        self.usage = usage
