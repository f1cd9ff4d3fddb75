"""Golden output: each fixture in GOLDEN_SITES, built by the real `digest build`, must equal the
tree committed under tests/golden/NAME/ byte for byte, as Pelican compares its build with
`pelican/tests/output/basic/`.

After an intended change to the output, `make golden` (tests/golden/regenerate.py) rebuilds the
trees; the commit that carries them shows every changed byte for review.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from conftest import GOLDEN, GOLDEN_SITES, build_golden, run_digest, tree

DIFFS_SHOWN = 3  # differing files shown as diffs; the rest are listed by name
DIFF_LINES = 40  # lines of each diff shown


def tree_differences(actual: dict[str, bytes], expected: dict[str, bytes], golden: str) -> str:
    """What differs between a build and its golden tree, for a person to read; '' when nothing.

    Missing and extra files are listed in full. The first DIFFS_SHOWN differing files are shown
    as unified diffs (from golden to built), the others by name only.
    """
    missing = sorted(expected.keys() - actual.keys())
    extra = sorted(actual.keys() - expected.keys())
    changed = sorted(p for p in expected.keys() & actual.keys() if expected[p] != actual[p])
    if not (missing or extra or changed):
        return ""
    parts = [(f"the build differs from {golden} ({len(changed)} changed, {len(missing)} "
              f"missing, {len(extra)} extra); if the change is intended, run `make golden` "
              "and commit the new tree")]
    if missing:
        parts.append("missing from the build:\n" + "\n".join(f"  {p}" for p in missing))
    if extra:
        parts.append("not in the golden tree:\n" + "\n".join(f"  {p}" for p in extra))
    for path in changed[:DIFFS_SHOWN]:
        parts.append(_diff(path, expected[path], actual[path], golden))
    if len(changed) > DIFFS_SHOWN:
        parts.append("also changed:\n" + "\n".join(f"  {p}" for p in changed[DIFFS_SHOWN:]))
    return "\n\n".join(parts)


def _diff(path: str, before: bytes, after: bytes, golden: str) -> str:
    try:
        old, new = before.decode("utf-8"), after.decode("utf-8")
    except UnicodeDecodeError:
        return f"{path}: binary files differ ({len(before)} bytes golden, {len(after)} built)"
    lines = list(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                      f"{golden}/{path}", f"built/{path}", n=2))
    if not lines:  # same text, different bytes: line endings or a final newline
        return f"{path}: the same lines, different bytes ({len(before)} golden, {len(after)} built)"
    shown = [line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
             for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        shown.append(f"… {len(lines) - DIFF_LINES} more diff lines\n")
    return "".join(shown).rstrip("\n")


@pytest.mark.parametrize("name", GOLDEN_SITES)
def test_build_equals_the_golden_tree(name: str, tmp_path: Path) -> None:
    golden = GOLDEN / name
    assert golden.is_dir(), f"no golden tree for {name}: run `make golden`"
    output = build_golden(name, tmp_path)
    differences = tree_differences(tree(output), tree(golden), f"tests/golden/{name}")
    if differences:
        pytest.fail(differences, pytrace=False)


def test_a_changed_template_byte_is_reported(tmp_path: Path) -> None:
    """The comparison itself: one byte more in the frame template changes every page, and the
    report names them, shows a diff of the first ones and lists the rest."""
    expected = tree(GOLDEN / "basic")
    built = tree(build_golden("basic", tmp_path))
    assert tree_differences(built, expected, "tests/golden/basic") == ""

    site = tmp_path / "basic"
    frame = site / "templates" / "base.html"
    frame.write_bytes(frame.read_bytes().replace(b"<main", b"<main ", 1))
    result = run_digest("build", "--no-cache", cwd=site)
    assert result.returncode == 0, result.stderr
    report = tree_differences(tree(site / "output"), expected, "tests/golden/basic")
    pages = sum(1 for path in expected if path.endswith(".html"))
    assert f"({pages} changed, 0 missing, 0 extra)" in report
    first = "2023/09/20/harbour-strike/index.html"
    assert f"--- tests/golden/basic/{first}\n+++ built/{first}\n" in report
    assert '\n-<main id="main" class="wrap">\n+<main  id="main" class="wrap">\n' in report
    assert "also changed:\n" in report and "\n  404.html\n" in report


def test_missing_and_extra_files_are_listed() -> None:
    report = tree_differences({"a.html": b"x\n", "new.xml": b"<x/>"},
                              {"a.html": b"x\n", "gone.html": b"y\n"}, "golden")
    assert "missing from the build:\n  gone.html" in report
    assert "not in the golden tree:\n  new.xml" in report
    assert tree_differences({"a": b"\x00\xff"}, {"a": b"\x00\xfe"}, "g").endswith(
        "a: binary files differ (2 bytes golden, 2 built)")
