"""One broken or odd site per kind of bad input (tests/sites/invalid/), built by the real
command: the exact message and line of each error or warning, the exit code, and output/ left
as it was after a failed build or built after one that only warns."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import REPO, SITES, run_digest

from generator.output import MANIFEST

INVALID = SITES / "invalid"
ALIAS = ("a list or mapping anchored here (&name) is used again through an alias (*name); "
         "aliases of lists and mappings are not supported")

ERRORS = {
    "broken-yaml": ["content/bad.md:5: front matter: invalid YAML: "],  # the parser's wording
    "unclosed-front-matter": ["content/bad.md:1: front matter opened here is never closed with ---"],
    "front-matter-not-a-mapping": ["content/bad.md:2: front matter must be `key: value` lines"],
    "no-date": ["content/bad.md:1: date: missing (add `date: 2023-09-27` or name the file "
                "2023-09-27-name.md)"],
    "impossible-date": ['content/bad.md:3: date: cannot read "2024-09-31" as a date'],
    "impossible-date-pelican": ['content/bad.md:2: date: cannot read "2023-02-29 10:00" as a date'],
    "impossible-date-export": ['content/bad.txt:6: Date: cannot read "Sept 31, 2023" as a date'],
    "impossible-file-name-date": ["content/2024-02-30-leap.md:1: the file name's date: cannot read "
                                  '"2024-02-30" as a date'],
    "yaml-alias-bomb": [f"content/bad.md:4: front matter: invalid YAML: {ALIAS}"],
    "wrong-type": ["content/bad.md:2: title: expected text, got a list",
                   "content/bad.md:4: tags: expected a list of text, found a mapping in it"],
    "duplicate-id": ["content/two.md: id 'same-id' is also the id of content/one.md"],
    "duplicate-url": ["content/two.md: URL /2024/05/02/same/ is also the URL of content/one.md "
                      "(give one a `slug`)"],
    "url-of-a-generated-page": ["content/bad.md: /tag/ is the URL of a page Digest makes "
                                "(terms.html); change the slug or the permalink pattern"],
}

WARNINGS = {
    "binary-file": ["content/photo.md:1: skipped: not a text file (it holds NUL bytes)"],
    "nul-bytes": ["content/bad.md:5: skipped: not a text file (it holds NUL bytes)"],
    "too-large": ["content/big.md: skipped: 2,037 bytes, over max_file_size (1,024 bytes)"],
    "empty-file": ["content/blank.md: skipped: empty file", "content/empty.md: skipped: empty file"],
    "not-an-export": ["content/README.txt: skipped: a .txt file that is not a reading-tracker "
                      "export (no Details section)"],
    "not-utf8": ["content/latin.md:2: not UTF-8: read as Windows-1252 (save the file as UTF-8)"],
    "control-characters": ["content/bad.md:2: title: 2 control character(s) removed",
                           "content/bad.md:5: 2 control character(s) removed"],
    "unsafe-url": ["content/bad.md:4: source_url: dropped 'javascript:alert(document.cookie)': "
                   "the scheme javascript: is not allowed (only http and https)",
                   "content/data.txt:6: URL: dropped 'data:text/html,<script>alert(1)</script>': "
                   "the scheme data: is not allowed (only http and https)"],
    "misspelt-key": ["content/front.md:4: unknown key 'catgory': did you mean 'category'? "
                     "(kept as an extra field)",
                     "content/front.md:5: unknown key 'sumary': did you mean 'summary'? "
                     "(kept as an extra field)",
                     "content/pelican.md:3: unknown key 'Tgas': did you mean 'tags'? "
                     "(kept as an extra field)"],
    "export-partial": ["content/partial.txt:4: Similar Readings announced 1 item; this line is "
                       "one more, and was left out",
                       'content/partial.txt:10: Updated: cannot read "yesterday-ish" as a date; '
                       "left out",
                       "content/partial.txt:11: Details: expected `Key: value`, got 'not a key "
                       "value line'; left out"],
}


def test_every_kind_has_a_fixture_and_every_fixture_a_kind():
    assert sorted(p.name for p in INVALID.iterdir()) == sorted(ERRORS | WARNINGS)


def _site(name: str, tmp_path: Path) -> Path:
    site = tmp_path / name
    shutil.copytree(INVALID / name, site)
    shutil.copytree(REPO / "templates", site / "templates")
    return site


def _lines(stderr: str, prefix: str) -> list[str]:
    return [line[len(prefix):] for line in stderr.splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_name_file_and_line_and_leave_output_alone(name, tmp_path):
    site = _site(name, tmp_path)
    (site / "output").mkdir()
    (site / "output" / "index.html").write_text("the last good build")
    (site / "output" / MANIFEST).write_text('{"version": 1, "notes": {}, "files": ["index.html"]}')
    result = run_digest("build", cwd=site)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    errors = _lines(result.stderr, "error: ")
    assert len(errors) == len(ERRORS[name]), result.stderr
    for error, wanted in zip(errors, ERRORS[name]):
        assert error == wanted or (wanted.endswith(": ") and error.startswith(wanted)), error
    assert result.stderr.splitlines()[-1].startswith(f"Build failed: {len(errors)} error")
    assert sorted(p.name for p in (site / "output").iterdir()) == [MANIFEST, "index.html"]
    assert (site / "output" / "index.html").read_text() == "the last good build"


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_warnings_are_counted_and_strict_makes_them_errors(name, tmp_path):
    site = _site(name, tmp_path)
    result = run_digest("build", cwd=site)
    assert result.returncode == 0, result.stderr
    assert _lines(result.stderr, "warning: ") == WARNINGS[name]
    count = len(WARNINGS[name])
    assert f", {count} warning{'s' if count > 1 else ''} in " in result.stdout
    assert (site / "output" / "2024/05/01/good/index.html").is_file()

    before = {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}
    (site / "content" / "good.md").write_text("---\ntitle: Changed\ndate: 2024-05-01\n---\nNew.\n")
    strict = run_digest("build", "--strict", cwd=site)
    assert strict.returncode == 1
    assert _lines(strict.stderr, "warning: ") == []  # each is reported once, as an error
    assert _lines(strict.stderr, "error: ") == [w + " (an error under --strict)"
                                                for w in WARNINGS[name]]
    assert before == {p: p.read_bytes() for p in (site / "output").rglob("*") if p.is_file()}


def test_unsafe_url_never_reaches_a_page(tmp_path):
    site = _site("unsafe-url", tmp_path)
    assert run_digest("build", cwd=site).returncode == 0
    pages = "".join(p.read_text() for p in (site / "output").rglob("*.html"))
    feeds = "".join(p.read_text() for p in (site / "output").rglob("*.xml"))
    assert "javascript:" not in pages + feeds and "data:text" not in pages + feeds


def test_control_characters_never_reach_output(tmp_path):
    site = _site("control-characters", tmp_path)
    assert run_digest("build", cwd=site).returncode == 0
    for path in (site / "output").rglob("*"):
        if path.suffix in {".html", ".xml", ".json", ".txt"}:
            text = path.read_text()
            assert not any(ord(c) < 32 and c not in "\t\n\r" for c in text), path


def test_a_foreign_output_folder_is_refused_before_anything_is_written(tmp_path):
    site = _site("misspelt-key", tmp_path)
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"jpeg")
    result = run_digest("build", "--output", str(foreign), cwd=site)
    assert result.returncode == 1
    assert f"error: --output: output folder {foreign} already holds files that Digest did not " \
           "write" in result.stderr
    assert [p.name for p in foreign.iterdir()] == ["holiday.jpg"]
    forced = run_digest("build", "--output", str(foreign), "--force", cwd=site)
    assert forced.returncode == 0 and (foreign / "holiday.jpg").read_bytes() == b"jpeg"
    assert (foreign / MANIFEST).is_file()
    assert run_digest("build", "--output", str(foreign), cwd=site).returncode == 0  # ours now


@pytest.mark.parametrize("where", [".", "content", "templates", "content/inner"])
def test_an_output_folder_that_holds_or_is_held_by_sources_is_refused(where, tmp_path):
    site = _site("misspelt-key", tmp_path)
    result = run_digest("build", "--output", where, "--force", cwd=site)
    assert result.returncode == 1 and "error: --output: output folder " in result.stderr
    assert not (site / where / MANIFEST).exists()
