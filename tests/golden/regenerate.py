#!/usr/bin/env python3
"""Rebuild the golden trees under tests/golden/ after an intended change to the output.

    make golden        # or: .venv/bin/python tests/golden/regenerate.py [NAME ...]

Each fixture in GOLDEN_SITES (tests/conftest.py) is built exactly as tests/test_golden.py builds
it, and its tree replaces tests/golden/NAME/ entirely, so files the build no longer writes go
too. Review the result with `git diff --stat tests/golden` and commit it with the change that
caused it: the diff is the review of what the change does to the site.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(TESTS))  # conftest's helpers, the ones the test uses

from conftest import GOLDEN, GOLDEN_SITES, build_golden, tree


def regenerate(name: str) -> str:
    """Replace tests/golden/NAME/ with a fresh build; a one-line summary of what changed."""
    target = GOLDEN / name
    before = tree(target) if target.is_dir() else {}
    with tempfile.TemporaryDirectory(prefix="digest-golden-") as temp:
        output = build_golden(name, Path(temp))
        after = tree(output)
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(output, target)
    added = len(after.keys() - before.keys())
    removed = len(before.keys() - after.keys())
    changed = sum(1 for p in after.keys() & before.keys() if after[p] != before[p])
    return (f"tests/golden/{name}: {len(after)} files, {changed} changed, {added} added, "
            f"{removed} removed")


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in GOLDEN_SITES]
    if unknown:
        print(f"unknown fixture {unknown[0]!r}; golden fixtures: {', '.join(GOLDEN_SITES)}",
              file=sys.stderr)
        return 2
    for name in names or GOLDEN_SITES:
        print(regenerate(name))
    print("review with `git diff --stat tests/golden` and commit the trees with the change")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
