"""Shared helpers: fixture sites copied into a temp folder, and the real `digest` command."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
SEED = REPO / "content" / "tracker" / "000_605b23a3d821c83e.txt"


def digest_command() -> list[str]:
    """The installed console script when there is one, else the same entry point as a module."""
    script = Path(sys.executable).parent / "digest"
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator.cli"]


def run_digest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(digest_command() + list(args), cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def copy_site(name: str, dest: Path) -> Path:
    """A fixture site from tests/sites/ with the project's templates, ready to build."""
    site = dest / name
    shutil.copytree(SITES / name, site)
    shutil.copytree(REPO / "templates", site / "templates")
    return site


@pytest.fixture
def basic_site(tmp_path: Path) -> Path:
    return copy_site("basic", tmp_path)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder by relative path: two builds compare as dicts."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}
