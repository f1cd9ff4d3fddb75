"""The real `digest` command: version, usage errors, `new`, and exit codes."""

from __future__ import annotations

import re

from conftest import run_digest

from generator import __version__


def test_version(tmp_path):
    result = run_digest("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"digest {__version__}"


def test_usage_errors_exit_2(tmp_path):
    (tmp_path / "config.yaml").write_text("title: x\n")
    assert run_digest(cwd=tmp_path).returncode == 2
    assert run_digest("frobnicate", cwd=tmp_path).returncode == 2
    assert run_digest("build", "--no-such-flag", cwd=tmp_path).returncode == 2
    result = run_digest("build", "--base-url", "not a url", cwd=tmp_path)
    assert result.returncode == 2
    assert "error: --base-url: must be an absolute http(s) URL" in result.stderr
    result = run_digest("build", "--config", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert "error: nope.yaml: no such config file" in result.stderr


def test_bad_config_lists_every_error_with_lines(tmp_path):
    (tmp_path / "config.yaml").write_text("title: x\nper_page: 0\ncolour: red\n")
    result = run_digest("build", cwd=tmp_path)
    assert result.returncode == 1
    assert "error: config.yaml:2: per_page: must be at least 1" in result.stderr
    assert "error: config.yaml:3: unknown key 'colour'" in result.stderr


def test_new_writes_an_article_that_builds(basic_site):
    result = run_digest("new", "Ferry service resumes: at last!", "--category", "World",
                        "--tags", "transport, islands", cwd=basic_site)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "content/world/ferry-service-resumes-at-last.md"
    text = (basic_site / result.stdout.strip()).read_text()
    assert text.startswith('---\ntitle: "Ferry service resumes: at last!"\ndate: ')
    assert re.search(r"^date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", text, re.MULTILINE)
    assert 'tags: ["transport", "islands"]' in text and "draft: true" in text

    assert result.stderr == ("It is a draft: `digest serve --drafts` previews it; remove "
                             "`draft: true` to publish it.\n")
    again = run_digest("new", "Ferry service resumes: at last!", "--category", "World",
                       cwd=basic_site)
    assert again.returncode == 2 and "already exists" in again.stderr
    skipped = run_digest("build", cwd=basic_site)
    assert skipped.stdout.startswith("Built 4 articles (2 drafts skipped; --drafts shows them) "
                                     "into output/:"), skipped.stdout

    build = run_digest("build", "--drafts", cwd=basic_site)
    assert build.returncode == 0, build.stderr
    pages = list((basic_site / "output").rglob("ferry-service-resumes-at-last/index.html"))
    assert len(pages) == 1
    assert "Ferry service resumes: at last!" in pages[0].read_text()


def test_new_dates_the_article_at_source_date_epoch_when_set(basic_site):
    result = run_digest("new", "Ferry timetable", cwd=basic_site,
                        env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert result.returncode == 0, result.stderr
    text = (basic_site / "content/ferry-timetable.md").read_text()
    assert "\ndate: 2023-11-14T22:13:20+00:00\n" in text  # in the site's zone, Europe/London


def test_a_malformed_source_date_epoch_stops_every_command(basic_site):
    for command in (["build"], ["new", "Ferry timetable"]):
        result = run_digest(*command, cwd=basic_site, env={"SOURCE_DATE_EPOCH": "yesterday"})
        assert result.returncode == 2
        assert result.stderr.startswith("error: SOURCE_DATE_EPOCH: expected a whole number of "
                                        "seconds since 1970-01-01 UTC")
    assert not (basic_site / "output").exists()
    assert not (basic_site / "content/ferry-timetable.md").exists()


def test_related_explains_one_article(basic_site):
    result = run_digest("related", "content/world/2023-09-20-harbour-strike.md", cwd=basic_site)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Harbour strike ends <quickly>"
    assert lines[1] == "  content/world/2023-09-20-harbour-strike.md, /2023/09/20/harbour-strike/"
    assert lines[3].startswith("  1. Rail tunnel opens [world, 2023-09-22]")
    assert lines[4].startswith("     listed, score 1.000: explicit match")
    assert lines[5] == "  2. A title nobody wrote [not on this site]"
    by_slug = run_digest("related", "harbour-strike", cwd=basic_site)
    assert by_slug.stdout == result.stdout
    missing = run_digest("related", "no-such-article", cwd=basic_site)
    assert missing.returncode == 2 and "no article matches 'no-such-article'" in missing.stderr


def test_an_edit_renders_with_the_templates_compiled_by_the_build_before(basic_site):
    """The build cache keeps the theme compiled: the next process to render (an edit's
    rebuild here) loads it, and its pages are the bytes a build that compiles them makes."""
    from conftest import tree

    assert run_digest("build", "--jobs", "1", cwd=basic_site).returncode == 0
    kept = sorted((basic_site / ".digest-cache").glob("template-*.jinja"))
    assert kept and all(path.stat().st_size > 0 for path in kept)
    stamps = {path: path.stat().st_mtime_ns for path in kept}
    article = next((basic_site / "content").rglob("*.md"))
    article.write_text(article.read_text() + "\nOne more line.\n")
    assert run_digest("build", "--jobs", "1", cwd=basic_site).returncode == 0
    assert {path: path.stat().st_mtime_ns for path in kept} == stamps  # loaded, not written
    assert run_digest("build", "--no-cache", "--output", "fresh", cwd=basic_site).returncode == 0
    assert tree(basic_site / "output") == tree(basic_site / "fresh")


def test_the_command_flushes_what_it_printed_into_a_pipe_before_it_exits(basic_site):
    """`digest` leaves without the interpreter's teardown (cli.run): what it printed into a
    pipe, buffered, must still come out, and its exit code with it."""
    built = run_digest("build", cwd=basic_site, env={"PYTHONUNBUFFERED": None})
    assert built.returncode == 0 and built.stdout.startswith("Built 4 articles"), built
    bad = run_digest("build", "--jobs", "0", cwd=basic_site, env={"PYTHONUNBUFFERED": None})
    assert bad.returncode == 2 and "--jobs" in bad.stderr
    (basic_site / "content" / "broken.md").write_text("---\ntitle: [unclosed\n---\nText.\n")
    failed = run_digest("build", cwd=basic_site, env={"PYTHONUNBUFFERED": None})
    assert failed.returncode == 1 and "content/broken.md" in failed.stderr, failed
