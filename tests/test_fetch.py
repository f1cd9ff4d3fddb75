"""generator/fetching: normalization, ids, dates, JSON Feed, OPML, files and retention rules."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from feedserver import ATOM, JSON_FEED, RDF, RSS2, FeedServer, Route

from generator.config import load_config
from generator.errors import ConfigError
from generator.fetching.download import FetchFailed, Validators, download
from generator.fetching.files import (
    FetchedFile,
    Names,
    entry_text,
    file_slug,
    markdown_safe_html,
    read_fetched,
    scan_content,
)
from generator.fetching.formats import NotAFeed, parse_feed, parse_json_feed
from generator.fetching.normalize import FeedEntry, make_entry, parse_feed_date, stable_id
from generator.fetching.opml import OpmlError, read_opml, sources_yaml
from generator.fetching.run import clock, entry_date, expired, run_fetch
from generator.fetching.settings import FetchSource
from generator.fetching.state import EntryRecord, FetchState
from generator.readers import Source, parse_source
from generator.text import strip_controls

FEED = "https://feeds.example/harbour.xml"
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def entry(**changes: object) -> FeedEntry:
    base = FeedEntry(id="e-1", title="Ferry returns", link="https://harbour.example/ferry",
                     published=datetime(2024, 5, 29, 10, 0, tzinfo=timezone(timedelta(hours=2))),
                     updated=None, authors=("Ana Ruiz",), tags=("transport",),
                     summary="The ferry is back.", content_html="<p>The ferry is back.</p>")
    return replace(base, **changes)


def made(**fields: object) -> FeedEntry | None:
    args: dict[str, object] = {
        "feed_url": FEED, "base": "https://harbour.example/blog/", "id": None, "link": None,
        "title": None, "title_is_html": False, "published": None, "updated": None,
        "authors": (), "tags": (), "summary_html": None, "content_html": None}
    return make_entry(**(args | fields))


# --- normalization -----------------------------------------------------------------------------

def test_links_inside_content_and_the_entry_link_are_made_absolute():
    e = made(id="x", title="T", link="posts/1",
             content_html='<p><a href="../about">a</a> <img src="i.png"> '
                          '<a href="https://other.example/">o</a></p>')
    assert e.link == "https://harbour.example/blog/posts/1"
    assert 'href="https://harbour.example/about"' in e.content_html
    assert 'src="https://harbour.example/blog/i.png"' in e.content_html
    assert 'href="https://other.example/"' in e.content_html


def test_content_is_sanitized_with_digests_rules():
    e = made(id="x", title="T", content_html='<p onclick="x()">Hi<script>steal()</script>'
                                             '<iframe src="https://x.example"></iframe>'
                                             '<a href="javascript:alert(1)">j</a></p>')
    assert "script" not in e.content_html and "onclick" not in e.content_html
    assert "iframe" not in e.content_html and "javascript" not in e.content_html
    assert e.content_html.startswith("<p>Hi")


def test_a_link_that_is_not_http_is_dropped():
    assert made(id="x", title="T", link="javascript:alert(1)").link is None
    assert made(id="x", title="T", link="mailto:a@b.example").link is None


def test_titles_are_plain_text_and_summaries_are_cut():
    e = made(id="x", title="Quay <em>reopens</em>", title_is_html=True,
             content_html="<p>" + "word " * 200 + "</p>")
    assert e.title == "Quay reopens"
    assert e.summary.endswith("…") and len(e.summary.split()) == 55
    plain = made(id="x", title="1 < 2 & so on")
    assert plain.title == "1 < 2 & so on"


def test_an_entry_without_a_title_gets_one_from_its_text_and_an_empty_entry_none():
    e = made(id="x", content_html="<p>The lamp is lit. It reaches far.</p>")
    assert e.title == "The lamp is lit"
    assert made(id="x") is None


def test_an_entry_without_an_id_gets_a_stable_one():
    with_link = made(title="T", link="https://harbour.example/a")
    assert with_link.id == "https://harbour.example/a"
    first = made(title="Tide tables")
    again = made(title="Tide tables", content_html="<p>changed text</p>")
    other = made(title="Tide tables", feed_url="https://elsewhere.example/feed")
    assert first.id == again.id and first.id.startswith(FEED + "#")
    assert other.id != first.id
    assert stable_id(FEED, None, "", "body only") != stable_id(FEED, None, "", "other body")


def test_dates_keep_the_publishers_offset():
    assert parse_feed_date("Mon, 27 May 2024 07:15:00 -0500").isoformat() == \
        "2024-05-27T07:15:00-05:00"
    assert parse_feed_date("2024-05-29T10:00:00+02:00").utcoffset() == timedelta(hours=2)
    assert parse_feed_date("2024-05-29T10:00:00Z").tzinfo is not None
    assert parse_feed_date("2024-05-29").tzinfo is UTC
    assert parse_feed_date("next Tuesday") is None and parse_feed_date(None) is None


def test_updated_is_kept_only_when_later_than_published():
    early = datetime(2024, 5, 1, tzinfo=UTC)
    later = early + timedelta(hours=3)
    assert made(id="x", title="T", published=early, updated=later).updated == later
    assert made(id="x", title="T", published=early, updated=early).updated is None
    only_updated = made(id="x", title="T", updated=later)
    assert only_updated.published == later and only_updated.updated is None


# --- formats -------------------------------------------------------------------------------------

def test_atom_rss_and_rdf_are_read():
    atom = parse_feed(ATOM.encode(), "application/atom+xml", FEED)
    assert [e.title for e in atom.entries] == ["Ferry timetable: 1.10 edition",
                                               "Quay reopens after repairs"]
    ferry = atom.entries[0]
    assert ferry.link == "https://harbour.example/blog/2024/ferry-timetable"
    assert ferry.tags == ("Transport", "islands") and ferry.authors == ("Ana Ruiz",)
    assert ferry.published.isoformat() == "2024-05-29T10:00:00+02:00"
    rss = parse_feed(RSS2.encode(), "application/rss+xml", FEED)
    assert [e.id for e in rss.entries] == ["valley-2024-0527-no",
                                           "https://valley.example/2024/05/storm"]
    assert rss.entries[0].authors == ("Lee Park",) and "<pre>" in rss.entries[0].content_html
    rdf = parse_feed(RDF.encode(), "application/rdf+xml", FEED)
    assert rdf.entries[0].title == "Sheep fair draws record crowd"
    assert rdf.entries[0].published.isoformat() == "2024-05-25T12:00:00+01:00"


def test_json_feed_1_1_is_mapped_field_by_field():
    feed = parse_feed(JSON_FEED.encode(), "application/feed+json",
                      "https://lighthouse.example/feed.json")
    fog, lamp = feed.entries
    assert feed.title == "Lighthouse Log"
    assert fog.id == "lh-42" and fog.link == "https://lighthouse.example/log/42-fog"
    assert 'href="https://lighthouse.example/log/charts/fog"' in fog.content_html
    assert fog.summary == "A long night of fog." and fog.tags == ("fog", "coast")
    assert fog.authors == ("Kit Marlow",)  # the feed's authors, the item having none
    assert lamp.id == "43" and lamp.authors == ("Jo Beam",)
    assert lamp.content_html == "<p>The new lamp is lit.</p><p>It reaches twenty miles.</p>"
    assert lamp.published == datetime(2024, 5, 23, 20, 0, tzinfo=UTC)


def test_json_feed_1_0_author_and_sniffing_without_a_media_type():
    body = json.dumps({"version": "https://jsonfeed.org/version/1", "title": "Old",
                       "author": {"name": "Pat"},
                       "items": [{"id": "1", "title": "One", "external_url": "https://x.example/1",
                                  "date_modified": "2024-01-02T00:00:00Z"}, "junk"]}).encode()
    feed = parse_feed(b"\n " + body, "text/plain", "https://old.example/feed")
    assert [(e.title, e.authors, e.link) for e in feed.entries] == [
        ("One", ("Pat",), "https://x.example/1")]


@pytest.mark.parametrize("body, content_type", [
    (b"<html><body><p>Not a feed <b>at all</p>", "text/html"),
    (b"this is not XML {", "application/xml"),
    (b"<rss><channel><item>cut off here", "application/rss+xml"),
    (b'{"version": "1", "items": []}', "application/json"),
    (b'{"broken json', "application/feed+json"),
])
def test_what_is_not_a_feed_is_said_so(body, content_type):
    with pytest.raises(NotAFeed, match="not a feed"):
        parse_feed(body, content_type, FEED)


def test_an_empty_but_valid_feed_has_no_entries():
    empty = b'<?xml version="1.0"?><rss version="2.0"><channel><title>E</title></channel></rss>'
    assert parse_feed(empty, "application/rss+xml", FEED).entries == ()
    assert parse_json_feed(b'{"version": "https://jsonfeed.org/version/1.1", "items": []}',
                           FEED).entries == ()


# --- OPML ----------------------------------------------------------------------------------------

OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="World News" title="World News">
    <outline type="rss" text="Harbour Notes" xmlUrl="https://harbour.example/feed.xml"/>
    <outline type="rss" text="Valley" xmlUrl="https://valley.example/rss" category="/Weather/Local Skies,/x"/>
  </outline>
  <outline type="rss" text="Lighthouse Log" xmlurl="https://lighthouse.example/feed.json"/>
  <outline type="rss" text="Dup" xmlUrl="https://harbour.example/feed.xml"/>
  <outline type="rss" text="Gopher" xmlUrl="gopher://old.example/"/>
</body></opml>
"""


def test_opml_categories_come_from_attribute_then_folder_then_title(tmp_path):
    path = tmp_path / "subs.opml"
    path.write_text(OPML)
    sources, notes = read_opml(path, "general")
    assert sources == [
        FetchSource("https://harbour.example/feed.xml", "world-news", "Harbour Notes"),
        FetchSource("https://valley.example/rss", "local-skies", "Valley"),
        FetchSource("https://lighthouse.example/feed.json", "lighthouse-log", "Lighthouse Log"),
    ]
    assert len(notes) == 1 and "gopher://old.example/" in notes[0]


def test_the_opml_yaml_is_a_valid_fetch_section(tmp_path):
    path = tmp_path / "subs.opml"
    path.write_text(OPML)
    sources, _ = read_opml(path, "general")
    (tmp_path / "config.yaml").write_text("title: x\n" + sources_yaml(sources))
    assert load_config(tmp_path / "config.yaml").fetch.sources == tuple(sources)


@pytest.mark.parametrize("text", ["not xml <", "<opml><head/></opml>",
                                  "<opml><body><outline text='folder'/></body></opml>"])
def test_a_file_that_is_no_opml_or_lists_no_feed_is_an_error(tmp_path, text):
    path = tmp_path / "subs.opml"
    path.write_text(text)
    with pytest.raises(OpmlError):
        read_opml(path, "general")
    with pytest.raises(OpmlError, match="no such file"):
        read_opml(tmp_path / "missing.opml", "general")


# --- config --------------------------------------------------------------------------------------

def test_fetch_config_defaults_and_errors_with_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "config.yaml"
    config.write_text("title: x\nfetch:\n  sources:\n    - url: https://a.example/f\n"
                      "      category: World News\n")
    fetch = load_config(config).fetch
    assert fetch.sources == (FetchSource("https://a.example/f", "world-news"),)
    assert (fetch.keep_days, fetch.timeout, fetch.max_bytes, fetch.workers) == (
        None, 20.0, 20_000_000, 8)
    config.write_text("fetch:\n  sources:\n    - url: https://a.example/f\n"
                      "    - url: file:///etc/passwd\n      category: x\n  keep_days: 0\n"
                      "  colour: red\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert [str(e) for e in caught.value.errors] == [
        "config.yaml:3: fetch.sources[1]: category is missing",
        "config.yaml:4: fetch.sources[2].url: expected an http(s) URL, got 'file:///etc/passwd'",
        "config.yaml:6: fetch.keep_days: must be at least 1, got 0",
        ("config.yaml:7: fetch: unknown key 'colour' (known keys: keep_days, max_bytes, sources, "
        "timeout, workers)"),
    ]


# --- files ---------------------------------------------------------------------------------------

def read_back(path: Path, tmp_path: Path):
    cfg = load_config(_site_config(tmp_path))
    source = Source(path, path.name, "harbour", path.stem)
    return parse_source(source, path.read_bytes(), cfg).article


def _site_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    if not config.exists():
        config.write_text("title: x\n")
    return config


@pytest.mark.parametrize("title", ["no", "1.10", "# not a comment", "key: value", "yes: [1]",
                                   "Line\u2028break \x85 and \x07 bell", '"quoted" \\ back'])
def test_every_front_matter_value_reads_back_as_the_same_text(tmp_path, title):
    path = tmp_path / "a.md"
    path.write_text(entry_text(entry(title=title, tags=("no", "1.10"), summary=title),
                               category="harbour", feed_url=FEED,
                               published=entry().published))
    article = read_back(path, tmp_path)
    # Control characters are dropped, and the reader collapses spaces.
    assert article.title == " ".join(strip_controls(title)[0].split())
    assert article.tags == ("no", "1.10")
    assert article.date == entry().published
    assert article.source_url == "https://harbour.example/ferry"
    assert article.extra["feed"] == FEED and article.id == "e-1"


def test_the_hash_tells_an_edited_file_from_an_untouched_one(tmp_path):
    path = tmp_path / "a.md"
    path.write_text(entry_text(entry(), category="harbour", feed_url=FEED,
                               published=entry().published))
    found = read_fetched(path)
    assert found.intact and found.id == "e-1" and found.feed == FEED
    assert found.date == entry().published
    path.write_text(path.read_text().replace("The ferry is back.</p>", "Edited.</p>"))
    assert read_fetched(path).intact is False
    (tmp_path / "mine.md").write_text("---\ntitle: mine\nid: e-1\n---\nbody\n")
    assert read_fetched(tmp_path / "mine.md") is None


def test_html_in_the_body_is_one_block_that_markdown_leaves_alone(tmp_path):
    html = ("Text first, _x_ and *y*\n<p>2 * 3 * 4 and _x_ and [a](b)</p>\n\n  \n"
            "<pre>one\n\n    four</pre>\n\n<p># no</p>")
    body = markdown_safe_html(html)
    assert "\n\n" not in body and "one&#10;&#10;    four" in body
    for engine in ("python-markdown", "commonmark"):
        path = tmp_path / f"{engine}.md"
        path.write_text(entry_text(entry(content_html=html), category="harbour", feed_url=FEED,
                                   published=entry().published))
        (tmp_path / "config.yaml").write_text(f"markdown:\n  engine: {engine}\n")
        article = read_back(path, tmp_path)
        assert "Text first, _x_ and *y*" in article.body_html, engine
        assert "2 * 3 * 4 and _x_ and [a](b)" in article.body_html, engine
        assert '<pre tabindex="0">one\n\n    four</pre>' in article.body_html, engine
        assert "<h1>" not in article.body_html and "<em>" not in article.body_html


def test_file_slugs_are_cut_at_a_word():
    long = "The harbour authority publishes the winter ferry timetable for all seven islands"
    slug = file_slug(long, "id")
    assert len(slug) <= 60 and long.lower().replace(" ", "-").startswith(slug)
    assert not slug.endswith("-")
    assert file_slug("!!!", "some-id").startswith("entry-")
    assert file_slug("x" * 80, "id") == "x" * 60


def test_names_get_a_number_when_the_url_is_taken_in_any_category(tmp_path):
    names = Names(tmp_path, "/{year}/{month}/{day}/{slug}/")
    names.take(tmp_path / "other" / "2024-05-29-weather.md", "other")
    names.take(tmp_path / "mine" / "tide-tables.md", "mine")
    day = date(2024, 5, 29)
    assert names.choose("harbour", day, "Weather", "a").name == "2024-05-29-weather-2.md"
    assert names.choose("valley", day, "Weather", "b").name == "2024-05-29-weather-3.md"
    assert names.choose("valley", date(2024, 5, 30), "Weather", "c").name == \
        "2024-05-30-weather.md"
    assert names.choose("valley", day, "Tide tables", "d").name == "2024-05-29-tide-tables-2.md"
    by_category = Names(tmp_path, "/{category}/{year}/{slug}/")
    by_category.take(tmp_path / "other" / "2024-05-29-weather.md", "other")
    assert by_category.choose("harbour", day, "Weather", "e").name == "2024-05-29-weather.md"


def test_scan_finds_fetched_files_by_id(tmp_path):
    content = tmp_path / "content"
    (content / "harbour").mkdir(parents=True)
    (content / "harbour" / "2024-05-29-ferry.md").write_text(
        entry_text(entry(), category="harbour", feed_url=FEED, published=entry().published))
    (content / "harbour" / "mine.md").write_text("---\ntitle: Mine\n---\n")
    fetched, names = scan_content(content, tmp_path, "/{year}/{month}/{day}/{slug}/")
    assert list(fetched) == ["e-1"]
    assert "/2024/05/29/ferry/" in names.urls and "mine" in names.undated_slugs


# --- retention, dates, state, clock --------------------------------------------------------------

def fetched_file(name: str, days_old: float, intact: bool = True) -> FetchedFile:
    return FetchedFile(Path(name), name, FEED, NOW - timedelta(days=days_old), None, intact)


def test_retention_removes_only_untouched_files_older_than_keep_days():
    files = [fetched_file("old", 31), fetched_file("edited-old", 40, intact=False),
             fetched_file("new", 29), fetched_file("edge", 30)]
    assert [f.id for f in expired(files, NOW, 30)] == ["old"]
    assert [f.id for f in expired(files, NOW, 60)] == []


def test_an_undated_entry_is_dated_when_first_seen_not_at_each_run():
    undated = entry(published=None)
    first = NOW - timedelta(days=3)
    assert entry_date(undated, EntryRecord(FEED, first), NOW) == first
    assert entry_date(undated, None, NOW) == NOW
    assert entry_date(entry(), EntryRecord(FEED, first), NOW) == entry().published


def test_state_round_trips_and_a_broken_file_is_set_aside(tmp_path):
    file = tmp_path / ".digest-cache" / "fetch.json"
    state = FetchState.load(file)
    state.feeds[FEED] = Validators('"abc"', "Wed, 29 May 2024 08:00:00 GMT")
    state.entries["e-1"] = EntryRecord(FEED, NOW, "harbour/2024-05-29-ferry.md")
    state.save()
    again = FetchState.load(file)
    assert again.feeds == state.feeds and again.entries == state.entries and not again.warning
    file.write_text("{not json")
    broken = FetchState.load(file)
    assert broken.warning and broken.entries == {}
    file.write_text('{"version": 1, "feeds": [], "entries": {}}')
    assert FetchState.load(file).warning


def test_the_clock_is_read_from_digest_now_when_set():
    assert clock({"DIGEST_NOW": "2024-06-01T12:00:00+00:00"}) == NOW
    assert clock({"DIGEST_NOW": "2024-06-01T12:00:00"}) == NOW
    assert clock({}).tzinfo is not None
    with pytest.raises(ValueError):
        clock({"DIGEST_NOW": "soon"})


# --- download ------------------------------------------------------------------------------------

def test_download_is_conditional_gunzips_and_keeps_to_its_limits():
    body = RSS2.encode()
    with FeedServer() as server:
        server.routes["/rss"] = Route(body, etag='"v1"', last_modified="Mon, 27 May 2024 GMT")
        zipped = {"Content-Encoding": "gzip"}
        server.routes["/gz"] = Route(gzip.compress(body), headers=zipped)
        server.routes["/bomb"] = Route(gzip.compress(b" " * 50_000), headers=zipped)
        got = download(server.url("/rss"), Validators(), 5, 100_000)
        assert got.body == body and got.validators == Validators('"v1"', "Mon, 27 May 2024 GMT")
        again = download(server.url("/rss"), got.validators, 5, 100_000)
        assert again.body is None and again.validators == got.validators
        assert server.requests_for("/rss")[1].headers["If-None-Match"] == '"v1"'
        assert server.requests_for("/rss")[1].status == 304
        assert server.requests_for("/rss")[0].headers["Accept-Encoding"] == "gzip"
        assert download(server.url("/gz"), Validators(), 5, 100_000).body == body
        with pytest.raises(FetchFailed, match="larger than 10,000 bytes"):
            download(server.url("/bomb"), Validators(), 5, 10_000)  # 50 kB from 100 bytes
        with pytest.raises(FetchFailed, match="larger than"):
            download(server.url("/rss"), Validators(), 5, 100)
        with pytest.raises(FetchFailed, match="HTTP 404"):
            download(server.url("/missing"), Validators(), 5, 100)


# --- a whole run, in this process ----------------------------------------------------------------

def pier_feed(updated: str, text: str) -> bytes:
    return (f'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><entry>'
            f"<id>urn:x:1</id><title>Pier report</title>"
            f'<link href="https://pier.example/1"/><published>2024-05-30T08:00:00Z</published>'
            f"<updated>{updated}</updated><content>{text}</content></entry><entry>"
            f"<id>urn:x:2</id><title>Second item</title><updated>2024-05-30T09:00:00Z"
            f"</updated></entry></feed>").encode()


def test_updates_come_in_unless_the_file_was_edited_and_deleted_files_stay_deleted(tmp_path):
    (tmp_path / "config.yaml").write_text("title: x\n")
    cfg = load_config(tmp_path / "config.yaml")
    with FeedServer() as server:
        sources = [FetchSource(server.url("/feed"), "pier")]
        server.routes["/feed"] = Route(pier_feed("2024-05-30T08:00:00Z", "First text."))
        assert run_fetch(cfg, sources, NOW).written == 2
        report = tmp_path / "content" / "pier" / "2024-05-30-pier-report.md"
        second = tmp_path / "content" / "pier" / "2024-05-30-second-item.md"
        assert "First text." in report.read_text()

        server.routes["/feed"] = Route(pier_feed("2024-05-31T08:00:00Z", "Corrected text."))
        second.unlink()  # not wanted: fetch must not bring it back
        run = run_fetch(cfg, sources, NOW)
        assert (run.written, run.updated, run.skipped) == (0, 1, 1)
        assert "Corrected text." in report.read_text()
        assert 'updated: "2024-05-31T08:00:00+00:00"' in report.read_text()
        assert not second.exists()
        run_fetch(cfg, sources, NOW)
        assert not second.exists()

        # Without fetch.json, the files themselves say which entries are there.
        (tmp_path / ".digest-cache" / "fetch.json").unlink()
        run = run_fetch(cfg, sources, NOW)
        assert (run.written, run.updated, run.skipped) == (1, 0, 1)  # the deleted one is back
        second.unlink()

        report.write_text(report.read_text().replace("Corrected text.", "My own note."))
        server.routes["/feed"] = Route(pier_feed("2024-06-01T08:00:00Z", "Third text."))
        run = run_fetch(cfg, sources, NOW)
        assert (run.updated, run.kept_edited) == (0, [report])
        assert "My own note." in report.read_text()


def test_an_entry_in_two_feeds_is_one_article_and_only_its_first_feed_updates_it(tmp_path):
    (tmp_path / "config.yaml").write_text("title: x\n")
    cfg = load_config(tmp_path / "config.yaml")
    with FeedServer() as server:
        server.routes["/a"] = Route(pier_feed("2024-05-30T08:00:00Z", "From A."))
        server.routes["/b"] = Route(pier_feed("2024-05-31T08:00:00Z", "From B, newer."))
        sources = [FetchSource(server.url("/a"), "pier"), FetchSource(server.url("/b"), "copy")]
        first = run_fetch(cfg, sources, NOW)
        again = run_fetch(cfg, sources, NOW)
    assert (first.written, first.skipped, again.updated) == (2, 2, 0)
    assert not (tmp_path / "content" / "copy").exists()
    assert "From A." in (tmp_path / "content" / "pier" / "2024-05-30-pier-report.md").read_text()
