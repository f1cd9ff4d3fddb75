"""The real `digest fetch` against feeds served from 127.0.0.1, then `digest build` on the result.

No test reaches the internet: every feed comes from tests/feedserver.py. The clock is set with
DIGEST_NOW, which the `digest` process inherits.
"""

from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

import pytest
from conftest import REPO, run_digest, tree
from feedserver import ATOM, JSON_FEED, RDF, RSS2, FeedServer, Route

from generator.cli import main
from generator.config import load_config

JUNE_1 = "2024-06-01T12:00:00+00:00"


@pytest.fixture
def server():
    with FeedServer() as running:
        yield running


def make_site(tmp_path: Path, server: FeedServer, sources: list[tuple[str, str]],
              settings: str = "") -> Path:
    """A site whose config lists `sources` (path on the server, category)."""
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    shutil.copytree(REPO / "templates", site / "templates")
    lines = ["title: Fetched", "base_url: https://digest.example/", "timezone: UTC",
             "search: false", "fetch:", "  timeout: 2", "  sources:"]
    for path, category in sources:
        lines += [f"    - url: {server.url(path)}", f"      category: {category}"]
    (site / "config.yaml").write_text("\n".join(lines) + "\n" + settings)
    return site


def fetch(site: Path, monkeypatch: pytest.MonkeyPatch, now: str = JUNE_1, *args: str):
    monkeypatch.setenv("DIGEST_NOW", now)
    result = run_digest("fetch", *args, cwd=site)
    assert result.returncode == 0, result.stderr
    return result


def summary(result) -> str:
    return result.stdout.strip().splitlines()[-1]


def rss(items: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test</title>'
            f"<link>https://test.example/</link>{items}</channel></rss>").encode()


def item(guid: str, title: str, date: str | None, body: str = "Text.") -> str:
    when = f"<pubDate>{date}</pubDate>" if date else ""
    return (f"<item><guid>{guid}</guid><title>{title}</title>"
            f"<link>https://test.example/{guid}</link>{when}<description>{body}</description></item>")


def page(site: Path, url: str) -> str:
    return (site / "output" / url.strip("/") / "index.html").read_text()


def test_fetch_writes_every_format_builds_and_fetching_again_changes_nothing(
        tmp_path, server, monkeypatch):
    server.routes["/atom"] = Route(ATOM.encode(), "application/atom+xml", etag='"atom-1"')
    server.routes["/rss"] = Route(RSS2.encode(), "application/rss+xml",
                                  last_modified="Mon, 27 May 2024 12:00:00 GMT")
    server.routes["/rdf"] = Route(RDF.encode(), "application/rdf+xml", etag='"rdf-1"',
                                  last_modified="Sat, 25 May 2024 11:00:00 GMT")
    server.routes["/json"] = Route(JSON_FEED.encode(), "application/feed+json")  # no validators
    # The same entries under another URL: each id becomes one article, not two.
    server.routes["/copy"] = Route(ATOM.encode(), "application/atom+xml")
    site = make_site(tmp_path, server, [("/atom", "harbour"), ("/rss", "Valley"),
                                        ("/rdf", "moor"), ("/json", "lighthouse"),
                                        ("/copy", "copies")])
    first = fetch(site, monkeypatch)
    assert summary(first).startswith("Feeds: 5 fetched, 0 not modified, 0 failed; entries: "
                                     "7 written, 0 updated, 0 held, 2 skipped; 0 removed in ")
    content = site / "content"
    assert sorted(p.relative_to(content).as_posix() for p in content.rglob("*.md")) == [
        "harbour/2024-05-28-quay-reopens-after-repairs.md",
        "harbour/2024-05-29-ferry-timetable-1-10-edition.md",
        "lighthouse/2024-05-23-the-new-lamp-is-lit.md",
        "lighthouse/2024-05-24-fog-horn-sounds-for-six-hours.md",
        "moor/2024-05-25-sheep-fair-draws-record-crowd.md",
        "valley/2024-05-26-storm-warning-lifted.md",
        "valley/2024-05-27-no.md",
    ]
    no = (content / "valley/2024-05-27-no.md").read_text()
    assert no.startswith('---\ntitle: "no"\ndate: "2024-05-27T07:15:00-05:00"\n')
    assert 'summary: "Will it rain? # no: the forecast says dry."' in no
    assert f'feed: "{server.url("/rss")}"' in no and re.search(r'fetch_hash: "[0-9a-f]{64}"', no)

    build = run_digest("build", cwd=site)
    assert build.returncode == 0, build.stderr
    ferry = page(site, "/2024/05/29/ferry-timetable-1-10-edition/")
    assert ('<h1 class="page-title" data-pagefind-meta="title" data-pagefind-ignore>'
            'Ferry timetable: 1.10 edition') in ferry
    assert 'href="https://harbour.example/blog/2024/ferry-timetable"' in ferry
    assert 'src="https://harbour.example/blog/img/ferry.jpg"' in ferry and "steal()" not in ferry
    assert ">no</h1>" in page(site, "/2024/05/27/no/")
    assert '<pre tabindex="0">day 1: dry\n\nday 2: dry</pre>' in page(site, "/2024/05/27/no/")
    # A relative URL in a JSON Feed is read against the feed's own URL, here the test server.
    fog = page(site, "/2024/05/24/fog-horn-sounds-for-six-hours/")
    assert f'href="{server.url("/log/42-fog")}"' in fog
    assert f'href="{server.url("/log/charts/fog")}"' in fog  # against the item's own URL

    before = tree(content)
    again = fetch(site, monkeypatch)
    assert summary(again).startswith("Feeds: 2 fetched, 3 not modified, 0 failed; entries: "
                                     "0 written, 0 updated, 0 held, 4 skipped; 0 removed")
    assert tree(content) == before
    atom_second = server.requests_for("/atom")[1]
    assert atom_second.headers["If-None-Match"] == '"atom-1"' and atom_second.status == 304
    rss_second = server.requests_for("/rss")[1]
    assert rss_second.headers["If-Modified-Since"] == "Mon, 27 May 2024 12:00:00 GMT"
    assert rss_second.status == 304
    assert [s.status for s in server.requests_for("/json")] == [200, 200]
    assert "If-None-Match" not in server.requests_for("/json")[1].headers
    assert (site / ".digest-cache" / "fetch.json").is_file()


def test_broken_slow_huge_and_missing_feeds_are_warnings_and_the_others_land(
        tmp_path, server, monkeypatch):
    padding = b"<!-- " + b"x" * 10_000 + b" -->"
    server.routes["/good"] = Route(ATOM.encode(), "application/atom+xml")
    server.routes["/broken"] = Route(b"<rss><channel><item>oops", "application/rss+xml")
    server.routes["/html"] = Route(b"<html><body>Moved</body></html>", "text/html")
    # Past the 2 s timeout; the timeout itself is 2 s, not 1, so that a machine that stalls for
    # a second does not time out the feeds that answer at once (seen once in a full suite).
    server.routes["/slow"] = Route(RSS2.encode(), delay=3.5)
    server.routes["/huge"] = Route(RSS2.encode() + padding)
    server.routes["/huge-stream"] = Route(RSS2.encode() + padding, declare_length=False)
    server.routes["/gone"] = Route(b"", status=410)
    with socket.socket() as closed:  # a port nobody listens on: connection refused
        closed.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{closed.getsockname()[1]}/feed"
    paths = ["/good", "/broken", "/html", "/slow", "/huge", "/huge-stream", "/gone", "/missing"]
    site = make_site(tmp_path, server, [(p, "news") for p in paths], "  max_bytes: 5000\n")
    (site / "config.yaml").write_text((site / "config.yaml").read_text().replace(
        "  sources:\n", f"  sources:\n    - url: {refused}\n      category: news\n"))
    started = time.monotonic()
    result = fetch(site, monkeypatch)
    assert time.monotonic() - started < 6  # in parallel: the slow feed does not hold the others
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    expected = {
        refused: "connection refused",
        server.url("/broken"): "not a feed",
        server.url("/html"): "not a feed",
        server.url("/slow"): "timed out after 2 s",
        server.url("/huge"): "larger than 5,000 bytes (fetch.max_bytes)",
        server.url("/huge-stream"): "larger than 5,000 bytes (fetch.max_bytes)",
        server.url("/gone"): "HTTP 410 Gone",
        server.url("/missing"): "HTTP 404 Not Found",
    }
    assert len(warnings) == len(expected)
    for url, reason in expected.items():
        assert any(w.startswith(f"warning: {url}: {reason}") for w in warnings), (url, warnings)
    assert summary(result).startswith("Feeds: 1 fetched, 0 not modified, 8 failed; entries: "
                                      "2 written")
    assert len(list((site / "content" / "news").glob("*.md"))) == 2


def test_a_future_entry_is_held_until_its_date_and_an_undated_one_keeps_its_first_date(
        tmp_path, server, monkeypatch):
    feed = rss(item("soon", "Bridge opens tomorrow", "Sun, 02 Jun 2024 09:00:00 GMT")
               + item("undated", "Tide tables", None))
    server.routes["/feed"] = Route(feed, "application/rss+xml", etag='"v1"')
    site = make_site(tmp_path, server, [("/feed", "coast")])
    first = fetch(site, monkeypatch, JUNE_1)
    assert "1 written, 0 updated, 1 held" in summary(first)
    coast = site / "content" / "coast"
    assert [p.name for p in coast.iterdir()] == ["2024-06-01-tide-tables.md"]
    undated = (coast / "2024-06-01-tide-tables.md").read_bytes()
    assert b'date: "2024-06-01T12:00:00+00:00"' in undated

    later = fetch(site, monkeypatch, "2024-06-02T10:00:00+00:00")
    assert "1 written, 0 updated, 0 held, 1 skipped" in summary(later)
    # Holding an entry drops the feed's validators: a 304 would have hidden it.
    assert "If-None-Match" not in server.requests_for("/feed")[1].headers
    assert sorted(p.name for p in coast.iterdir()) == ["2024-06-01-tide-tables.md",
                                                        "2024-06-02-bridge-opens-tomorrow.md"]
    assert (coast / "2024-06-01-tide-tables.md").read_bytes() == undated


def test_keep_days_removes_only_fetched_files_left_as_they_were(tmp_path, server, monkeypatch):
    feed = rss(item("a", "Very old", "Wed, 01 May 2024 10:00:00 GMT")
               + item("b", "Mid May edited", "Mon, 20 May 2024 10:00:00 GMT")
               + item("c", "Mid May untouched", "Wed, 22 May 2024 10:00:00 GMT")
               + item("d", "End of May", "Fri, 31 May 2024 10:00:00 GMT"))
    server.routes["/feed"] = Route(feed)
    site = make_site(tmp_path, server, [("/feed", "coast")], "  keep_days: 20\n")
    mine = site / "content" / "coast" / "2024-01-05-my-old-note.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: My old note\ndate: 2024-01-05\n---\nKept for ever.\n")
    first = fetch(site, monkeypatch, JUNE_1)
    assert "3 written, 0 updated, 0 held, 1 skipped; 0 removed" in summary(first)
    edited = site / "content" / "coast" / "2024-05-20-mid-may-edited.md"
    edited.write_text(edited.read_text() + "\nMy comment.\n")

    later = fetch(site, monkeypatch, "2024-06-15T12:00:00+00:00")  # keeps from 2024-05-26
    assert "removed content/coast/2024-05-22-mid-may-untouched.md" in later.stdout
    assert "0 written, 0 updated, 0 held, 4 skipped; 1 removed" in summary(later)
    assert sorted(p.name for p in mine.parent.iterdir()) == [
        "2024-01-05-my-old-note.md", "2024-05-20-mid-may-edited.md", "2024-05-31-end-of-may.md"]


def test_opml_sources_are_fetched_and_their_yaml_printed_for_config(tmp_path, server, monkeypatch):
    server.routes["/atom"] = Route(ATOM.encode(), "application/atom+xml")
    server.routes["/json"] = Route(JSON_FEED.encode(), "application/feed+json")
    site = make_site(tmp_path, server, [])
    config = site / "config.yaml"
    config.write_text(config.read_text().replace("fetch:\n  timeout: 2\n  sources:\n", ""))
    (site / "subs.opml").write_text(f"""<?xml version="1.0"?>
<opml version="2.0"><head><title>Subscriptions</title></head><body>
  <outline text="The Coast"><outline text="Harbour Notes" xmlUrl="{server.url('/atom')}"/></outline>
  <outline text="Lighthouse Log" category="/Sea/Lights" xmlUrl="{server.url('/json')}"/>
</body></opml>""")
    result = fetch(site, monkeypatch, JUNE_1, "--opml", "subs.opml")
    assert "4 written" in result.stdout
    assert len(list((site / "content" / "the-coast").glob("*.md"))) == 2
    assert len(list((site / "content" / "lights").glob("*.md"))) == 2
    pasted = result.stdout.split("add them to config.yaml:\n\n", 1)[1]
    assert pasted == (f"fetch:\n  sources:\n  - url: {server.url('/atom')}\n"
                      f"    category: the-coast\n    name: Harbour Notes\n"
                      f"  - url: {server.url('/json')}\n    category: lights\n"
                      f"    name: Lighthouse Log\n")
    config.write_text(config.read_text() + pasted)
    assert [s.category for s in load_config(config).fetch.sources] == ["the-coast", "lights"]


def test_usage_and_config_errors(tmp_path, server, monkeypatch, capsys):
    # In this process, through the same entry point as the `digest` script: exit codes only.
    site = make_site(tmp_path, server, [("/feed", "coast")])
    monkeypatch.chdir(site)
    monkeypatch.setenv("DIGEST_NOW", "tomorrow")
    assert main(["fetch"]) == 2 and "DIGEST_NOW" in capsys.readouterr().err
    monkeypatch.setenv("DIGEST_NOW", JUNE_1)
    assert main(["fetch", "--opml", "missing.opml"]) == 2
    assert "missing.opml: no such file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["fetch", "--no-such-option"])
    assert usage.value.code == 2
    config = site / "config.yaml"
    config.write_text(config.read_text() + "  keep_days: soon\n")
    assert main(["fetch"]) == 1
    assert "config.yaml:10: fetch.keep_days: expected a whole number" in capsys.readouterr().err
    config.write_text("title: No feeds\n")
    assert main(["fetch"]) == 2 and "no feeds to fetch" in capsys.readouterr().err
