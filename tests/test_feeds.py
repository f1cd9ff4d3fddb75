"""Feeds and sitemap: every file parses with a real feed parser and as strict XML, and says the
same thing twice for the same content."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from generator import sitemap
from generator.build import build
from generator.config import CategoryConfig, Config, load_config
from generator.feeds import (
    FeedsConfig,
    entry_id,
    feed_files,
    xml_text,
)
from generator.model import Article
from generator.pages import plan_pages
from generator.readers import discover, read_all
from generator.related import RelatedConfig, find_related
from generator.site import Site
from generator.sitemap import SitemapEntry, sitemap_entries, sitemap_files
from generator.urls import Urls

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TOKYO = timezone(timedelta(hours=9))
OFFSET = re.compile(r"(Z|[+-]\d{2}:\d{2})$")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
UUID = "D803467A-7FA5-4594-A24F-554D4D5AFF36"
HOSTILE = "]]> \x00 <script>alert(1)</script> \ud800 \x1b\ufffe & done"
REPO = Path(__file__).resolve().parents[1]


def make_config(base_url: str = "https://digest.example/", **changes) -> Config:
    root = Path("/nonexistent")
    values = {"title": "Test Digest", "description": "Things read.", "base_url": base_url,
              "categories": {"wire": CategoryConfig("The Wire", "A wire service.")}}
    values.update(changes)
    return Config(root=root, content_dir=root / "content", output_dir=root / "output",
                  templates_dir=root / "templates", **values)


def make_article(n: int, **changes) -> Article:
    values = {
        "id": f"post-{n}", "title": f"Article {n}", "slug": f"article-{n}",
        "date": datetime(2023, 9, 1, 10, 0, tzinfo=TOKYO) + timedelta(days=n),
        "category": "wire", "category_label": "wire", "source_path": f"content/a{n}.md",
        "body_html": f"<p>Body of article {n}.</p>", "summary": f"Summary {n}.",
    }
    values.update(changes)
    return Article(**values)


def make_site(articles: list[Article], cfg: Config | None = None) -> tuple[Site, Urls, Config]:
    cfg = cfg or make_config()
    urls = Urls.for_config(cfg)
    return Site.from_articles(articles, cfg, urls), urls, cfg


def all_feeds(articles: list[Article], feeds: FeedsConfig | None = None,
              cfg: Config | None = None) -> dict[str, bytes]:
    site, urls, cfg = make_site(articles, cfg)
    return feed_files(site, urls, cfg, feeds or FeedsConfig())


def parse(data: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def mixed_articles() -> list[Article]:
    return [
        make_article(1, tags=("Economy", "Housing"), authors=("Ana Li",)),
        make_article(2, category="desk", category_label="Desk", tags=("economy",)),
        make_article(3, id=UUID, updated=datetime(2023, 10, 1, 8, 30, tzinfo=UTC),
                     source_url="https://source.example/story"),
        make_article(4, category="desk", category_label="Desk"),
    ]


# --- the files and their formats -------------------------------------------------------------

def test_every_feed_file_exists_and_parses_in_its_format():
    files = all_feeds(mixed_articles())
    assert set(files) == {"feed.xml", "rss.xml", "feed.json", "category/wire/feed.xml",
                          "category/desk/feed.xml", "tag/economy/feed.xml",
                          "tag/housing/feed.xml"}
    for path, data in files.items():
        if path.endswith(".xml"):
            ET.fromstring(data)  # strict XML, not just feedparser's tolerance
            assert parse(data).version == ("rss20" if path == "rss.xml" else "atom10")


def test_entries_are_the_newest_first_up_to_the_limit():
    articles = [make_article(n) for n in range(1, 8)]
    files = all_feeds(articles, FeedsConfig(limit=3))
    for path in ("feed.xml", "rss.xml"):
        entries = parse(files[path]).entries
        assert [e.title for e in entries] == ["Article 7", "Article 6", "Article 5"]
    assert [i["title"] for i in json.loads(files["feed.json"])["items"]] == \
        ["Article 7", "Article 6", "Article 5"]


def test_ids_are_uuid_urns_or_tag_uris_that_do_not_move_with_the_site():
    articles = mixed_articles()
    here = parse(all_feeds(articles)["feed.xml"]).entries
    moved = parse(all_feeds(articles, cfg=make_config("https://elsewhere.example/news/"))
                  ["feed.xml"]).entries
    assert [e.id for e in here] == [e.id for e in moved]
    ids = {e.title: e.id for e in here}
    assert ids["Article 3"] == "urn:uuid:" + UUID.lower()
    assert ids["Article 1"] == "tag:digest,2023-09-02:post-1"  # 10:00 in Tokyo = 01:00 UTC
    rss = {e.title: e.id for e in parse(all_feeds(articles)["rss.xml"]).entries}
    assert rss == ids
    json_ids = {i["title"]: i["id"] for i in json.loads(all_feeds(articles)["feed.json"])["items"]}
    assert json_ids == ids


def test_tag_uri_day_is_utc_and_odd_ids_are_escaped():
    late = make_article(1, id="notes/été 1", date=datetime(2023, 9, 2, 1, 0, tzinfo=TOKYO))
    assert entry_id(late) == "tag:digest,2023-09-01:notes/%C3%A9t%C3%A9%201"


def test_dates_carry_offsets_and_the_feed_updated_is_the_newest_entry():
    files = all_feeds(mixed_articles())
    root = ET.fromstring(files["feed.xml"])
    stamps = [e.text for e in root.iter() if e.tag in (ATOM + "updated", ATOM + "published")]
    assert stamps and all(RFC3339.match(s) for s in stamps)
    # Article 3 was updated on 1 October: newer than every publication date.
    assert root.find(ATOM + "updated").text == "2023-10-01T08:30:00+00:00"
    entries = {e.title: e for e in parse(files["feed.xml"]).entries}
    assert entries["Article 1"].published == "2023-09-02T10:00:00+09:00"
    assert entries["Article 1"].published_parsed[:4] == (2023, 9, 2, 1)  # feedparser gives UTC
    rss = {e.title: e for e in parse(files["rss.xml"]).entries}
    assert rss["Article 1"].published.endswith("+0900")
    assert parse(files["rss.xml"]).feed.updated.endswith("+0000")
    for item in json.loads(files["feed.json"])["items"]:
        assert OFFSET.search(item["date_published"]) and OFFSET.search(item["date_modified"])


def test_a_site_without_articles_still_has_valid_feeds_dated_without_the_clock():
    files = all_feeds([])
    assert set(files) == {"feed.xml", "rss.xml", "feed.json"}
    assert parse(files["feed.xml"]).feed.updated == "1970-01-01T00:00:00+00:00"


def test_an_empty_site_s_feeds_show_the_date_they_are_given():
    """SOURCE_DATE_EPOCH, when the build has one: the date of the sources, not of the build."""
    moment = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    site, urls, cfg = make_site([])
    files = feed_files(site, urls, cfg, FeedsConfig(), empty_updated=moment)
    assert parse(files["feed.xml"]).feed.updated == "2023-11-14T22:13:20+00:00"
    assert b"<lastBuildDate>Tue, 14 Nov 2023 22:13:20 +0000</lastBuildDate>" in files["rss.xml"]
    site, urls, cfg = make_site([make_article(1)])
    dated = feed_files(site, urls, cfg, FeedsConfig(), empty_updated=moment)
    assert dated == feed_files(site, urls, cfg, FeedsConfig())  # only an empty feed shows it


def test_links_are_absolute_under_a_sub_path():
    cfg = make_config("https://example.org/news/")
    body = ('<p><a href="/elsewhere/">root</a> <a href="other/">rel</a> <a href="../up">up</a> '
            '<a href="#note">note</a> <a href="https://x.example/">ext</a> '
            '<img src="pic.png" alt="p"></p>')
    files = all_feeds([make_article(1, body_html=body)], FeedsConfig(content="full"), cfg)
    feed = parse(files["feed.xml"])
    page = "https://example.org/news/2023/09/02/article-1/"
    assert feed.entries[0].link == page
    assert {link.href for link in feed.feed.links} == {"https://example.org/news/feed.xml",
                                                       "https://example.org/news/"}
    content = ET.fromstring(files["feed.xml"]).find(f"{ATOM}entry/{ATOM}content").text
    hrefs = re.findall(r'(?:href|src)="([^"]*)"', content)
    assert hrefs == ["https://example.org/elsewhere/", page + "other/",
                     "https://example.org/news/2023/09/02/up", page + "#note",
                     "https://x.example/", page + "pic.png"]
    document = json.loads(files["feed.json"])
    assert document["feed_url"] == "https://example.org/news/feed.json"
    assert document["items"][0]["url"] == page
    assert parse(files["rss.xml"]).feed.link == "https://example.org/news/"


def test_category_and_tag_feeds_hold_only_their_articles():
    site, urls, cfg = make_site(mixed_articles())
    files = feed_files(site, urls, cfg, FeedsConfig())
    desk = parse(files[urls.output_path(urls.category_feed("desk"))])
    assert [e.title for e in desk.entries] == ["Article 4", "Article 2"]
    assert {e.tags[0].label for e in desk.entries} == {"Desk"}
    assert desk.feed.title == "Test Digest: Desk"
    wire = parse(files["category/wire/feed.xml"])
    assert [e.title for e in wire.entries] == ["Article 3", "Article 1"]
    economy = parse(files[urls.output_path(urls.tag_feed("economy"))])
    assert [e.title for e in economy.entries] == ["Article 2", "Article 1"]
    assert parse(files[urls.output_path(urls.feed())]).feed.title == "Test Digest"


def test_entries_carry_authors_source_tags_and_source_link():
    files = all_feeds(mixed_articles())
    entries = {e.title: e for e in parse(files["feed.xml"]).entries}
    first = entries["Article 1"]
    assert first.author == "Ana Li"
    assert [(t.term, t.label) for t in first.tags] == \
        [("wire", "The Wire"), ("economy", "Economy"), ("housing", "Housing")]
    assert any(link.rel == "via" and link.href == "https://source.example/story"
               for link in entries["Article 3"].links)
    rss = {e.title: e for e in parse(files["rss.xml"]).entries}
    assert rss["Article 1"].author == "Ana Li"
    assert [t.term for t in rss["Article 1"].tags] == ["The Wire", "Economy", "Housing"]
    item = next(i for i in json.loads(files["feed.json"])["items"] if i["title"] == "Article 1")
    assert item["authors"] == [{"name": "Ana Li"}]
    assert item["tags"] == ["Economy", "Housing"]
    assert item["_digest"]["category"] == {"id": "wire", "name": "The Wire"}


def test_summary_mode_carries_no_body_and_full_mode_does():
    article = make_article(1, body_html="<p>The whole <em>story</em>.</p>")
    summary = all_feeds([article])
    entry = parse(summary["feed.xml"]).entries[0]
    assert entry.summary == "Summary 1." and "content" not in entry
    assert parse(summary["rss.xml"]).entries[0].description == "Summary 1."
    assert json.loads(summary["feed.json"])["items"][0]["content_text"] == "Summary 1."
    full = all_feeds([article], FeedsConfig(content="full"))
    assert "<em>story</em>" in parse(full["feed.xml"]).entries[0].content[0].value
    assert "<em>story</em>" in parse(full["rss.xml"]).entries[0].description
    assert json.loads(full["feed.json"])["items"][0]["content_html"] == \
        "<p>The whole <em>story</em>.</p>"


@pytest.mark.parametrize("content", ["summary", "full"])
def test_hostile_text_cannot_break_the_xml_or_carry_a_script(content):
    hostile = make_article(
        1, title=f"Title {HOSTILE}", summary=f"Summary {HOSTILE}", authors=(HOSTILE,),
        body_html=f"<p>Body {HOSTILE}</p><script>steal()</script><a href='javascript:x()'>j</a>"
                  "<img src=x onerror=alert(2)>",
        tags=("evil]]>tag",), source_url="javascript:alert(3)", id="x]]>\x00<script>",
    )
    files = all_feeds([hostile, make_article(2)], FeedsConfig(content=content))
    for path, data in files.items():
        data.decode("utf-8")  # no lone surrogate could be encoded
        assert b"\x00" not in data
        if path.endswith(".xml"):
            assert b"<script" not in data.lower()
            root = ET.fromstring(data)
            assert not any(e.tag.endswith("script") for e in root.iter())
            # What is HTML to a reader (Atom type="html", RSS description) holds no script;
            # plain text (titles, names) carries `<script>` as text, which readers show as such.
            markup = [e for e in root.iter() if e.get("type") == "html" or e.tag == "description"]
            for element in markup:
                text = (element.text or "").lower()
                assert "<script" not in text and "javascript:" not in text
                assert "onerror" not in text
            entry = parse(data).entries[-1]
            assert entry.title == "Title ]]>  <script>alert(1)</script>   & done"
            assert entry.title_detail.type == "text/plain"
        else:
            item = json.loads(data)["items"][-1]
            assert item["title"] == "Title ]]>  <script>alert(1)</script>   & done"
            assert "<script" not in item.get("content_html", "")
            assert "javascript:" not in item.get("content_html", "")
            assert "external_url" not in item


def test_xml_text_drops_what_xml_cannot_carry():
    assert xml_text("a\x00b\x08c\ud800d\udfffe\ufffef\x85g\r\nh\ti") == "abcdefg\nh\ti"
    assert xml_text("]]> <&> 😀 é") == "]]> <&> 😀 é"


def test_two_runs_give_the_same_bytes():
    first = all_feeds(mixed_articles(), FeedsConfig(content="full"))
    second = all_feeds(list(reversed(mixed_articles())), FeedsConfig(content="full"))
    assert first == second


def test_json_feed_has_the_required_fields():
    document = json.loads(all_feeds(mixed_articles())["feed.json"])
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == "Test Digest"
    assert document["home_page_url"] == "https://digest.example/"
    assert isinstance(document["items"], list) and len(document["items"]) == 4
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_html" in item or "content_text" in item
        assert urlsplit(item["url"]).scheme == "https"
        assert RFC3339.match(item["date_published"]) and RFC3339.match(item["date_modified"])


# --- sitemap ---------------------------------------------------------------------------------

def sitemap_for(articles: list[Article], cfg: Config | None = None) -> tuple[dict, Urls]:
    site, urls, cfg = make_site(articles, cfg)
    related = find_related(site.articles, RelatedConfig(stories=False))
    return sitemap_files(sitemap_entries(plan_pages(site, related, cfg, urls), site, urls),
                         urls), urls


def test_sitemap_lists_every_page_but_404_with_absolute_locs_and_content_dates():
    cfg = make_config("https://example.org/news/")
    site, urls, _ = make_site(mixed_articles(), cfg)
    plan = plan_pages(site, find_related(site.articles, RelatedConfig(stories=False)), cfg, urls)
    files = sitemap_files(sitemap_entries(plan, site, urls), urls)
    root = ET.fromstring(files["sitemap.xml"])
    locs = [u.find(SITEMAP + "loc").text for u in root]
    assert locs == [urls.absolute(p.url) for p in plan if p.template != "404.html"]
    assert all(loc.startswith("https://example.org/news/") for loc in locs)
    assert not any("404" in loc for loc in locs)
    lastmods = {u.find(SITEMAP + "loc").text: u.find(SITEMAP + "lastmod").text for u in root}
    assert lastmods["https://example.org/news/2023/09/02/article-1/"] == "2023-09-02T10:00:00+09:00"
    assert lastmods["https://example.org/news/category/desk/"] == "2023-09-05T10:00:00+09:00"
    assert lastmods["https://example.org/news/"] == "2023-10-01T08:30:00+00:00"
    assert files["robots.txt"] == \
        b"User-agent: *\nDisallow:\n\nSitemap: https://example.org/news/sitemap.xml\n"


def test_sitemap_is_the_same_twice_and_merges_repeated_pages():
    first, _ = sitemap_for(mixed_articles())
    second, _ = sitemap_for(mixed_articles())
    assert first == second
    urls = Urls.for_config(make_config())
    early, late = datetime(2023, 1, 1, tzinfo=TOKYO), datetime(2023, 2, 1, tzinfo=TOKYO)
    files = sitemap_files([SitemapEntry("/a/", None), SitemapEntry("/a/", late),
                           SitemapEntry("/a/", early), SitemapEntry("/b/", None)], urls)
    urls_listed = ET.fromstring(files["sitemap.xml"])
    assert [u.find(SITEMAP + "loc").text for u in urls_listed] == \
        ["https://digest.example/a/", "https://digest.example/b/"]
    assert urls_listed[0].find(SITEMAP + "lastmod").text == "2023-02-01T00:00:00+09:00"
    assert urls_listed[1].find(SITEMAP + "lastmod") is None


def test_a_large_sitemap_becomes_an_index(monkeypatch):
    monkeypatch.setattr(sitemap, "MAX_URLS", 2)
    urls = Urls.for_config(make_config())
    day = datetime(2023, 1, 1, tzinfo=TOKYO)
    entries = [SitemapEntry(f"/p{n}/", day + timedelta(days=n)) for n in range(5)]
    files = sitemap_files(entries, urls)
    assert set(files) == {"sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml",
                          "robots.txt"}
    index = ET.fromstring(files["sitemap.xml"])
    assert index.tag == SITEMAP + "sitemapindex"
    assert [(s.find(SITEMAP + "loc").text, s.find(SITEMAP + "lastmod").text) for s in index] == [
        ("https://digest.example/sitemap-1.xml", "2023-01-02T00:00:00+09:00"),
        ("https://digest.example/sitemap-2.xml", "2023-01-04T00:00:00+09:00"),
        ("https://digest.example/sitemap-3.xml", "2023-01-05T00:00:00+09:00"),
    ]
    assert len(ET.fromstring(files["sitemap-3.xml"])) == 1


# --- a whole site, built ---------------------------------------------------------------------

FIXTURE = {
    "config.yaml": """\
title: Fixture Digest
description: A site built in a test.
base_url: https://fixture.example/digest/
timezone: Europe/London
per_page: 2
search: false
categories:
  world: {name: World Desk, description: News from everywhere.}
""",
    "content/world/2023-09-20-harbour-strike.md": """\
---
title: Harbour strike ends
date: 2023-09-20T18:00:00+02:00
tags: [labour, ports]
author: Sam Reyes
source_url: https://world.example/strike
---
Dockers return to work. See [the earlier report](../rail-tunnel/) and ![a map](map.png).
""",
    "content/world/rail-tunnel.md": """\
---
title: Rail tunnel opens
date: 2023-09-18 09:30
tags: [transport]
---
The tunnel opened on time.
""",
    "content/science/comet.md": """\
---
title: Comet visible tonight
date: 2023-09-22
id: 3f2504e0-4f89-11d3-9a0c-0305e82c3301
tags: [space, ports]
---
Look north after dark.
""",
}


@pytest.fixture
def built_site(tmp_path):
    for name, text in FIXTURE.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    cfg = load_config(tmp_path / "config.yaml")
    build(cfg)
    urls = Urls.for_config(cfg)
    result = read_all(discover(cfg.content_dir, cfg.root), cfg)
    articles, errors = result.articles, result.errors
    assert not errors
    site = Site.from_articles(articles, cfg, urls)
    return cfg, site, urls


def resolves(url: str, cfg: Config, urls: Urls) -> bool:
    assert url.startswith(cfg.base_url), url
    path = urls.output_path(urlsplit(url).path)
    return (cfg.output_dir / path).is_file()


def test_whole_site_feeds_link_to_built_pages(built_site):
    cfg, site, urls = built_site
    files = feed_files(site, urls, cfg, FeedsConfig(content="full"))
    assert len(files) == 3 + 2 + 4  # site feeds, two sources, four tags
    for path, data in files.items():
        if not path.endswith(".xml"):
            continue
        ET.fromstring(data)
        feed = parse(data)
        for link in feed.feed.links:
            assert link.href.startswith(cfg.base_url)
        for entry in feed.entries:
            assert resolves(entry.link, cfg, urls)
    world = parse(files["category/world/feed.xml"]).entries
    assert [e.title for e in world] == ["Harbour strike ends", "Rail tunnel opens"]
    ports = parse(files["tag/ports/feed.xml"]).entries
    assert [e.id for e in ports] == ["urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                                     "tag:digest,2023-09-20:world/2023-09-20-harbour-strike"]
    strike = ports[1].content[0].value
    assert 'href="https://fixture.example/digest/2023/09/20/rail-tunnel/"' in strike
    assert 'src="https://fixture.example/digest/2023/09/20/harbour-strike/map.png"' in strike
    assert files == feed_files(site, urls, cfg, FeedsConfig(content="full"))


def test_whole_site_sitemap_lists_every_built_html_page(built_site):
    cfg, site, urls = built_site
    files = sitemap_files(sitemap_entries(plan_pages(site, find_related(site.articles, RelatedConfig(stories=False)), cfg, urls), site, urls), urls)
    locs = [u.find(SITEMAP + "loc").text for u in ET.fromstring(files["sitemap.xml"])]
    assert all(resolves(loc, cfg, urls) for loc in locs)
    listed = {urls.output_path(urlsplit(loc).path) for loc in locs}
    built = {p.relative_to(cfg.output_dir).as_posix() for p in cfg.output_dir.rglob("*.html")}
    assert listed == built - {"404.html"}


def test_an_entry_shared_by_feeds_is_serialized_once(monkeypatch):
    """An article is an entry of the site's feed, its source's and each tag's: its XML is made
    once and spliced into each (the golden trees hold the bytes a whole tree gives)."""
    from generator import feeds as feeds_module

    made: list[str] = []
    real = feeds_module._atom_entry
    monkeypatch.setattr(feeds_module, "_atom_entry",
                        lambda entry, schemes: made.append(entry.id) or real(entry, schemes))
    articles = mixed_articles()
    files = all_feeds(articles)
    carried = sum(data.count(b"<entry>") for name, data in files.items() if name.endswith(".xml"))
    assert carried > len(articles)  # each article is in several feeds
    assert sorted(made) == sorted(feeds_module.entry_id(a) for a in articles)


def _atom_entry_by_elementtree(entry, schemes):
    """The oracle: an entry as ElementTree itself indents and writes it."""
    from generator.feeds import rfc3339

    def sub(parent, tag, text=None, **attributes):
        element = ET.SubElement(parent, tag, attributes)
        if text is not None:
            element.text = text
        return element

    item = ET.Element("entry")
    sub(item, "title", entry.title)
    sub(item, "link", rel="alternate", type="text/html", href=entry.url)
    if entry.source_url:
        sub(item, "link", rel="via", href=entry.source_url)
    sub(item, "id", entry.id)
    sub(item, "published", rfc3339(entry.published))
    sub(item, "updated", rfc3339(entry.updated))
    for name in entry.authors:
        sub(sub(item, "author"), "name", name)
    sub(item, "category", term=entry.category.id, scheme=schemes[0],
        label=xml_text(entry.category.name))
    for tag in entry.tags:
        sub(item, "category", term=tag.slug, scheme=schemes[1], label=xml_text(tag.name))
    if entry.summary:
        sub(item, "summary", entry.summary)
    if entry.content_html is not None:
        sub(item, "content", entry.content_html, type="html")
    ET.indent(item, space="  ", level=1)
    return ET.tostring(item, encoding="unicode")


_XML_TEXT = "abc &<>\"'\n\r\t]]>é☃\U0001f600 "


def test_atom_entries_are_the_bytes_elementtree_writes():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from generator.feeds import Entry, _atom_entry
    from generator.model import Category, Tag

    text = st.text(st.sampled_from(list(_XML_TEXT)), max_size=12)
    when = st.datetimes(timezones=st.just(UTC))

    @settings(max_examples=400, deadline=None)
    @given(text, text, text, st.one_of(st.none(), text), st.lists(text, max_size=2), text,
           st.lists(st.tuples(text, text), max_size=2), st.one_of(st.none(), text), when,
           st.sampled_from([("", ""), ("https://s/c/", "https://s/t/?a=1&b=\"2\"")]))
    def check(title, url, summary, content, authors, category, tags, source, date, schemes):
        entry = Entry(id="urn:uuid:" + url, url=url, title=title, published=date, updated=date,
                      summary=summary, content_html=content, authors=tuple(authors),
                      category=Category(category or "c", category),
                      tags=tuple(Tag(slug, name) for slug, name in tags), source_url=source)
        assert _atom_entry(entry, schemes) == _atom_entry_by_elementtree(entry, schemes)

    check()


def _sitemap_by_elementtree(root_tag, item_tag, listed, urls):
    """The oracle: a sitemap as ElementTree itself indents and writes it."""
    from generator.feeds import rfc3339, xml_document

    root = ET.Element(root_tag, {"xmlns": sitemap.SITEMAP_NS})
    for href, lastmod in listed:
        item = ET.SubElement(root, item_tag)
        ET.SubElement(item, "loc").text = xml_text(urls.absolute(href))
        if lastmod is not None:
            ET.SubElement(item, "lastmod").text = rfc3339(lastmod)
    return xml_document(root)


def test_sitemaps_are_the_bytes_elementtree_writes():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    urls = Urls("https://example.org/sub/", "/sub/", "/{year}/{slug}/")
    href = st.text(st.sampled_from(list("az/&<>\"é ?=")), max_size=10).map(lambda t: "/sub/" + t)
    when = st.one_of(st.none(), st.datetimes(timezones=st.just(UTC)))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(href, when), max_size=4), st.sampled_from(
        [("urlset", "url"), ("sitemapindex", "sitemap")]))
    def check(listed, tags):
        assert sitemap._document(*tags, listed, urls) == _sitemap_by_elementtree(*tags, listed,
                                                                                  urls)

    check()
