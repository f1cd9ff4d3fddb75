"""Reading a feed's bytes: Atom, RSS 2.0 and RSS 1.0 with feedparser, JSON Feed 1.0 and 1.1 with
json (feedparser does not read it). Both give `ParsedFeed`s of entries made by `make_entry`."""

from __future__ import annotations

import html
import io
import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import feedparser

from .. import text
from .normalize import FeedEntry, ParsedFeed, absolute_url, make_entry, parse_feed_date

JSON_FEED_PREFIX = "https://jsonfeed.org/version/1"


class NotAFeed(Exception):
    """The bytes are no feed that Digest can read; the message says what they looked like."""


def parse_feed(body: bytes, content_type: str, url: str) -> ParsedFeed:
    """Any supported format, told apart by its media type and its first character."""
    if looks_like_json(body, content_type):
        return parse_json_feed(body, url)
    return parse_xml_feed(body, content_type, url)


def looks_like_json(body: bytes, content_type: str) -> bool:
    kind = content_type.split(";")[0].strip().lower()
    return kind.endswith("json") or body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse_xml_feed(body: bytes, content_type: str, url: str) -> ParsedFeed:
    headers = {"content-type": content_type or "application/xml", "content-location": url}
    # A stream, never bytes or a string: feedparser takes a string that looks like a URL or a
    # path for one, and opens it.
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers)
    feed_authors = _names(parsed.feed.get("authors", ()))
    entries = []
    for raw in parsed.entries:
        entry = make_entry(
            feed_url=url, base=_detail_base(raw, url), id=raw.get("id"), link=raw.get("link"),
            title=raw.get("title"),
            title_is_html="html" in raw.get("title_detail", {}).get("type", ""),
            published=_feedparser_date(raw, "published"), updated=_feedparser_date(raw, "updated"),
            authors=_names(raw.get("authors", ())) or feed_authors,
            tags=[t.get("label") or t.get("term") for t in raw.get("tags", ())],
            summary_html=_as_html(raw.get("summary_detail"), raw.get("summary")),
            content_html=_best_content(raw.get("content", ())))
        if entry is not None:
            entries.append(entry)
    # A broken feed that still gave entries is read for what it gave, as feed readers do; one
    # that gave none is no feed (an HTML page, an error text, a cut-off download).
    if not entries and (parsed.bozo or not parsed.get("version")):
        problem = parsed.get("bozo_exception")
        raise NotAFeed(f"not a feed ({_short(problem)})" if problem else "not a feed")
    return ParsedFeed(text.collapse_spaces(parsed.feed.get("title", "")), tuple(entries))


def parse_json_feed(body: bytes, url: str) -> ParsedFeed:
    """JSON Feed 1.0 or 1.1 (jsonfeed.org): `author` (1.0) and `authors` (1.1) both read."""
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAFeed(f"not a feed (invalid JSON: {_short(exc)})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
            JSON_FEED_PREFIX) or not isinstance(data.get("items"), list):
        raise NotAFeed("not a feed (JSON, but no JSON Feed version and items)")
    feed_authors = _json_authors(data)
    entries: list[FeedEntry] = []
    for item in data["items"]:
        if not isinstance(item, dict):
            continue
        content = _json_text(item, "content_html")
        if content is None and _json_text(item, "content_text"):
            content = _paragraphs(_json_text(item, "content_text") or "")
        summary = _json_text(item, "summary")
        link = _json_text(item, "url") or _json_text(item, "external_url")
        # Relative URLs in an item's HTML are read against the item's page, which they are
        # part of (the spec names no base); its own URL against the feed's.
        page = absolute_url(link, url) if link else None
        entry = make_entry(
            feed_url=url, base=page or url, id=item.get("id"), link=page,
            title=_json_text(item, "title"), title_is_html=False,
            published=parse_feed_date(item.get("date_published")),
            updated=parse_feed_date(item.get("date_modified")),
            authors=_json_authors(item) or feed_authors,
            tags=[t for t in item.get("tags", ()) if isinstance(t, str)]
            if isinstance(item.get("tags"), list) else (),
            summary_html=f"<p>{html.escape(summary)}</p>" if summary else None,
            content_html=content)
        if entry is not None:
            entries.append(entry)
    return ParsedFeed(text.collapse_spaces(_json_text(data, "title") or ""), tuple(entries))


def _json_text(mapping: dict[str, Any], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _json_authors(mapping: dict[str, Any]) -> list[str]:
    people = mapping.get("authors")
    if not isinstance(people, list):
        people = [mapping.get("author")]
    return [p["name"] for p in people if isinstance(p, dict) and isinstance(p.get("name"), str)]


def _paragraphs(plain: str) -> str:
    blocks = [b.strip() for b in plain.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join(f"<p>{html.escape(b)}</p>" for b in blocks)


def _feedparser_date(raw: Any, key: str) -> datetime | None:
    # The text keeps the publisher's offset; feedparser's `*_parsed` (UTC) reads more formats.
    # dict.get, not raw.get: feedparser answers "published" with "updated" when there is none
    # (and warns), which would make every updated entry look published then.
    exact = parse_feed_date(dict.get(raw, key))
    if exact is not None:
        return exact
    parsed: time.struct_time | None = dict.get(raw, f"{key}_parsed")
    return datetime(*parsed[:6], tzinfo=UTC) if parsed else None


def _detail_base(raw: Any, url: str) -> str:
    """The entry's xml:base (feedparser keeps it per text), else the feed's URL."""
    for detail in [*raw.get("content", ()), raw.get("summary_detail") or {}]:
        if detail.get("base"):
            return detail["base"]
    return url


def _as_html(detail: Any, value: Any) -> str | None:
    if not value:
        return None
    kind = (detail or {}).get("type", "text/html")
    return str(value) if "html" in kind else _paragraphs(str(value))


def _best_content(contents: Iterable[Any]) -> str | None:
    """The HTML version when an entry has several; plain text becomes escaped paragraphs."""
    usable = sorted((c for c in contents if c.get("value")),
                    key=lambda c: "html" not in c.get("type", ""))
    return _as_html(usable[0], usable[0]["value"]) if usable else None


def _names(people: Iterable[Any]) -> list[str]:
    return [p.get("name") or "" for p in people if hasattr(p, "get")]


def _short(problem: object) -> str:
    if hasattr(problem, "getMessage"):
        # An XML syntax error, whose text starts with "<unknown>:line:column", the stream's
        # name and a place that feedparser's own prologue shifts: the message alone is clearer.
        message = f"XML: {problem.getMessage()}"
    else:
        message = text.collapse_spaces(str(problem)) or type(problem).__name__
    return text.shorten(message, 120)
