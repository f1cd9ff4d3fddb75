"""Atom, RSS and JSON feeds of the newest articles: for the site, and in Atom per category and tag.

Feeds are bytes made only from content and config, never from the clock, so two builds of the
same content give the same files. Every string that reaches a feed passes through `xml_text`
(drops what XML 1.0 cannot carry) and is written by ElementTree or json, never pasted into markup.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit

import nh3

from .config import Config, FeedsConfig
from .fingerprints import fingerprint
from .markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from .model import Article, Category, Tag
from .text import slugify

if TYPE_CHECKING:
    from .site import Site
    from .urls import Urls

ATOM_NS = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# A site with no articles still gets valid feeds; Atom requires an `updated`, and the clock
# is not allowed to supply one: SOURCE_DATE_EPOCH does when it is set, else this.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The authority of entry ids that are not UUIDs. It names the generator rather than a host, so
# ids survive a change of base_url (see `entry_id`).
TAG_AUTHORITY = "digest"

# Everything outside XML 1.0's Char production, plus DEL and the C1 controls, which XML allows
# but which are never text in a news article and trip up some readers.
_NOT_XML_CHAR = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CANONICAL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
                             re.IGNORECASE)
# RFC 4151's `specific` part allows pchar, "/" and "?"; anything else in an id is %-encoded.
_TAG_SPECIFIC_SAFE = "/?:@!$&'()*+,;=-._~"
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})


def xml_text(value: str) -> str:
    """The text with every character XML 1.0 cannot carry dropped (lone surrogates included).

    `]]>`, `<` and `&` need no treatment here: ElementTree escapes them, and we write no CDATA.
    """
    return _NOT_XML_CHAR.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def entry_id(article: Article) -> str:
    """`urn:uuid:{id}` for a UUID id; otherwise `tag:digest,{date}:{id}` (RFC 4151).

    The tag URI is made of the article's own id and the UTC day of its publication, never of
    base_url, so it does not change when the site moves; UTC, because readers convert dates to
    the site's time zone and a change of `timezone` must not move an id to another day. A tag
    URI needs an authority; "digest" names the generator. The day keeps apart two articles that
    reuse an id years apart. An article whose date is corrected gets a new id: readers show it
    again, the lesser evil.
    """
    if _CANONICAL_UUID.match(article.id):
        return f"urn:uuid:{article.id.lower()}"
    day = article.date.astimezone(UTC).date().isoformat()
    return f"tag:{TAG_AUTHORITY},{day}:{quote(xml_text(article.id), safe=_TAG_SPECIFIC_SAFE)}"


def modified(article: Article) -> datetime:
    """When the article last changed: its `updated` date, never earlier than its `date`."""
    if article.updated is not None and article.updated > article.date:
        return article.updated
    return article.date


def rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Entry:
    """One article as every feed format shows it: clean text, absolute URLs, final dates."""

    id: str
    url: str
    title: str
    published: datetime
    updated: datetime
    summary: str  # plain text
    content_html: str | None  # sanitized, links absolute; only when feeds.content is "full"
    authors: tuple[str, ...]
    category: Category
    tags: tuple[Tag, ...]
    source_url: str | None


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed before it is written in a format: what it is about and its newest entries."""

    title: str
    description: str
    author: str  # the site's title: Atom needs an author for entries that name none
    page_url: str  # absolute: the HTML page the feed mirrors
    self_url: str  # absolute
    entries: tuple[Entry, ...]
    empty_updated: datetime = EPOCH  # `updated` of a feed with no entries

    @property
    def updated(self) -> datetime:
        """The newest entry's date, so the same content always gives the same feed."""
        return max((e.updated for e in self.entries), default=self.empty_updated)


def absolute_html(body_html: str, page_url: str) -> str:
    """The body sanitized as article bodies are, with every link and image URL made absolute.

    Relative URLs resolve against the article's own page, as a browser showing it would.
    """
    def rewrite(_tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        try:
            return urljoin(page_url, value.strip())
        except ValueError:  # an unparseable URL (e.g. "http://[x") is dropped, not guessed at
            return None

    cleaned = nh3.clean(xml_text(body_html), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                        attribute_filter=rewrite, link_rel="noopener",
                        filter_style_properties={"text-align"})
    return xml_text(cleaned)  # the parser turns character references into characters


def make_entry(article: Article, site: Site, urls: Urls, feeds: FeedsConfig,
               tag_index: dict[str, Tag]) -> Entry:
    """The article as feeds show it; its tags are the site's, under their canonical names."""
    url = urls.absolute(urls.article(article))
    tags: list[Tag] = []
    for name in article.tags:
        tag = tag_index.get(slugify(name))
        if tag is not None and tag not in tags:
            tags.append(tag)
    return Entry(
        id=entry_id(article),
        url=url,
        title=xml_text(article.title),
        published=article.date,
        updated=modified(article),
        summary=xml_text(article.summary),
        content_html=absolute_html(article.body_html, url) if feeds.content == "full" else None,
        authors=tuple(a for a in (xml_text(n).strip() for n in article.authors) if a),
        category=site.category(article.category),
        tags=tuple(tags),
        source_url=_web_url(article.source_url),
    )


def _web_url(value: str | None) -> str | None:
    """An http(s) URL as given, or None: a feed must not link a reader to javascript: and kin."""
    if not value:
        return None
    try:
        scheme = urlsplit(value.strip()).scheme
    except ValueError:
        return None
    return xml_text(value.strip()) if scheme in ("http", "https") else None


@dataclass(frozen=True, slots=True)
class _Planned:
    """A feed before its entries are made: its header, and the articles it carries."""

    title: str
    subtitle: str
    author: str
    home: str
    self_url: str
    articles: tuple[Article, ...]
    empty_updated: datetime | None = None


def _plan(site: Site, urls: Urls, cfg: Config, feeds: FeedsConfig,
          empty_updated: datetime) -> dict[str, _Planned]:
    title = xml_text(cfg.title)
    planned = {urls.feed(): _Planned(title, xml_text(cfg.description) or title, title,
                                     urls.absolute(urls.home()), urls.absolute(urls.feed()),
                                     site.articles[: feeds.limit], empty_updated)}
    for category in site.categories:
        href = urls.category_feed(category.id)
        name = xml_text(category.name)
        planned[href] = _Planned(f"{title}: {name}", xml_text(category.description) or name,
                                 title, urls.absolute(urls.category(category.id)),
                                 urls.absolute(href), site.by_category[category.id][: feeds.limit])
    for tag in site.tags:
        href = urls.tag_feed(tag.slug)
        name = xml_text(tag.name)
        planned[href] = _Planned(f"{title}: {name}", f"Articles tagged “{name}”", title,
                                 urls.absolute(urls.tag(tag.slug)), urls.absolute(href),
                                 site.by_tag[tag.slug][: feeds.limit])
    return planned


def plan_feeds(site: Site, urls: Urls, cfg: Config, feeds: FeedsConfig,
               empty_updated: datetime = EPOCH) -> dict[str, Feed]:
    """Every feed by its href: the site's, then one per category and one per tag. Only the
    site's can be empty (a site with no articles): it is then dated `empty_updated`."""
    make = _entry_maker(site, urls, feeds)
    return {href: _feed(p, make) for href, p in _plan(site, urls, cfg, feeds,
                                                       empty_updated).items()}


def _entry_maker(site: Site, urls: Urls, feeds: FeedsConfig) -> Callable[[Article], Entry]:
    """Entries by article: an article is in several feeds; its text is cleaned only once."""
    tag_index = {t.slug: t for t in site.tags}
    made: dict[str, Entry] = {}

    def make(article: Article) -> Entry:
        if article.id not in made:
            made[article.id] = make_entry(article, site, urls, feeds, tag_index)
        return made[article.id]

    return make


def _feed(planned: _Planned, make: Callable[[Article], Entry]) -> Feed:
    entries = tuple(make(a) for a in planned.articles)
    if planned.empty_updated is None:
        return Feed(planned.title, planned.subtitle, planned.author, planned.home,
                    planned.self_url, entries)
    return Feed(planned.title, planned.subtitle, planned.author, planned.home,
                planned.self_url, entries, planned.empty_updated)


def feed_files(site: Site, urls: Urls, cfg: Config, feeds: FeedsConfig,
               memo: dict[str, bytes] | None = None,
               empty_updated: datetime = EPOCH) -> dict[str, bytes]:
    """Output path -> bytes of feed.xml, rss.xml, feed.json, and each category's and tag's Atom.

    `memo` keeps each feed's bytes by a key of what it is made from (its header, and what it
    shows of each article it carries), between builds: after one edit, only the feeds that
    carry the edited article are made again, and the others' entries are not even made.
    """
    planned = _plan(site, urls, cfg, feeds, empty_updated)
    schemes = (urls.absolute(urls.categories()), urls.absolute(urls.tags()))
    language = xml_text(cfg.language)
    make = _entry_maker(site, urls, feeds)
    previous = dict(memo or {})
    if memo is not None:
        memo.clear()
    # What every entry shows besides its article: sources' and tags' names, the site's URLs.
    common = fingerprint(language, schemes, feeds, site.categories, site.tags, urls.base_url)

    def made(kind: str, href: str, build: Callable[[], bytes]) -> bytes:
        if memo is None:
            return build()
        planned_feed = planned[urls.feed() if kind != "atom" else href]
        shown = "".join(_shown(a, feeds) for a in planned_feed.articles)
        key = fingerprint(kind, common, href, _header(planned_feed), shown)
        data = memo[key] = previous.get(key) or build()
        return data

    entries: dict[str, str] = {}
    files = {urls.output_path(href): made("atom", href, lambda p=p: atom_feed(
        _feed(p, make), language, schemes, entries)) for href, p in planned.items()}
    whole = planned[urls.feed()]
    files[urls.output_path(urls.rss())] = made("rss", urls.rss(), lambda: rss_feed(
        _with_self(_feed(whole, make), urls.absolute(urls.rss())), language, schemes))
    files[urls.output_path(urls.json_feed())] = made("json", urls.json_feed(), lambda: json_feed(
        _with_self(_feed(whole, make), urls.absolute(urls.json_feed())), language))
    return files


def _header(planned: _Planned) -> tuple:
    return (planned.title, planned.subtitle, planned.author, planned.home, planned.self_url,
            planned.empty_updated if not planned.articles else None)


def _shown(article: Article, feeds: FeedsConfig) -> str:
    """What an entry is made of: an article's card (all but its body), with the body in full
    mode; an article made without them (in a test) by all it holds."""
    key = article.fingerprint if feeds.content == "full" else article.card
    return key or repr(article)


def _with_self(feed: Feed, self_url: str) -> Feed:
    return replace(feed, self_url=self_url)


def xml_document(root: ET.Element) -> bytes:
    """The element as an indented UTF-8 document with its XML declaration."""
    ET.indent(root, space="  ")
    return (b'<?xml version="1.0" encoding="utf-8"?>\n'
            + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(feed: Feed, language: str, schemes: tuple[str, str],
              entries: dict[str, str] | None = None) -> bytes:
    """Atom 1.0 (RFC 4287). The site's title is the feed's author, so every entry has one.

    An article is an entry of several feeds (the site's, its source's, each tag's) with the
    same bytes: `entries` keeps each entry's XML by its id, so it is serialized once a build.
    """
    # The namespace is written as a plain attribute: ElementTree's register_namespace is global.
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": language})
    _sub(root, "title", feed.title)
    _sub(root, "subtitle", feed.description)
    _sub(root, "id", feed.self_url)
    _sub(root, "updated", rfc3339(feed.updated))
    _sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    _sub(root, "link", rel="alternate", type="text/html", href=feed.page_url)
    _sub(_sub(root, "author"), "name", feed.author)
    _sub(root, "generator", "Digest")
    document = xml_document(root)
    if not feed.entries:
        return document
    known = {} if entries is None else entries
    items = []
    for entry in feed.entries:
        if entry.id not in known:
            known[entry.id] = _atom_entry(entry, schemes)
        items.append(known[entry.id])
    # What ET.indent would make of the whole tree: each entry at depth 1, then the end tag.
    head = document.removesuffix(b"\n</feed>\n")
    return head + "".join("\n  " + item for item in items).encode("utf-8") + b"\n</feed>\n"


def _atom_entry(entry: Entry, schemes: tuple[str, str]) -> str:
    """One <entry>, indented as a child of <feed>: the bytes ElementTree's `indent` and
    `tostring` give, written directly (ElementTree took two thirds of the feeds stage; the
    equality is tested against it)."""
    category_scheme, tag_scheme = schemes
    children = [xml_element("title", entry.title),
                xml_element("link", rel="alternate", type="text/html", href=entry.url)]
    if entry.source_url:
        children.append(xml_element("link", rel="via", href=entry.source_url))
    children += [xml_element("id", entry.id), xml_element("published", rfc3339(entry.published)),
                 xml_element("updated", rfc3339(entry.updated))]
    children += [f"<author>\n      {xml_element('name', name)}\n    </author>"
                 for name in entry.authors]
    children.append(xml_element("category", term=entry.category.id, scheme=category_scheme,
                             label=xml_text(entry.category.name)))
    children += [xml_element("category", term=tag.slug, scheme=tag_scheme, label=xml_text(tag.name))
                 for tag in entry.tags]
    if entry.summary:
        children.append(xml_element("summary", entry.summary))
    if entry.content_html is not None:
        children.append(xml_element("content", entry.content_html, type="html"))
    return "<entry>\n    " + "\n    ".join(children) + "\n  </entry>"


def xml_element(tag: str, text: str | None = None, **attributes: str) -> str:
    """An element without children as ElementTree writes it (feeds and the sitemap): escaped as it escapes, and
    `<tag ... />` when it has no text."""
    attrs = "".join(f' {name}="{_escape_attribute(value)}"' for name, value in attributes.items())
    if not text:
        return f"<{tag}{attrs} />"
    return f"<{tag}{attrs}>{_escape_text(text)}</{tag}>"


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attribute(text: str) -> str:
    return (_escape_text(text).replace('"', "&quot;").replace("\r", "&#13;")
            .replace("\n", "&#10;").replace("\t", "&#09;"))


def rss_feed(feed: Feed, language: str, schemes: tuple[str, str]) -> bytes:
    """RSS 2.0. Authors go in dc:creator, since RSS's own <author> must be an e-mail address."""
    root = ET.Element("rss", {"version": "2.0", "xmlns:atom": ATOM_NS,
                              "xmlns:dc": "http://purl.org/dc/elements/1.1/"})
    channel = _sub(root, "channel")
    _sub(channel, "title", feed.title)
    _sub(channel, "link", feed.page_url)
    _sub(channel, "description", feed.description)
    _sub(channel, "language", language)
    _sub(channel, "lastBuildDate", format_datetime(feed.updated))
    _sub(channel, "generator", "Digest")
    _sub(channel, "atom:link", rel="self", type="application/rss+xml", href=feed.self_url)
    category_scheme, tag_scheme = schemes
    for entry in feed.entries:
        item = _sub(channel, "item")
        _sub(item, "title", entry.title)
        _sub(item, "link", entry.url)
        _sub(item, "guid", entry.id, isPermaLink="false")
        _sub(item, "pubDate", format_datetime(entry.published))
        # <description> is HTML to RSS readers: a plain summary is escaped once more for them.
        description = entry.content_html
        if description is None:
            description = html.escape(entry.summary, quote=False)
        _sub(item, "description", description)
        for name in entry.authors:
            _sub(item, "dc:creator", name)
        _sub(item, "category", xml_text(entry.category.name), domain=category_scheme)
        for tag in entry.tags:
            _sub(item, "category", xml_text(tag.name), domain=tag_scheme)
    return xml_document(root)


def json_feed(feed: Feed, language: str) -> bytes:
    """JSON Feed 1.1. The source (category) has no field of its own: it goes in `_digest`."""
    items = []
    for entry in feed.entries:
        item: dict[str, Any] = {"id": entry.id, "url": entry.url}
        if entry.source_url:
            item["external_url"] = entry.source_url
        item["title"] = entry.title
        if entry.content_html is not None:
            item["content_html"] = entry.content_html
        else:
            item["content_text"] = entry.summary
        if entry.summary:
            item["summary"] = entry.summary
        item["date_published"] = rfc3339(entry.published)
        item["date_modified"] = rfc3339(entry.updated)
        if entry.authors:
            item["authors"] = [{"name": name} for name in entry.authors]
        if entry.tags:
            item["tags"] = [xml_text(tag.name) for tag in entry.tags]
        item["_digest"] = {"category": {"id": entry.category.id,
                                        "name": xml_text(entry.category.name)}}
        items.append(item)
    document = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.page_url,
        "feed_url": feed.self_url,
        "description": feed.description,
        "language": language,
        "authors": [{"name": feed.author}],
        "items": items,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
