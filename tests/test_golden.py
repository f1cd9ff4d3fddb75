"""Golden output: each fixture in GOLDEN_SITES, built by the real `digest build`, must equal the
tree committed under tests/golden/NAME/ byte for byte, as Pelican compares its build with
`pelican/tests/output/basic/`.

After an intended change to the output, `make golden` (tests/golden/regenerate.py) rebuilds the
trees; the commit that carries them shows every changed byte for review.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GOLDEN, GOLDEN_SITES, build_golden, run_digest, tree, tree_differences

HINT = "if the change is intended, run `make golden` and commit the new tree"


@pytest.mark.parametrize("name", GOLDEN_SITES)
def test_build_equals_the_golden_tree(name: str, tmp_path: Path) -> None:
    golden = GOLDEN / name
    assert golden.is_dir(), f"no golden tree for {name}: run `make golden`"
    output = build_golden(name, tmp_path)
    differences = tree_differences(tree(output), tree(golden), f"tests/golden/{name}", hint=HINT)
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
    assert report.startswith(f"built differs from tests/golden/basic ({pages} changed, 0 missing, "
                             "0 extra)")
    first = "2023/09/20/harbour-strike/index.html"
    assert f"--- tests/golden/basic/{first}\n+++ built/{first}\n" in report
    assert '\n-<main id="main" class="wrap">\n+<main  id="main" class="wrap">\n' in report
    assert "also changed:\n" in report and "\n  404.html\n" in report


def test_missing_and_extra_files_are_listed() -> None:
    report = tree_differences({"a.html": b"x\n", "new.xml": b"<x/>"},
                              {"a.html": b"x\n", "gone.html": b"y\n"}, "golden")
    assert "missing from built:\n  gone.html" in report
    assert "not in golden:\n  new.xml" in report
    assert tree_differences({"a": b"\x00\xff"}, {"a": b"\x00\xfe"}, "g").endswith(
        "a: binary files differ (2 bytes in g, 2 in built)")
