"""The progress bar: drawn on a terminal once a build has run for a second; never in a pipe."""

from __future__ import annotations

import io

from conftest import run_digest

from generator import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_shows_only_after_the_delay(monkeypatch):
    stream = Terminal()
    bar = progress.TerminalProgress(stream)
    bar("read", 1, 10)
    assert bar._bar is None  # a quick build shows nothing
    monkeypatch.setattr(progress, "DELAY", 0.0)
    bar("read", 5, 10)
    bar("render", 3, 7)
    assert bar._bar is not None
    assert set(bar._tasks) == {"read", "render"}
    bar.close()


def test_no_bar_in_a_pipe_and_quiet_and_verbose(basic_site, monkeypatch):
    assert progress.for_terminal(quiet=False) is None or progress.sys.stderr.isatty()
    assert progress.for_terminal(quiet=True) is None
    piped = run_digest("build", cwd=basic_site)
    assert "\x1b[" not in piped.stderr + piped.stdout  # no escape codes in a log
    quiet = run_digest("build", "--quiet", cwd=basic_site)
    assert quiet.returncode == 0 and quiet.stdout == ""
    verbose = run_digest("build", "--verbose", "--no-cache", cwd=basic_site)
    assert verbose.stdout.startswith("discover ") and " write " in verbose.stdout
    assert run_digest("build", "--quiet", "--verbose", cwd=basic_site).returncode == 2
