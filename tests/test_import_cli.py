"""The real `digest import` command: import, build, import again, edits, dry runs, the seed
export's round trip, exit codes, and the time a 10,000-row Pocket export takes."""

from __future__ import annotations

import html
import os
import pty
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import REPO, SEED, digest_command, run_digest, tree

from generator.text import html_to_text

IMPORTS = Path(__file__).resolve().parent / "imports"
SUMMARY = re.compile(r"^(Imported|Dry run, nothing written): (\d+) files?, (\d+) created, "
                     r"(\d+) updated, (\d+) unchanged, (\d+) skipped, (\d+) refused in [\d.]+ s$")


def make_site(folder: Path) -> Path:
    """The project's config (Asia/Tokyo, categories) without search, its templates, no content."""
    folder.mkdir(parents=True)
    config = (REPO / "config.yaml").read_text() + "search: false\n"
    (folder / "config.yaml").write_text(config)
    shutil.copytree(REPO / "templates", folder / "templates")
    shutil.copytree(IMPORTS, folder / "imports")
    return folder


def counts(stdout: str) -> tuple[str, ...]:
    match = SUMMARY.match(stdout.strip())
    assert match, stdout
    return match.groups()[1:]


def page(site: Path, slug: str) -> str:
    [found] = (site / "output").rglob(f"{slug}/index.html")
    return found.read_text(encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


def test_import_then_build(site):
    result = run_digest("import", "imports", cwd=site)
    assert result.returncode == 0, result.stderr
    assert counts(result.stdout) == ("7", "21", "0", "0", "11", "0")
    warnings = result.stderr.splitlines()
    assert "warning: imports/pocket.csv:7: skipped: no URL" in warnings
    assert "warning: imports/pocket.csv:8: skipped: same id or URL as imports/pocket.csv:2" \
        in warnings
    assert "warning: imports/bookmarks.html:19: skipped: no ADD_DATE (no date to give it)" \
        in warnings
    assert all(line.startswith("warning: ") for line in warnings)
    assert len(warnings) == 11  # Omnivore's content/ folder is read with its JSON, not warned of
    assert "\x1b" not in result.stderr  # no progress bar in a pipe

    build = run_digest("build", cwd=site)
    assert build.returncode == 0, build.stderr
    strike = html.unescape(page(site, "port-strike-ends-union-says-for-now"))
    assert '<h1 class="page-title" data-pagefind-meta="title" data-pagefind-ignore>Port strike ' \
           'ends, union says "for now"</h1>' in strike
    assert 'href="https://meridian.example/2023/09/20/port-strike-ends"' in strike
    assert 'href="/tag/economy/"' in strike
    for slug, title in (("no", "no"), ("1-10", "1.10"),
                        ("rovers-clinch-the-title-again", "Rovers clinch the title <again>")):
        assert f'data-pagefind-meta="title" data-pagefind-ignore>{title}</h1>' in \
            html.unescape(page(site, slug))
    sensor = page(site, "a-weather-sensor-the-size-of-a-matchbox")
    assert "<h2>A sensor in a matchbox</h2>" in sensor and "alert(" not in sensor
    assert 'href="/tag/weather/"' in sensor
    vote = html.unescape(page(site, "assembly-vote-tight-margins-recount-talk"))
    assert "Assembly vote: *tight* margins & #recount talk</h1>" in vote
    assert "Both sides asked for a <recount>." in vote
    assert (site / "output" / "tag" / "sport" / "index.html").exists()


def test_import_twice_changes_nothing(site):
    assert run_digest("import", "imports", cwd=site).returncode == 0
    first = tree(site / "content")
    again = run_digest("import", "imports", cwd=site)
    assert again.returncode == 0, again.stderr
    assert counts(again.stdout) == ("7", "0", "0", "21", "11", "0")
    assert tree(site / "content") == first


def test_an_edited_file_is_refused_unless_forced(site):
    assert run_digest("import", "imports/pocket.csv", cwd=site).returncode == 0
    article = site / "content" / "pocket" / "no.md"
    edited = article.read_text().replace('title: "no"', 'title: "No, says the north"')
    article.write_text(edited)

    # The export did not change: the edit stays, and there is nothing to refuse.
    same = run_digest("import", "imports/pocket.csv", cwd=site)
    assert counts(same.stdout) == ("1", "0", "0", "6", "4", "0")
    assert article.read_text() == edited

    csv = site / "imports" / "pocket.csv"
    csv.write_text(csv.read_text().replace("referendum-result,1695272400,7190000003,,",
                                           "referendum-result,1695272400,7190000003,vote,"))
    refused = run_digest("import", "imports/pocket.csv", cwd=site)
    assert refused.returncode == 0
    assert counts(refused.stdout) == ("1", "0", "0", "5", "4", "1")
    assert "refused: content/pocket/no.md (imports/pocket.csv:4): was edited since it was " \
           "imported (--force overwrites it)" in refused.stderr.splitlines()
    assert article.read_text() == edited

    forced = run_digest("import", "imports/pocket.csv", "--force", cwd=site)
    assert counts(forced.stdout) == ("1", "0", "1", "5", "4", "0")
    text = article.read_text()
    assert 'title: "no"' in text and 'tags: ["vote"]' in text
    assert counts(run_digest("import", "imports/pocket.csv", cwd=site).stdout)[3] == "6"


def test_dry_run_writes_nothing_and_reports_the_same(site):
    dry = run_digest("import", "imports", "--dry-run", cwd=site)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("Dry run, nothing written: ")
    assert not (site / "content").exists()
    real = run_digest("import", "imports", cwd=site)
    assert counts(dry.stdout) == counts(real.stdout)
    assert dry.stderr == real.stderr

    article = site / "content" / "readwise" / "coalition-talks-no-deal-yet.md"
    article.write_text(article.read_text() + "\nMy note.\n")
    csv = site / "imports" / "readwise.csv"
    csv.write_text(csv.read_text().replace("Parties meet again on Monday.", "Talks resume."))
    before = tree(site / "content")
    dry = run_digest("import", "imports/readwise.csv", "--dry-run", "--force", cwd=site)
    assert counts(dry.stdout) == ("1", "0", "1", "2", "1", "0")
    assert tree(site / "content") == before


def _shown(page_html: str) -> dict[str, object]:
    """What an article page shows of the fields the tracker exports."""
    def one(pattern: str) -> str:
        match = re.search(pattern, page_html, re.DOTALL)
        assert match, pattern
        return html.unescape(match[1]).strip()

    similar = re.search(r'<section class="similar".*?</section>', page_html, re.DOTALL)
    return {
        "title": one(r'<h1 class="page-title"[^>]*>(.*?)</h1>'),
        "summary": one(r'<p class="standfirst">(.*?)</p>'),
        "length": one(r"<dt>Length</dt><dd>(.*?)</dd>"),
        "minutes": one(r'<span class="fact">(\d+ min read)</span>'),
        "read": one(r'<span class="fact">(read [^<]*)</span>'),
        "last read": one(r"<dt>Last read</dt><dd><time [^>]*>(.*?)</time></dd>"),
        "published": one(r'<p class="facts"[^>]*>\s*<span class="fact"><a [^>]*>'
                         r'<time [^>]*>(.*?)</time>'),
        "source": one(r'<a class="source-link" href="([^"]*)"'),
        "similar": re.findall(r"<li[^>]*>(.*?)</li>", similar[0] if similar else ""),
        "body": html_to_text(one(r'<div class="body">(.*?)</div>\s*(?:<footer|<section|<nav)')),
    }


def test_the_seed_export_round_trips(tmp_path):
    as_text = make_site(tmp_path / "as-text")
    (as_text / "content" / "tracker").mkdir(parents=True)
    shutil.copy(SEED, as_text / "content" / "tracker" / SEED.name)
    imported = make_site(tmp_path / "imported")
    shutil.copy(SEED, imported / "imports" / SEED.name)
    result = run_digest("import", f"imports/{SEED.name}", cwd=imported)
    assert counts(result.stdout) == ("1", "1", "0", "0", "0", "0"), result.stderr
    [written] = (imported / "content" / "nhk").glob("*.md")
    assert written.name == "tensions-escalate-between-armenia-and-russia.md"

    for site in (as_text, imported):
        build = run_digest("build", cwd=site)
        assert build.returncode == 0, build.stderr
    [text_page] = (as_text / "output").rglob("tensions-escalate-*/index.html")
    [md_page] = (imported / "output").rglob("tensions-escalate-*/index.html")
    shown = _shown(md_page.read_text())
    assert shown == _shown(text_page.read_text())
    assert shown["length"] == "239 words" and shown["minutes"] == "2 min read"
    assert shown["read"] == "read once"
    assert str(shown["last read"]).startswith("27 Sep 2023, ")
    assert len(shown["similar"]) >= 5 and (
        '<span class="offsite-title">Azerbaijan-Armenia clashes leave scores dead</span> '
        '<span class="source-name">not in this digest</span>') in shown["similar"]
    assert str(shown["summary"]).endswith("which Russia deemed…")


def test_a_folder_of_tracker_exports_and_the_category_option(site):
    folder = site / "imports" / "tracker"
    shutil.copy(SEED, folder / SEED.name)
    (folder / ".hidden.txt").write_text("not read")
    (folder / "notes.md").write_text("Some notes, not an export.\n")
    result = run_digest("import", "imports/tracker", "--category", "Reading List", cwd=site)
    assert result.returncode == 0, result.stderr
    assert counts(result.stdout) == ("2", "2", "0", "0", "0", "0")
    assert result.stderr == "warning: imports/tracker/notes.md: skipped: no known export format\n"
    written = sorted(p.name for p in (site / "content" / "reading-list").iterdir())
    assert written == ["harlow-terminals-expects-the-backlog-to-clear-by-mid-october.md",
                       "tensions-escalate-between-armenia-and-russia.md"]
    assert 'category: "Reading List"' in (site / "content" / "reading-list" / written[0]).read_text()


def test_exit_codes(site):
    (site / "notes.txt").write_text("Nothing here is an export.\n")
    unknown = run_digest("import", "notes.txt", "imports/pocket.csv", cwd=site)
    assert unknown.returncode == 1
    assert "error: notes.txt: no known export format" in unknown.stderr
    assert counts(unknown.stdout)[1] == "6"  # the readable input was still imported
    missing = run_digest("import", "nowhere.csv", cwd=site)
    assert missing.returncode == 1
    assert "error: nowhere.csv: cannot read: no such file or folder" in missing.stderr
    (site / "latin1.csv").write_bytes("title,url,time_added\nCaf\xe9,https://x.example/,1\n"
                                      .encode("latin-1"))
    assert run_digest("import", "latin1.csv", cwd=site).returncode == 1
    assert run_digest("import", cwd=site).returncode == 2
    assert run_digest("import", "imports", "--category", "!!", cwd=site).returncode == 2
    assert run_digest("import", "imports", "--frobnicate", cwd=site).returncode == 2


def test_progress_bar_only_on_a_terminal(site):
    main, secondary = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100")
    process = subprocess.run(digest_command() + ["import", "imports", "--dry-run"], cwd=site,
                             stdout=subprocess.PIPE, stderr=secondary, text=True, env=env,
                             timeout=60, check=False)
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert process.returncode == 0
    assert b"Importing" in shown and b"\x1b[" in shown


def test_ten_thousand_pocket_rows_in_seconds(site):
    rows = ["title,url,time_added,cursor,tags,status"]
    for n in range(10_000):
        rows.append(f'"Story {n}: harbour, rail & grid news",https://news.example/{n},'
                    f"{1695000000 + n * 60},{n},economy|transport,unread")
    (site / "big.csv").write_text("\n".join(rows) + "\n")
    started = time.perf_counter()
    result = run_digest("import", "big.csv", cwd=site)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert counts(result.stdout) == ("1", "10000", "0", "0", "0", "0")
    assert seconds < 60, seconds  # about 5 s on 2 busy cores; quadratic work would take hours
    started = time.perf_counter()
    again = run_digest("import", "big.csv", cwd=site)
    assert counts(again.stdout)[3] == "10000"
    assert time.perf_counter() - started < 60
