"""Shared helpers: fixture sites copied into a temp folder, and the real `digest` command."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
SEED = REPO / "content" / "tracker" / "000_605b23a3d821c83e.txt"
GOLDEN = Path(__file__).resolve().parent / "golden"
# The fixture sites whose whole output is committed under tests/golden/ (test_golden.py).
GOLDEN_SITES = ("basic", "stories")


def digest_command() -> list[str]:
    """The installed console script when there is one, else the same entry point as a module."""
    script = Path(sys.executable).parent / "digest"
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator.cli"]


def run_digest(*args: str, cwd: Path, env: dict[str, str | None] | None = None,
               under: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    """The command in `cwd`; `env` changes this process's environment for it (None removes);
    `under` is a command to run it under, such as `faketime TIME`."""
    environ = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run([*under, *digest_command(), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=environ, check=False)


def copy_site(name: str, dest: Path) -> Path:
    """A fixture site from tests/sites/ with the project's templates, ready to build."""
    site = dest / name
    shutil.copytree(SITES / name, site)
    shutil.copytree(REPO / "templates", site / "templates")
    return site


def build_golden(name: str, dest: Path) -> Path:
    """Build a fixture site as its golden tree was built; return its output folder.

    Search is off: the Pagefind bundle is binary and large, and the reproducibility test
    (test_reproducible.py) covers it. The setting goes into the copy's config only, so the
    fixture itself, which other tests build with search on, is left as it is.
    """
    site = copy_site(name, dest)
    config = site / "config.yaml"
    text = config.read_text(encoding="utf-8")
    assert "search:" not in text, f"tests/sites/{name}/config.yaml sets search itself"
    config.write_text(text.rstrip("\n") + "\nsearch: false\n", encoding="utf-8")
    result = run_digest("build", "--no-cache", cwd=site)
    if result.returncode != 0:
        raise AssertionError(f"digest build of tests/sites/{name} failed:\n{result.stderr}")
    return site / "output"


@pytest.fixture
def basic_site(tmp_path: Path) -> Path:
    return copy_site("basic", tmp_path)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path: two builds compare as dicts."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


DIFFS_SHOWN = 3  # differing files shown as diffs; the rest are listed by name
DIFF_LINES = 40  # lines of each diff shown


def tree_differences(actual: dict[str, bytes], expected: dict[str, bytes], expected_name: str,
                     actual_name: str = "built", hint: str = "") -> str:
    """What differs between two trees (see `tree`), for a person to read; '' when nothing.

    Missing and extra files are listed in full. The first DIFFS_SHOWN differing files are shown
    as unified diffs (from expected to actual), the others by name only.
    """
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(p for p in expected.keys() & actual.keys() if expected[p] != actual[p])
    if not (missing or extra or changed):
        return ""
    parts = [(f"{actual_name} differs from {expected_name} ({len(changed)} changed, "
              f"{len(missing)} missing, {len(extra)} extra)" + (f"; {hint}" if hint else ""))]
    if missing:
        parts.append(f"missing from {actual_name}:\n" + "\n".join(f"  {p}" for p in missing))
    if extra:
        parts.append(f"not in {expected_name}:\n" + "\n".join(f"  {p}" for p in extra))
    for path in changed[:DIFFS_SHOWN]:
        parts.append(_diff(path, expected[path], actual[path], expected_name, actual_name))
    if len(changed) > DIFFS_SHOWN:
        parts.append("also changed:\n" + "\n".join(f"  {p}" for p in changed[DIFFS_SHOWN:]))
    return "\n\n".join(parts)


def _diff(path: str, before: bytes, after: bytes, expected_name: str, actual_name: str) -> str:
    try:
        old, new = before.decode("utf-8"), after.decode("utf-8")
    except UnicodeDecodeError:
        return (f"{path}: binary files differ ({len(before)} bytes in {expected_name}, "
                f"{len(after)} in {actual_name})")
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                      f"{expected_name}/{path}", f"{actual_name}/{path}", n=2))
    if not lines:  # same text, different bytes: line endings or a final newline
        return (f"{path}: the same lines, different bytes ({len(before)} in {expected_name}, "
                f"{len(after)} in {actual_name})")
    shown = [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
             for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        shown.append(f"… {len(lines) - DIFF_LINES} more diff lines\n")
    return "".join(shown).rstrip("\n")
