"""Properties that hold for any input, checked on inputs Hypothesis makes up: it finds the ones
we would not think of.

- every reader: any bytes, and hostile text in each format's shape, give an Article, a warning
  or a ContentError, never another exception (an `internal error` counts as one: it is what
  `parse_source` makes of an exception that escaped a reader);
- slugs, categories, tags and ids map to paths inside output/;
- any field text reaches HTML, XML and JSON well-formed, and as the text itself.

`HYPOTHESIS_PROFILE=long` runs many more examples than CI's default profile.
"""

from __future__ import annotations

import json
import os
import string
import xml.etree.ElementTree as ET
import zlib
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import Config
from generator.dates import MONTH_NAMES
from generator.errors import ContentError, ContentWarning
from generator.feeds import FeedsConfig, feed_files, xml_text
from generator.model import Article
from generator.pages import path_errors, plan_pages, reserved_paths
from generator.readers import Source, parse_source
from generator.readers.common import finish
from generator.readers.meta import ALIASES, KNOWN
from generator.related import Related
from generator.render import RenderJob, render_chunk
from generator.site import Site
from generator.text import collapse_spaces, short_slug, slugify, strip_controls
from generator.urls import Urls

settings.register_profile("ci", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path("/nonexistent-site")
TOKYO = timezone(timedelta(hours=9))
PERMALINKS = ("/{year}/{month}/{day}/{slug}/", "/{category}/{slug}.html", "/{id}/",
              "/{category}/{year}/{id}/{slug}/", "/{slug}")


def make_config(**changes) -> Config:
    values = {"title": "Test", "base_url": "https://digest.example/news/", "search": False,
              "timezone": "Asia/Tokyo"}
    values.update(changes)
    return Config(root=ROOT, content_dir=ROOT / "content", output_dir=ROOT / "output",
                  templates_dir=ROOT / "templates", **values)


CFG = make_config()


def source(name: str) -> Source:
    key = name.rsplit(".", 1)[0]
    return Source(ROOT / "content" / name, f"content/{name}", name.split("/")[0]
                  if "/" in name else None, key)


def assert_read_cleanly(name: str, raw: bytes) -> None:
    """The property every reader keeps, whatever the file holds."""
    parsed = parse_source(source(name), raw, CFG)
    internal = [e for e in parsed.errors if "internal error" in e.message]
    assert not internal, f"{name}: {internal[0]}"
    assert parsed.article is None or isinstance(parsed.article, Article)
    assert all(isinstance(e, ContentError) for e in parsed.errors)
    assert all(isinstance(w, ContentWarning) for w in parsed.warnings)
    # Nothing is dropped without a word: no article means an error or a warning says why.
    assert parsed.article is not None or parsed.errors or parsed.warnings
    if parsed.article is not None:
        assert not parsed.errors
        article = parsed.article
        for text in (article.title, article.summary, article.category_label, *article.tags,
                     *article.authors):
            assert strip_controls(text)[1] == 0, repr(text)
        assert article.slug and article.slug == slugify(article.slug)


NAMES = st.sampled_from(["news/2023-09-27-armenia.md", "post.md", "pages/about.markdown",
                         "2024-02-30-bad-day.md", "tracker/000_1.txt", "x.mdx",
                         "hugo/bundle/index.md", "a/_index.md"])


# --- readers: any bytes ----------------------------------------------------------------------

@given(NAMES, st.binary(max_size=2000))
def test_any_bytes_are_read_cleanly(name, raw):
    assert_read_cleanly(name, raw)


@given(NAMES, st.text(max_size=1500))
def test_any_text_is_read_cleanly(name, text):
    assert_read_cleanly(name, text.encode("utf-8", "surrogatepass"))


# --- readers: hostile text in each format's shape --------------------------------------------

KEYS = st.one_of(st.sampled_from(sorted(KNOWN | ALIASES.keys())),
                 st.text(alphabet=string.ascii_letters + "_- ", min_size=1, max_size=12),
                 st.text(max_size=8))


@st.composite
def dates(draw) -> str:
    """Dates as people write them, real or not: 2023-02-31, year 0, hour 25, month names."""
    year = draw(st.sampled_from([2023, 2024, 1, 9999, 0]) | st.integers(-1, 12000))
    month = draw(st.sampled_from([1, 2, 12]) | st.integers(0, 13))
    day = draw(st.sampled_from([28, 29, 30, 31]) | st.integers(0, 32))
    hour, minute = draw(st.integers(0, 25)), draw(st.integers(0, 61))
    zone = draw(st.sampled_from(["", "Z", " +09:00", "+0900", " UTC", "-23:59", "+99", " GMT"]))
    name = MONTH_NAMES[month - 1] if 1 <= month <= 12 else "Smarch"
    forms = [f"{year:04d}-{month:02d}-{day:02d}", f"{year}-{month}-{day} {hour}:{minute:02d}",
             f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00{zone}",
             f"{day} {name} {year} {hour}:{minute:02d} pm", f"{name[:3]}. {day}, {year}",
             f"Tue, {day} {name[:3]} {year} {hour:02d}:{minute:02d}:00{zone}"]
    return draw(st.sampled_from(forms)) + draw(st.sampled_from(["", "", zone]))


VALUES = st.recursive(
    st.one_of(st.text(max_size=40), dates(), st.integers(), st.booleans(), st.none(),
              st.floats(allow_nan=True), st.dates().map(str)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=8)
BODY = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@given(NAMES, dates(), st.dictionaries(KEYS, VALUES, max_size=8), BODY)
def test_yaml_front_matter_with_any_keys_and_values(name, date, data, body):
    data.setdefault("date", date)
    header = yaml.safe_dump(data, allow_unicode=True, default_flow_style=False) if data else ""
    assert_read_cleanly(name, f"---\n{header}---\n{body}".encode("utf-8", "surrogatepass"))


YAML_LINES = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", KEYS, st.one_of(st.text(max_size=30), dates())),
    st.sampled_from(["date: !!timestamp 2023-02-31", "tags: &a [x, *a]", "a: &a [1]\nb: *a",
                     "title: !!python/object:os.system ls", "date: !!binary aGk=",
                     "x: !!set {a, b}", "<<: {a: 1}", "title: [[[[[[[[[[", "title: '",
                     "date: 2023-02-31", "date: 2023-02-31 25:61:00", "- a", "? [a]\n: b",
                     "title: !custom x", "tags: {a: [b, {c: d}]}", "id: !!int 0x1F",
                     "date: 99999-01-01", "date: 0000-00-00", "title: \"\\ud800\""]),
    st.text(max_size=40))


@given(NAMES, st.lists(YAML_LINES, max_size=8), st.sampled_from(["---", "+++"]), BODY)
def test_front_matter_lines_of_any_kind(name, lines, fence, body):
    text = f"{fence}\n" + "\n".join(lines) + f"\n{fence}\n{body}"
    assert_read_cleanly(name, text.encode("utf-8", "surrogatepass"))


PELICAN_LINES = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", KEYS, st.one_of(st.text(max_size=40), dates())),
    st.builds(lambda v: f"Date: {v}", dates()),
    st.text(max_size=40))


@given(NAMES, dates(), st.lists(PELICAN_LINES, max_size=10), BODY)
def test_pelican_headers_of_any_kind(name, date, lines, body):
    text = "\n".join([f"Date: {date}", *lines]) + "\n\n" + body
    assert_read_cleanly(name, text.encode("utf-8", "surrogatepass"))


@st.composite
def tracker_exports(draw) -> str:
    """The tracker's sections, each maybe missing, out of order, miscounted or malformed."""
    lines = draw(st.lists(st.text(max_size=60), max_size=4))
    parts = {
        "similar": [f"Similar Readings ({draw(st.integers(0, 10**20))} items)",
                    *draw(st.lists(st.text(max_size=30), max_size=4))],
        "summary": ["Summary", *draw(st.lists(st.text(max_size=60), max_size=3))],
        "statistics": ["Statistics", *draw(st.lists(st.one_of(
            st.integers(0, 10**30).map(str), st.sampled_from(["Words1", "Read Count",
                                                              "Read CountDetails", "1,2,3,"]),
            st.text(max_size=20)), max_size=5))],
        "details": ["Details", f"Date: {draw(dates())}", *draw(st.lists(st.one_of(
            st.builds(lambda k, v: f"{k}: {v}", st.sampled_from(
                ["ID", "Category ID", "URL", "Date", "Created", "Updated", "Last Read"]),
                st.one_of(dates(), st.text(max_size=30))),
            st.builds(lambda k, v: f"{k}: {v}", KEYS, st.text(max_size=20)),
            st.text(max_size=30)), max_size=8))],
    }
    # Details last, as the tracker writes it, but for one time in four: any order.
    order = draw(st.permutations(sorted(parts)))
    if draw(st.integers(0, 3)):
        order = [name for name in order if name != "details"] + ["details"]
    kept = [name for name in order if name == "details" or draw(st.booleans())]
    for name in kept:
        lines += parts[name]
    return "\n".join(lines)


@given(tracker_exports())
def test_tracker_exports_of_any_shape(text):
    assert_read_cleanly("tracker/export.txt", text.encode("utf-8", "surrogatepass"))


# --- slugs, URLs and paths -------------------------------------------------------------------

FIELD_TEXT = st.text(st.characters(codec="utf-8"), max_size=80) | st.sampled_from(
    ["..", ".", "/", "../../etc/passwd", "a/../../b", "\\..\\", "~", "%2e%2e", "CON", "NUL",
     "feed.xml", "static", "page", "index.html", "/tmp/x", "\0", " ", "-", "_", "'’", "ﬁ", "½"]) \
    | st.text(alphabet="./\\a~%-_ \0", max_size=12)  # paths, as a climber would write them


def assert_inside_output(urls: Urls, href: str, output: Path) -> None:
    path = urls.output_path(href)
    parts = path.split("/")
    assert path and not path.startswith("/"), (href, path)
    assert "" not in parts and "." not in parts and ".." not in parts, (href, path)
    assert "\0" not in path and "\\" not in path, (href, path)
    assert all(len(p.encode()) <= 255 for p in parts), (href, path)
    resolved = (output / path).resolve()
    assert resolved.is_relative_to(output), (href, path)
    assert unquote(href) == urls.base_path + path.removesuffix("index.html"), (href, path)


URL_CONFIGS = [make_config(article_permalink=pattern) for pattern in PERMALINKS]


@given(FIELD_TEXT, FIELD_TEXT, FIELD_TEXT, FIELD_TEXT, st.lists(FIELD_TEXT, max_size=3))
def test_any_slug_category_tag_or_id_stays_inside_output(slug, title, category, id_, tags):
    output = Path("/srv/site/output")
    article = finish(source("a.md"), CFG, title=title or "x", slug_hint=slug,
                     category=category or None, id=id_ or None,
                     date=datetime(2023, 9, 27, tzinfo=TOKYO), word_count=1, body_html="",
                     tags=tuple(tags))
    assert article.slug and article.category
    for cfg in URL_CONFIGS:
        urls = Urls.for_config(cfg)
        for href in [urls.article(article), urls.category(article.category),
                     urls.category(article.category, 3), urls.category_feed(article.category),
                     *(urls.tag(slugify(t)) for t in tags if slugify(t)),
                     *(urls.tag_feed(slugify(t)) for t in tags if slugify(t))]:
            assert_inside_output(urls, href, output)


@settings(max_examples=30)
@given(st.lists(st.tuples(FIELD_TEXT, FIELD_TEXT, FIELD_TEXT, st.lists(FIELD_TEXT, max_size=2)),
                min_size=1, max_size=3), st.sampled_from(URL_CONFIGS))
def test_every_planned_page_lands_inside_output(fields, cfg):
    """The whole plan (articles, lists, pages 2+, feeds' folders) of a site whose slugs,
    categories, ids and tags are anything: each page inside output/, and any collision an
    error, never an exception."""
    articles = [finish(source(f"a{n}.md"), cfg, title="x", slug_hint=slug,
                       category=category or None, id=id_ or f"a{n}",
                       date=datetime(2023, 9, 27, tzinfo=TOKYO), word_count=1, body_html="",
                       tags=tuple(tags)) for n, (slug, category, id_, tags) in enumerate(fields)]
    urls = Urls.for_config(cfg)
    site = Site.from_articles(articles, cfg, urls, check=False)
    pages = plan_pages(site, Related({}, (), {}), cfg, urls, check=False)
    errors = path_errors(pages, urls, reserved_paths(site, urls, cfg))
    assert all(isinstance(e, ContentError) for e in errors)
    for page in pages:
        assert_inside_output(urls, page.url, Path("/srv/site/output"))


@given(FIELD_TEXT)
def test_slugs_are_slugs(value):
    for slug in (slugify(value), short_slug(value)):
        assert slug == slugify(slug)  # idempotent: a slug read back is the same slug
        assert not slug.startswith("-") and not slug.endswith("-")
        assert "/" not in slug and "." not in slug and "\0" not in slug
        assert len(slug) <= 100 and len(slug.encode()) <= 200


# --- field text into HTML, XML and JSON ------------------------------------------------------

HOSTILE = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40) | st.sampled_from(
    ["</title><script>alert(1)</script>", "]]>", "&amp;", "\"'><img src=x onerror=1>",
    "</script><!--", "{{ 7*7 }}", "\x00\x1b[31m", "\ud800", "\ufffe", "a\u2028b", "&#0;"])


def expected(value: str) -> str:
    """What a reader keeps of a field: control characters removed, spaces collapsed."""
    return collapse_spaces(strip_controls(value)[0])


class Collector(HTMLParser):
    """Text, start tags and attribute names of a page, with the JSON-LD scripts' text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.json_ld: list[str] = []
        self._in_json = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        self.text.extend(value for _, value in attrs if value)
        self._in_json = tag == "script" and ("type", "application/ld+json") in attrs

    def handle_endtag(self, tag):
        self._in_json = False

    def handle_data(self, data):
        (self.json_ld if self._in_json else self.text).append(data)


def article_page(article: Article, cfg: Config) -> Collector:
    urls = Urls.for_config(cfg)
    site = Site.from_articles([article], cfg, urls)
    pages = [p for p in plan_pages(site, Related({}, (), {}), cfg, urls, check=False)
             if "article" in p.context]
    rendered, errors = render_chunk(pages, RenderJob.of(cfg, site, urls), None)
    assert not errors, errors
    collector = Collector()
    collector.feed(zlib.decompress(rendered[0].data).decode("utf-8"))
    collector.close()
    return collector


def field_article(title: str, summary: str, tags: tuple[str, ...], category: str,
                  authors: tuple[str, ...]) -> Article:
    return finish(source("a.md"), CFG, title=expected(title), slug_hint="a",
                  category=expected(category), id="a", date=datetime(2023, 9, 27, tzinfo=TOKYO),
                  word_count=3, body_html="<p>Body.</p>", summary=expected(summary),
                  teaser=expected(summary), tags=tuple(expected(t) for t in tags),
                  authors=tuple(expected(a) for a in authors))


BENIGN = article_page(field_article("Plain", "Plain summary.", ("tag",), "cat", ("Ann",)), CFG)

# An article whose every text field is hostile (a title and a category that keep some text).
HOSTILE_ARTICLES = st.builds(
    field_article, HOSTILE, HOSTILE, st.lists(HOSTILE, min_size=1, max_size=3).map(tuple),
    HOSTILE, st.lists(HOSTILE, min_size=1, max_size=2).map(tuple),
).filter(lambda article: article.title and article.category)


@settings(max_examples=25)
@given(HOSTILE_ARTICLES)
def test_field_text_round_trips_into_html(article):
    page = article_page(article, CFG)
    # Well-formed: the text made no tag or attribute of its own.
    assert page.tags <= BENIGN.tags, page.tags - BENIGN.tags
    assert page.attributes <= BENIGN.attributes, page.attributes - BENIGN.attributes
    shown = "\n".join(page.text)
    for value in (article.title, article.summary, *article.tags, *article.authors):
        assert value in shown, value
    [ld] = [json.loads(text) for text in page.json_ld]  # a `</script>` in a title ends no script
    assert ld["headline"] == article.title


@settings(max_examples=40)
@given(HOSTILE_ARTICLES)
def test_field_text_round_trips_into_feeds(article):
    urls = Urls.for_config(CFG)
    site = Site.from_articles([article], CFG, urls)
    files = feed_files(site, urls, CFG, FeedsConfig())
    # A tag is shown under its site-wide name (`Economy` and `economy` are one tag).
    tag_names = {xml_text(tag.name) for tag in site.tags}
    category = xml_text(site.category(article.category).name)
    authors = [a for a in (xml_text(name).strip() for name in article.authors) if a]
    atom = "{http://www.w3.org/2005/Atom}"
    for path, data in files.items():
        if not path.endswith(".xml"):
            continue
        root = ET.fromstring(data)
        entry = root.find(f"{atom}entry") if root.tag == f"{atom}feed" \
            else root.find("channel/item")
        assert entry is not None, path
        assert xml_text(article.title) == (entry.findtext(f"{atom}title")
                                           or entry.findtext("title")), path
        labels = {c.get("label") for c in entry.findall(f"{atom}category")} | {
            c.text for c in entry.findall("category")}
        assert tag_names | {category} <= labels, path
    item = json.loads(files["feed.json"])["items"][0]
    assert item["title"] == xml_text(article.title)
    assert tag_names == set(item.get("tags", ()))
    assert item["_digest"]["category"]["name"] == category
    assert [a["name"] for a in item.get("authors", ())] == authors
