"""Each input format, each rule, and the real seed export field by field."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import SEED

from generator.config import load_config
from generator.model import Article
from generator.readers import discover, is_article_name, read_all

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def site(tmp_path: Path):
    (tmp_path / "config.yaml").write_text("timezone: Asia/Tokyo\ndefault_category: general\n")
    (tmp_path / "content").mkdir()
    return tmp_path


def read_result(site: Path, relative: str, body: str | bytes):
    path = site / "content" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    cfg = load_config(site / "config.yaml")
    [source] = [s for s in discover(cfg.content_dir, cfg.root) if s.path == path]
    return read_all([source], cfg)


def read(site: Path, relative: str, body: str | bytes):
    """The article, else its errors, else (a skipped file) its warnings."""
    result = read_result(site, relative, body)
    return result.articles[0] if result.articles else (result.errors or result.warnings)


def test_seed_export_field_by_field(site):
    article = read(site, "tracker/000_605b23a3d821c83e.txt", SEED.read_bytes())
    assert isinstance(article, Article), article
    assert article.id == "d803467a-7fa5-4594-a24f-554d4d5aff36"
    assert article.title == "Tensions escalate between Armenia and Russia over Nagorno-Karabakh conflict"
    assert article.slug == "tensions-escalate-between-armenia-and-russia"
    assert article.category == "nhk"
    assert article.source_url == "https://www3.nhk.or.jp/nhkworld/en/news/20230927_01/"
    # Date has no time; Created, on the same day, gives it.
    assert article.date == datetime(2023, 9, 27, 7, 30, tzinfo=TOKYO)
    assert article.created == datetime(2023, 9, 27, 7, 30, tzinfo=TOKYO)
    assert article.updated == datetime(2025, 12, 8, 23, 14, tzinfo=TOKYO)
    assert article.last_read == datetime(2023, 9, 27, 10, 42, tzinfo=TOKYO)
    assert article.word_count == 239
    assert article.reading_minutes == 2
    assert article.read_count == 1
    assert article.similar == (
        "Ethnic Armenians accept ceasefire with Azerbaijan, Armenian state media says",
        "Ethnic Armenian fighters begin disarming following ceasefire agreement",
        "Azerbaijan-Armenia clashes leave scores dead",
        "Armenia, Azerbaijan trade acccusations at UN",
        "Azerbaijan launches 'anti-terrorist' operations in Karabakh",
    )
    assert article.summary.startswith("Tensions escalate between Armenia and Russia")
    assert article.summary.endswith("which Russia deemed…")
    assert article.body_html.count("<p>") == 8  # seven repeated paragraphs dropped
    assert article.body_html.startswith("<p>Relations between Armenia and its ally Russia")
    assert "Azerbaijan&#x27;s" not in article.body_html and "Azerbaijan's" in article.body_html
    assert article.tags == () and article.extra == {}
    assert article.source_path == "content/tracker/000_605b23a3d821c83e.txt"


EXPORT = """First paragraph <b>here</b>. It is short.
Second paragraph.
Similar Readings (2 items)
One title
Another title
Summary
A summary that ends.
Statistics
5
Words12
Read CountDetails
ID: abc-1
Category ID: BBC News
URL: https://bbc.example/a
Date: {date}
Reading List: weekend
"""


@pytest.mark.parametrize("date, expected", [
    ("Sept. 27, 2023", datetime(2023, 9, 27, tzinfo=TOKYO)),
    ("Sep 27, 2023", datetime(2023, 9, 27, tzinfo=TOKYO)),
    ("September 27, 2023", datetime(2023, 9, 27, tzinfo=TOKYO)),
    ("2023/09/27 07:30", datetime(2023, 9, 27, 7, 30, tzinfo=TOKYO)),
    ("2023-09-27T07:30:00+00:00", datetime(2023, 9, 27, 16, 30, tzinfo=TOKYO)),
])
def test_export_date_forms(site, date, expected):
    article = read(site, "x.txt", EXPORT.format(date=date))
    assert article.date == expected


def test_export_sections_and_unknown_details(site):
    article = read(site, "x.txt", EXPORT.format(date="Sep 27, 2023"))
    assert article.title == "A summary that ends"
    assert article.summary == "A summary that ends."
    assert article.category == "bbc-news" and article.category_label == "BBC News"
    assert article.read_count == 12 and article.word_count == 8
    assert article.similar == ("One title", "Another title")
    assert article.extra == {"reading_list": "weekend", "export_word_count": 5}
    assert "&lt;b&gt;here&lt;/b&gt;" in article.body_html  # the export is plain text


def test_export_with_only_a_body_and_details(site):
    article = read(site, "tracker/y.txt",
                   "Only a body. With two sentences.\nDetails\nDate: 2023/09/01 10:00")
    assert article.title == "Only a body"
    assert article.summary == "Only a body. With two sentences."
    assert article.category == "tracker"  # the folder
    assert article.id == "tracker/y"
    assert article.similar == () and article.read_count is None


def test_export_errors_name_their_lines(site):
    result = read_result(site, "bad.txt", "Body.\nDetails\nID: 1\nDate: Sept 31, 2023\nnonsense")
    assert [str(e) for e in result.errors] == [
        'content/bad.txt:4: Date: cannot read "Sept 31, 2023" as a date',
    ]
    # A line that cannot be read is left out with a warning; the date is what stops the article.
    assert [str(w) for w in result.warnings] == [
        "content/bad.txt:5: Details: expected `Key: value`, got 'nonsense'; left out",
    ]


FRONT = """---
title: "Port strike: it ends"
date: 2023-09-20 08:15
modified: 2023-09-21T10:00:00+02:00
categories: [Meridian Post, economy]
tags: economy, transport
description: The strike ends.
source_url: https://meridian.example/strike
authors: [A. Writer, B. Writer]
location: Harlow
similar:
  - Rail tunnel opens
---
Body *text* with four words.
"""


def test_front_matter(site):
    article = read(site, "world/2023-09-20-port-strike.md", FRONT)
    assert article.title == "Port strike: it ends"
    assert article.slug == "port-strike"  # Jekyll date prefix dropped
    assert article.date == datetime(2023, 9, 20, 8, 15, tzinfo=TOKYO)
    assert article.updated == datetime(2023, 9, 21, 17, 0, tzinfo=TOKYO)
    assert article.category == "meridian-post"
    assert article.tags == ("economy", "transport")
    assert article.summary == "The strike ends."
    assert article.authors == ("A. Writer", "B. Writer")
    assert article.similar == ("Rail tunnel opens",)
    assert article.extra == {"location": "Harlow", "categories": ["Meridian Post", "economy"]}
    assert article.body_html == "<p>Body <em>text</em> with four words.</p>"
    assert article.word_count == 5
    assert article.id == "world/2023-09-20-port-strike"


def test_front_matter_date_from_file_name_and_drafts(site):
    article = read(site, "2023-09-20-quiet.md", "---\ntitle: Quiet\ndraft: true\n---\nText.\n")
    assert article.date == datetime(2023, 9, 20, tzinfo=TOKYO)
    assert article.draft and article.category == "general"
    assert read(site, "p.md", "---\ntitle: P\ndate: 2023-01-01\npublished: false\n---\nx").draft


def test_front_matter_summary_marker_and_sanitizing(site):
    article = read(site, "m.md", "---\ntitle: M\ndate: 2023-01-01\n---\nLead words here.\n\n"
                                 "<!--more-->\n\nRest <script>alert(1)</script> <div>open\n")
    assert article.summary == "Lead words here."
    assert "<script" not in article.body_html and "alert" not in article.body_html
    assert article.body_html.count("<div>") == article.body_html.count("</div>")


def test_front_matter_errors(site):
    errors = read(site, "e.md", "---\ntitle: E\ndate: Sept 31, 2023\ntags: {a: 1}\n"
                                "draft: maybe\n---\nx")
    assert sorted(map(str, errors)) == sorted([
        'content/e.md:3: date: cannot read "Sept 31, 2023" as a date',
        "content/e.md:5: draft: expected true or false, got 'maybe'",
        "content/e.md:4: tags: expected a list of text, found a mapping in it",
    ])


def test_a_body_nested_too_deeply_is_kept_as_text_with_a_warning(site):
    result = read_result(site, "news/deep.md", "---\ntitle: Deep\ndate: 2024-05-02\n---\n"
                         "Lead.\n\n" + "\n".join("    " * i + "- a" for i in range(260)))
    [article] = result.articles
    assert article.body_html.startswith("<p>Lead.</p>")
    assert [str(w) for w in result.warnings] == [
        "content/news/deep.md:5: the body is nested too deeply to read as Markdown; it is "
        "shown as plain text"]


def test_front_matter_yaml_error_line(site):
    [error] = read(site, "y.md", "---\ntitle: Y\ndate: 2023-01-01\ntags: [a, b\n---\nx")
    assert str(error).startswith("content/y.md:5: front matter: invalid YAML")


def test_unclosed_front_matter_and_missing_date(site):
    [error] = read(site, "u.md", "---\ntitle: U\n\nBody")
    assert str(error) == "content/u.md:1: front matter opened here is never closed with ---"
    [error] = read(site, "n.md", "---\ntitle: N\n---\nBody")
    assert str(error).startswith("content/n.md:1: date: missing")


PELICAN = """Title: Rail tunnel opens
DATE: 2023-09-22 14:30
Category: North Wire
tags: transport, engineering
Summary: Trains run.
Slug: Tunnel-Day
Status: draft
Authors: Sam Hill, Ana Ruiz

The tunnel opened.

Modified: this line is body text, not a header.
"""


def test_pelican_headers(site):
    article = read(site, "northwire/rail.md", PELICAN)
    assert article.title == "Rail tunnel opens"
    assert article.date == datetime(2023, 9, 22, 14, 30, tzinfo=TOKYO)
    assert article.category == "north-wire"
    assert article.tags == ("transport", "engineering")
    assert article.slug == "tunnel-day"
    assert article.draft
    assert article.authors == ("Sam Hill", "Ana Ruiz")
    assert "Modified: this line is body text" in article.body_html
    assert article.updated is None


def test_pelican_error_line(site):
    [error] = read(site, "p.md", "Title: P\nDate: 2023-09-22\nStatus: maybe\n\nx")
    assert str(error) == "content/p.md:3: status: expected draft or published, got 'maybe'"


def test_title_derived_when_missing(site):
    article = read(site, "t.md", "Date: 2023-09-22\n\nThe council met on Tuesday. It voted.")
    assert article.title == "The council met on Tuesday"
    assert article.slug == "t"  # from the file name


def test_not_utf8_and_empty_files(site):
    result = read_result(site, "2023-01-02-latin.md", b"---\ntitle: Caf\xe9\n---\nNa\xefve\n")
    assert [str(w) for w in result.warnings] == [
        "content/2023-01-02-latin.md:2: not UTF-8: read as Windows-1252 (save the file as UTF-8)"]
    [article] = result.articles
    assert article.title == "Café" and article.body_html == "<p>Naïve</p>"
    [warning] = read(site, "empty.md", "  \n")
    assert str(warning) == "content/empty.md: skipped: empty file"


def test_crlf_and_bom(site):
    article = read(site, "w.md", "\ufeff---\r\ntitle: W\r\ndate: 2023-01-01\r\n---\r\nHi\r\n")
    assert article.title == "W" and article.body_html == "<p>Hi</p>"


@pytest.mark.parametrize("name, wanted", [
    ("a.md", True), ("a.markdown", True), ("a.txt", True), ("A.MD", True),
    ("a.md~", False), (".a.md.swp", False), ("#a.md#", False), (".#a.md", False),
    ("a.md___jb_tmp___", False), ("4913", False), (".DS_Store", False), ("photo.jpg", False),
    ("a.swp", False),
])
def test_litter_is_never_an_article(name, wanted):
    assert is_article_name(name) is wanted


def test_discover_and_read_all_collect_every_error(site):
    content = site / "content"
    (content / "a").mkdir()
    (content / "a" / "ok.md").write_text("Title: Ok\nDate: 2023-01-01\n\nx")
    (content / "a" / "bad.md").write_text("Title: Bad\nDate: nope\n\nx")
    (content / "b.txt").write_text("Body\nDetails\nDate: never")
    (content / ".hidden").mkdir()
    (content / ".hidden" / "x.md").write_text("junk")
    (content / "a" / "ok.md~").write_text("junk")
    cfg = load_config(site / "config.yaml")
    sources = discover(cfg.content_dir, cfg.root)
    assert [s.shown for s in sources] == ["content/b.txt", "content/a/bad.md", "content/a/ok.md"]
    result = read_all(sources, cfg)
    articles, errors = result.articles, result.errors
    assert [a.title for a in articles] == ["Ok"]
    assert sorted(str(e) for e in errors) == [
        'content/a/bad.md:2: date: cannot read "nope" as a date',
        'content/b.txt:3: Date: cannot read "never" as a date',
    ]


def test_a_small_file_is_read_into_a_buffer_of_its_size(site):
    """Reading a file allocates about its size, not max_file_size (10 MB): at 100,000 files
    such buffers were each a memory map of their own, and the process ran out of maps (ENOMEM
    from the next fork)."""
    import tracemalloc

    for n in range(5):
        path = site / "content" / "news" / f"story-{n}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Story {n}\ndate: 2023-09-1{n}\n---\nText {n}.\n")
    cfg = load_config(site / "config.yaml")
    sources = discover(cfg.content_dir, cfg.root)
    tracemalloc.start()
    try:
        result = read_all(sources, cfg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(result.articles) == 5
    assert peak < cfg.max_file_size // 4, f"{peak:,} bytes at the peak"


def test_read_with_a_store_holds_no_body_once_it_is_stored(site, tmp_path, monkeypatch):
    """Bodies go to the store as each batch comes back and are dropped: holding them all until
    the last batch was the read stage's peak (350 MB at 100,000 articles). Counted as the
    store takes each file: the articles alive with a body are at most a batch's."""
    import gc

    from generator.readers import BATCH
    from generator.store import Store

    for n in range(5 * BATCH):
        path = site / "content" / "news" / f"story-{n}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Story {n}\ndate: 2023-09-10\n---\nThe text of {n}.\n")
    cfg = load_config(site / "config.yaml")
    sources = discover(cfg.content_dir, cfg.root)
    store = Store(tmp_path / "cache")
    alive = []
    put_sources = store.put_sources

    def counting(items):
        items = list(items)
        alive.append(sum(1 for o in gc.get_objects() if isinstance(o, Article) and o.body_html
                         and o.source_path.startswith("content/news/story-")))
        return put_sources(items)

    monkeypatch.setattr(store, "put_sources", counting)
    result = read_all(sources, cfg, store=store)
    assert len(result.articles) == 5 * BATCH and len(alive) == 5  # stored a batch at a time
    assert max(alive) <= BATCH + 1, max(alive)
    assert all(a.body_html == "" for a in result.articles)
    assert all(p.article.body_html == "" for p in result.changed.values())
    stored = store.bodies([s.shown for s in sources])
    assert sorted(stored.values()) == sorted(f"<p>The text of {n}.</p>" for n in range(5 * BATCH))
    store.close()


def test_a_new_version_of_a_shaping_library_reads_every_file_again(tmp_path, monkeypatch):
    """Python-Markdown, nh3, PyYAML and cmarkgfm shape what a file gives: a build after any of
    them changed version reads every file again, though none changed on disk."""
    import importlib.metadata

    from conftest import copy_site

    import generator.readers as readers
    from generator.build import build

    cfg = load_config(copy_site("basic", tmp_path) / "config.yaml")
    build(cfg, jobs=1, use_cache=True)
    parsed = []
    real_parse = readers.parse_source
    monkeypatch.setattr(readers, "parse_source",
                        lambda source, *a: parsed.append(source.shown) or real_parse(source, *a))
    build(cfg, jobs=1, use_cache=True)
    assert parsed == []
    real_version = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "99.0" if name == "nh3"
                        else real_version(name))
    build(cfg, jobs=1, use_cache=True)
    sources = sorted(s.shown for s in discover(cfg.content_dir, cfg.root))
    assert len(sources) > 3 and sorted(parsed) == sources
