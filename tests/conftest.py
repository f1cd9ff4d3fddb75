"""Shared helpers: fixture sites copied into a temp folder, and the real `digest` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def run_digest(*args: str, cwd: Path, env: dict[str, str | None] | None = None
               ) -> subprocess.CompletedProcess[str]:
    """The command in `cwd`; `env` changes this process's environment for it (None removes)."""
    environ = dict(os.environ)
    for name, value in (env or {}).items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run(digest_command() + list(args), cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=environ)


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
