"""Errors are values until the end: readers return them, the build fails once with all of them.

Warnings are the same shape, for what Digest can carry on with (a file skipped, a field dropped):
they are printed once each, counted in the summary, and made errors by `--strict`.
"""

from __future__ import annotations

from dataclasses import dataclass

REPORT_HINT = "this is a bug in Digest; please report it with the file that caused it"


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in one input file, reported as `path:line: message`."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class ContentError(Problem):
    """What the user must fix: the build fails, with every error of the run."""


@dataclass(frozen=True, slots=True)
class ContentWarning(Problem):
    """Something Digest handled on its own but the user should know of."""

    def as_error(self) -> ContentError:
        return ContentError(self.path, self.line, f"{self.message} (an error under --strict)")


def internal_error(path: str, exc: BaseException) -> ContentError:
    """An exception no rule foresaw, as an error naming the file, never as a traceback."""
    return ContentError(path, None, f"internal error: {type(exc).__name__}: {exc} ({REPORT_HINT})")


def unique_sorted(items):
    """Each problem once, in path, line, message order: the same for any file or task order."""
    return sorted(set(items), key=lambda e: (e.path, e.line or 0, e.message))


class BuildFailed(Exception):
    """Raised once, with every error of the run, before anything is written."""

    def __init__(self, errors: list[ContentError],
                 warnings: tuple[ContentWarning, ...] = ()) -> None:
        self.errors = unique_sorted(errors)
        self.warnings = tuple(warnings)
        super().__init__("\n".join(str(e) for e in self.errors))


class ConfigError(BuildFailed):
    """The configuration itself is wrong; nothing else is read.

    `usage` marks what the command line got wrong (no config file there, a bad --base-url)
    rather than what the file says: the CLI exits 2 for those, 1 for the rest.
    """

    def __init__(self, errors: list[ContentError], usage: bool = False) -> None:
        super().__init__(errors)
        self.usage = usage
