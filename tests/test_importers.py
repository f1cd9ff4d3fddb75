"""Each export format's parser on the fixtures in tests/imports/, format detection, and the
pieces of the written file: escaped bodies, JSON-quoted front matter, the import hash, names."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import SEED

from generator.config import YAML_LOADER
from generator.importers import detect, document, markup
from generator.importers.entry import Entry, Input, InputError, list_text
from generator.importers.writer import (
    CREATED,
    REFUSED,
    SKIPPED,
    UNCHANGED,
    UPDATED,
    ContentIndex,
    decide,
    file_slug,
    place,
    write_atomic,
)
from generator.markdown import render_markdown
from generator.text import collapse_spaces, html_to_text

IMPORTS = Path(__file__).resolve().parent / "imports"
TOKYO = ZoneInfo("Asia/Tokyo")


def parse(name: str, kind: str | None = None):
    path = IMPORTS / name
    text = path.read_text(encoding="utf-8")
    kind = kind or detect.detect(text)
    entries, problems = detect.PARSERS[kind](Input(path, f"imports/{name}", text), TOKYO)
    by_url: dict[str, Entry] = {}
    for entry in entries:
        by_url.setdefault(entry.url, entry)  # the first of two rows with one URL
    return by_url, [str(p) for p in problems]


def test_pocket_csv():
    entries, problems = parse("pocket.csv")
    cranes = entries["https://tidewater.example/2023/09/27/cranes-full-shifts"]
    assert cranes.title == "Harbour cranes return to full shifts"
    assert cranes.saved == datetime(2023, 9, 27, 5, 0, tzinfo=UTC)
    assert cranes.tags == ("economy", "transport") and cranes.status == "unread"
    assert cranes.extra == {"pocket_cursor": "7190000001"}
    strike = entries["https://meridian.example/2023/09/20/port-strike-ends"]
    assert strike.title == 'Port strike ends, union says "for now"' and strike.status == "archived"
    assert entries["https://northwire.example/2023/09/21/referendum-result"].title == "no"
    assert entries["https://northwire.example/2023/09/21/referendum-result"].tags == ()
    assert entries["https://civic-ledger.example/2023/09/22/budget-line-1-10"].title == "1.10"
    cafe = entries["https://atlas-radio.example/2023/09/23/zurich-cafe"]
    assert cafe.title == "Zürich café reopens — 東京 visitors queue"
    assert cafe.tags == ("travel", "food")
    untitled = "https://northwire.example/2023/09/25/untitled-page"
    assert entries[untitled].title == untitled  # Pocket shows the address when it has no title
    assert problems == [
        "imports/pocket.csv:7: skipped: no URL",
        "imports/pocket.csv:10: skipped: not a web address: 'javascript:alert(1)'",
        "imports/pocket.csv:11: skipped: time_added: cannot read 'yesterday' as a Unix time",
    ]
    # Both rows of the URL saved twice are read; the writer keeps the first (see below).
    assert len(entries) == 6 and len(problems) == 3


def test_pocket_html():
    entries, problems = parse("pocket.html")
    ferry = entries["https://tidewater.example/2023/10/02/ferry-timetable"]
    assert ferry.title == "Winter ferry timetable & fares announced"
    assert ferry.tags == ("transport", "islands") and ferry.status == "unread"
    assert entries["https://meridian.example/2023/10/03/museum-roof"].title == \
        "Museum roof repairs finally begin"
    tunnel = entries["https://northwire.example/2023/09/30/tunnel-opening"]
    assert tunnel.status == "archived" and tunnel.source == "pocket"
    assert problems == ["imports/pocket.html:13: skipped: no URL"]


def test_instapaper_csv():
    entries, problems = parse("instapaper.csv")
    heat = entries["https://atlas-radio.example/2023/10/01/heat-record"]
    assert heat.tags == ("climate", "weather") and heat.status == "unread"
    assert heat.summary == "The month ended 1.4 degrees above the long-run average."
    assert heat.saved == datetime(2023, 10, 1, 9, 0, tzinfo=UTC)
    vote = entries["https://civic-ledger.example/2023/10/02/assembly-vote"]
    assert vote.title == "Assembly vote: *tight* margins & #recount talk"
    assert vote.summary == "Turnout was 61%. Both sides asked for a <recount>."
    assert vote.status == "archived" and vote.tags == () and vote.extra == {"folder": "Archive"}
    wind = entries["https://meridian.example/2023/10/03/wind-auction"]
    assert wind.status == "unread" and wind.extra == {"folder": "Long reads"}
    assert wind.summary is None
    assert problems == ["imports/instapaper.csv:6: skipped: no URL",
                        "imports/instapaper.csv:7: skipped: no Timestamp (no date to give it)"]


def test_omnivore_json_with_its_content_folder():
    entries, problems = parse("omnivore.json")
    sensor = entries["https://atlas-radio.example/2023/09/13/matchbox-sensor"]
    assert sensor.id == "6f0c2a9e-1b7d-4c3e-9a51-2d8e4f7b0c13"
    assert sensor.title == "A weather sensor the size of a matchbox"
    assert sensor.summary == "Students built a sensor that reports every ten minutes."
    assert sensor.authors == ("Lena Park",) and sensor.tags == ("science", "weather")
    assert sensor.status == "archived"
    assert sensor.published == datetime(2023, 9, 13, 5, 0, tzinfo=UTC)
    assert sensor.saved == datetime(2023, 9, 13, 7, 20, 11, tzinfo=UTC)
    assert sensor.extra == {
        "omnivore_slug": "matchbox-weather-sensor-18b2c4d6e8f",
        "omnivore_updated": datetime(2023, 9, 14, 18, 2, 45, tzinfo=UTC),
        "omnivore_words_count": 812, "reading_progress": 100,
        "thumbnail": "https://atlas-radio.example/img/sensor.jpg",
    }
    assert sensor.html is not None and "A sensor in a matchbox" in sensor.html
    festival = entries["https://tidewater.example/2023/10/05/film-festival"]
    assert festival.status == "unread" and festival.extra["reading_progress"] == 40
    assert festival.authors == () and festival.summary is None and festival.html is None
    assert problems == ["imports/omnivore.json:32: skipped: no URL"]


def test_omnivore_broken_json_is_an_input_error(tmp_path):
    path = tmp_path / "metadata_0_to_1.json"
    text = '[\n  {"url": "https://x.example/", "savedAt": "2023-01-01T00:00:00Z"},\n  {"url": \n'
    with pytest.raises(InputError) as caught:
        detect.PARSERS["omnivore"](Input(path, "m.json", text), TOKYO)
    assert str(caught.value).startswith("m.json:4: invalid JSON")


def test_readwise_csv():
    entries, problems = parse("readwise.csv")
    grid = entries["https://northwire.example/2023/09/15/grid-laundry"]
    assert grid.id == "01hb7kq3m2n4p5r6s7t8v9w0x1" and grid.tags == ("energy", "households")
    assert grid.status == "archived" and grid.authors == ("Ana Ruiz",)
    assert grid.published == datetime(2023, 9, 14, tzinfo=TOKYO)
    assert grid.saved == datetime(2023, 9, 15, 6, 10, tzinfo=UTC)
    assert grid.summary == "The operator asks households to run machines at night."
    assert grid.extra == {"readwise_location": "archive", "reading_progress": 100, "seen": True}
    shuttle = entries["https://atlas-radio.example/2023/09/18/shuttle-trial"]
    assert shuttle.status == "unread" and shuttle.tags == ()
    assert shuttle.extra["reading_progress"] == 35 and shuttle.date == shuttle.saved
    talks = entries["https://civic-ledger.example/2023/10/09/coalition-talks"]
    assert talks.title == 'Coalition talks: "no deal" yet' and talks.extra["seen"] is False
    assert problems == ["imports/readwise.csv:5: skipped: no URL"]


def test_netscape_bookmarks():
    entries, problems = parse("bookmarks.html")
    karabakh = entries["https://meridian.example/2023/09/19/karabakh-operation"]
    assert karabakh.title == "Azerbaijan launches operation in Karabakh"
    assert karabakh.summary == "Fighting began on Tuesday morning; Armenia called it an attack."
    assert karabakh.tags == ("world", "conflict") and karabakh.status is None
    assert karabakh.extra == {"folder": "News",
                              "bookmarks_last_modified": datetime.fromtimestamp(1695200000, UTC)}
    rovers = entries["https://tidewater.example/2023/10/07/rovers-title"]
    assert rovers.title == "Rovers clinch the title <again>" and rovers.summary is None
    assert rovers.status == "unread" and rovers.extra["folder"] == "News/Local"
    housing = entries["https://civic-ledger.example/2023/09/18/housing-debate"]
    assert housing.status == "read" and housing.summary == "Three parties, one question."
    assert "folder" not in housing.extra
    assert problems == [
        "imports/bookmarks.html:18: skipped: not a web address: 'place:sort=8&maxResults=10'",
        "imports/bookmarks.html:19: skipped: no ADD_DATE (no date to give it)",
    ]


def test_tracker_export():
    entries, problems = parse("tracker/harbour-backlog.txt")
    [entry] = entries.values()
    assert problems == []
    assert entry.title == "Harlow Terminals expects the backlog to clear by mid-October"
    assert entry.id == "2c9d7e41-5a3b-4f68-9e0c-7b1a2d3e4f50" and entry.category == "meridian"
    assert len(entry.paragraphs) == 3  # the repeated paragraph is dropped
    assert entry.similar == ("Port strike ends after nine-day standoff",
                             "Dockworkers walk out at Harlow Bay")
    assert entry.read_count == 2 and entry.status == "read"
    assert entry.published == datetime(2023, 9, 26, 7, 30, tzinfo=TOKYO)
    assert entry.updated == datetime(2023, 9, 27, 8, 0, tzinfo=TOKYO)
    assert entry.last_read == datetime(2023, 9, 27, 12, 48, tzinfo=TOKYO)
    assert entry.extra == {"reading_list": "weekend", "export_word_count": 52}


def test_tracker_export_errors_are_warnings_with_lines(tmp_path):
    text = "A body line.\nDetails\nID: x\nURL: https://x.example/\nDate: Sept 31, 2023\n"
    entries, problems = detect.PARSERS["tracker"](Input(tmp_path / "x.txt", "x.txt", text), TOKYO)
    assert entries == []
    assert [str(p) for p in problems] == [
        'x.txt:5: skipped: Date: cannot read "Sept 31, 2023" as a date']


@pytest.mark.parametrize("name, kind", [
    ("pocket.csv", "pocket-csv"), ("pocket.html", "pocket-html"),
    ("instapaper.csv", "instapaper"), ("omnivore.json", "omnivore"),
    ("readwise.csv", "readwise"), ("bookmarks.html", "bookmarks"),
    ("tracker/harbour-backlog.txt", "tracker"),
])
def test_formats_are_told_by_content_not_name(name, kind):
    assert detect.detect((IMPORTS / name).read_text(encoding="utf-8")) == kind


def test_seed_and_unknown_content():
    assert detect.detect(SEED.read_text(encoding="utf-8")) == "tracker"
    assert detect.detect("Just a note.\nNothing to see.\n") is None
    assert detect.detect("name,age\nAda,36\n") is None
    assert detect.detect("<html><body><a href='x'>x</a></body></html>") is None
    assert detect.detect('[{"name": "x"}]') is None


def test_list_text_reads_every_way_tags_are_written():
    assert list_text('["a","b"]') == ("a", "b")
    assert list_text("['energy', 'policy']") == ("energy", "policy")
    assert list_text("[]") == () and list_text("") == ()
    assert list_text("x, y, x") == ("x", "y")


NASTY = [
    "*stars* and _underscores_ and __double__ and `code`",
    "# not a heading", "## nor this", "> not a quote", "- not a list", "+ nor this",
    "1. not a numbered list", "2023) nor this", "--- not a rule", "***", "___",
    "<b>not bold</b> <script>alert(1)</script> <!--more-->", "AT&T &amp; &copy; &#169;",
    "[not a link](https://x.example/) ![nor an image](x.png) [^1] [ref]: https://x.example/",
    "~~not struck~~ ~one~", "a | table | row", ": not a definition", "{: .attr} {#id}",
    "back\\slash\\", "ends with two spaces", "=== under", "http://x.example/a_b_c*d",
    "    four spaces of indentation", "Zürich — 東京 \u00a0 non-breaking",
    "www.x.example/a_b and WWW.Y.EXAMPLE/*c*", "mail a_b@x.example now",
    "(see http://x.example/a_(b)_c) and HTTPS://X.EXAMPLE/a_b.", "ftp://x.example/*a*",
    "http://x.example/<b>tag</b> after", "12345678901. a long number",
]


@pytest.mark.parametrize("engine", ["python-markdown", "commonmark"])
def test_plain_text_shows_the_same_text_under_both_engines(engine):
    for paragraph in NASTY:
        written = markup.paragraphs_markdown((paragraph,))
        shown = html_to_text(render_markdown(written, engine).html)
        assert shown == collapse_spaces(paragraph), (paragraph, written)
    # All of them as one body: paragraphs stay paragraphs.
    html = render_markdown(markup.paragraphs_markdown(tuple(NASTY)), engine).html
    assert html.count("<p>") == len(NASTY)


@pytest.mark.parametrize("engine", ["python-markdown", "commonmark"])
def test_html_bodies_are_sanitized_and_survive_both_engines(engine):
    source = (IMPORTS / "content" / "matchbox-weather-sensor-18b2c4d6e8f.html").read_text()
    written = markup.html_markdown(source)
    assert "\n\n" not in written and "<script" not in written and "onclick" not in written
    html = render_markdown(written, engine).html
    assert "<h2>A sensor in a matchbox</h2>" in html
    assert "It costs *less* than a # lunch &amp; reports every ten minutes." in html
    assert '<pre tabindex="0">reading  12.4 C\n\nreading  12.9 C</pre>' in html
    assert "alert" not in html


TRICKY_TEXT = ["no", "yes", "on", "off", "1.10", "0x1F", "~", "null", "#hash", "- dash",
               "key: value", "2023-09-27", "'quoted'", '"double"', "back\\slash", "tab\there",
               "Zürich 東京 😀", "[1, 2]", "{a: b}", "& * ! | > %", "line\u2028separator",
               "c1\x85\x9f control", "nul\x00 bell\x07", "bom\ufeff"]


def test_front_matter_keeps_every_scalar_as_text():
    entry = Entry(where="x:1", source="pocket", url="https://x.example/a?b=1&c=#d",
                  title="no", saved=datetime(2023, 9, 27, 5, tzinfo=UTC), tags=tuple(TRICKY_TEXT),
                  summary="1.10", extra={"pocket_cursor": "on", "reading_progress": 35.5,
                                         "seen": False})
    text = document.render(entry, "pocket", TOKYO)
    data = yaml.load(text.split("---\n")[1], Loader=YAML_LOADER)
    assert data["title"] == "no" and data["summary"] == "1.10" and data["pocket_cursor"] == "on"
    assert data["tags"] == TRICKY_TEXT
    assert data["date"] == "2023-09-27T14:00:00+09:00" and data["saved"] == data["date"]
    assert data["reading_progress"] == 35.5 and data["seen"] is False
    assert data["source_url"] == "https://x.example/a?b=1&c=#d"


def test_import_hash_detects_edits():
    entry = Entry(where="x:1", source="pocket", url="https://x.example/", title="A title",
                  saved=datetime(2023, 9, 27, tzinfo=UTC), paragraphs=("Body.",))
    text = document.render(entry, "pocket", TOKYO)
    stored, without = document.stored_hash(text)
    assert stored == document.digest(without) and "import_hash" not in without
    edited = text.replace("Body.", "Body, edited.")
    stored, without = document.stored_hash(edited)
    assert stored != document.digest(without)
    assert document.stored_hash("---\ntitle: x\n---\n") == (None, "---\ntitle: x\n---\n")


def test_file_slugs_are_cut_at_a_word():
    title = "Tensions escalate between Armenia and Russia over Nagorno-Karabakh conflict"
    assert file_slug(title) == "tensions-escalate-between-armenia-and-russia"
    assert len(file_slug("word " * 40)) <= 60
    assert file_slug("x" * 80) == "x" * 60
    assert file_slug("!!!") == "article"


def _entry(url: str, title: str = "Same title", **fields) -> Entry:
    return Entry(where=f"in.csv:{len(url)}", source="pocket", url=url, title=title,
                 saved=datetime(2023, 9, 27, tzinfo=UTC), **fields)


def test_placing_entries(tmp_path):
    content = tmp_path / "content"
    (content / "pocket").mkdir(parents=True)
    (content / "pocket" / "same-title.md").write_text(
        "---\ntitle: Mine\ndate: 2023-01-01\nsource_url: https://mine.example/\n---\nMine.\n")
    (content / "notes").mkdir()
    (content / "notes" / "a.txt").write_text(SEED.read_text())
    index = ContentIndex.build(content, tmp_path)

    def put(entry, **flags):
        flags = {"force": False, "dry_run": False} | flags
        return place(entry, index, "pocket", TOKYO, **flags)

    first = put(_entry("https://a.example/"))
    second = put(_entry("https://b.example/"))
    assert first.action == second.action == CREATED
    assert [first.path.name, second.path.name] == ["same-title-2.md", "same-title-3.md"]
    again = put(_entry("https://a.example/", title="Other"))
    assert again.action == SKIPPED and again.reason == f"skipped: same id or URL as {first.where}"
    mine = put(_entry("https://mine.example/"))
    assert mine.action == REFUSED and "not written by digest import" in mine.reason
    seed = put(_entry("https://x.example/", id="d803467a-7fa5-4594-a24f-554d4d5aff36"))
    assert seed.action == REFUSED and "not Markdown" in seed.reason
    assert first.text is not None and first.text.startswith('---\ntitle: "Same title"\n')
    dry = put(_entry("https://c.example/"), dry_run=True)
    assert dry.action == CREATED and dry.text is None  # the caller writes `text`: none here


def test_decide_update_unchanged_refuse(tmp_path):
    path = tmp_path / "a.md"
    old = document.render(_entry("https://a.example/"), "pocket", TOKYO)
    new = document.render(_entry("https://a.example/", title="New"), "pocket", TOKYO)
    path.write_text(old)
    assert decide(path, old, force=False)[0] == UNCHANGED
    assert decide(path, new, force=False)[0] == UPDATED
    path.write_text(old.replace("Same title", "My own title"))
    assert decide(path, new, force=False) == (
        REFUSED, "was edited since it was imported (--force overwrites it)")
    assert decide(path, new, force=True)[0] == UPDATED
    # The export has not changed since the import: the edits stay, nothing to report.
    assert decide(path, old, force=False)[0] == UNCHANGED


def test_write_atomic_keeps_mode_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "folder" / "a.md"
    write_atomic(path, "one\n")
    os.chmod(path, 0o640)
    write_atomic(path, "two\n")
    assert path.read_text() == "two\n" and (path.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.md"]


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "a.md"
    path.write_text("old\n")

    def interrupted(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(OSError):
        write_atomic(path, "new\n")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_never_writes_through_a_link_out_of_content(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    content = tmp_path / "content"
    content.mkdir()
    (content / "pocket").symlink_to(outside, target_is_directory=True)
    index = ContentIndex.build(content, tmp_path)
    outcome = place(_entry("https://a.example/"), index, "pocket", TOKYO, force=False,
                    dry_run=False)
    assert outcome.action == REFUSED and outcome.reason == "is outside the content folder"
    assert list(outside.iterdir()) == []


def test_fixtures_are_copied_not_shared(tmp_path):
    # The CLI tests import from a copy; the parsers must not need the tests folder's layout.
    shutil.copytree(IMPORTS, tmp_path / "in")
    text = (tmp_path / "in" / "omnivore.json").read_text()
    entries, _ = detect.PARSERS["omnivore"](Input(tmp_path / "in" / "omnivore.json", "o", text),
                                            TOKYO)
    assert entries[0].html is not None
