"""One shape for every feed entry, whatever the format it came in (see `formats`).

`make_entry` gives each entry an id (the feed's, else one made from its link, else from its
title and the feed), absolute http(s) links, dates with the publisher's offset, plain-text title
and summary, and content sanitized by Digest's rules with its links made absolute.
"""

from __future__ import annotations

import email.utils
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3

from .. import text
from ..markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

SUMMARY_WORDS = 55  # a longer summary (a full RSS description) is cut to this, as Digest does
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})


@dataclass(frozen=True, slots=True)
class FeedEntry:
    id: str
    title: str  # plain text
    link: str | None  # absolute http(s) URL of the entry's page
    published: datetime | None  # timezone-aware; None when the feed gives no date at all
    updated: datetime | None  # only when later than `published`
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str  # plain text
    content_html: str  # sanitized with Digest's rules, links absolute


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    entries: tuple[FeedEntry, ...]


def make_entry(
    *, feed_url: str, base: str, id: Any, link: Any, title: Any, title_is_html: bool,
    published: datetime | None, updated: datetime | None, authors: Iterable[Any],
    tags: Iterable[Any], summary_html: str | None, content_html: str | None,
) -> FeedEntry | None:
    """One normalized entry; None for an entry with nothing to show (no title, text or link).
    `base` is what relative URLs are read against: the entry's xml:base, else the feed's URL."""
    link = absolute_url(str(link), base) if link else None
    # Control characters are never text: removed here, as the readers remove them.
    summary_html, content_html = _no_controls(summary_html), _no_controls(content_html)
    body = clean_html(content_html or summary_html or "", base)
    plain = text.html_to_text(body)
    summary = text.html_to_text(summary_html) if summary_html else plain
    summary = text.excerpt(summary, SUMMARY_WORDS)
    title_text = _no_controls(str(title or ""))
    title_text = text.html_to_text(title_text) if title_is_html else text.collapse_spaces(title_text)
    if not title_text and not plain and not link:
        return None
    title_text = title_text or text.derive_title(summary, [plain])
    entry_id = text.collapse_spaces(_no_controls(str(id))) if id not in (None, "") else ""
    later = updated if published and updated and updated > published else None
    return FeedEntry(
        id=entry_id or stable_id(feed_url, link, title_text, plain),
        title=title_text,
        link=link,
        published=published or updated,
        updated=later,
        authors=_unique(authors),
        tags=_unique(tags),
        summary=summary,
        content_html=body,
    )


def stable_id(feed_url: str, link: str | None, title: str, body: str) -> str:
    """The id of an entry that has none: its link, which is what identifies it to people; else
    the feed's URL and a hash of its title (or text), stable for as long as the title is."""
    if link:
        return link
    digest = hashlib.sha256((title or body).encode("utf-8")).hexdigest()[:16]
    return f"{feed_url}#{digest}"


def absolute_url(url: str, base: str) -> str | None:
    """The URL made absolute against `base`; None unless it is http(s) then."""
    joined = urljoin(base, url.strip())
    return joined if urlsplit(joined).scheme in ("http", "https") else None


def clean_html(fragment: str, base: str) -> str:
    """Sanitized with the rules article bodies follow, href/src/cite made absolute."""
    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute in _URL_ATTRIBUTES:
            return urljoin(base, value.strip())
        return value

    cleaner = nh3.Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, link_rel="noopener",
                          filter_style_properties={"text-align"}, attribute_filter=absolute)
    return cleaner.clean(fragment).strip()


def parse_feed_date(value: Any) -> datetime | None:
    """RFC 822 (RSS) or RFC 3339 (Atom, JSON Feed), keeping the publisher's offset; a date with
    no offset is taken as UTC, as RFC 822's "-0000" says. None when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _unique(values: Iterable[Any]) -> tuple[str, ...]:
    result: list[str] = []
    for value in values:
        cleaned = text.collapse_spaces(_no_controls(str(value or "")))
        if cleaned and cleaned not in result:
            result.append(cleaned)
    return tuple(result)


def _no_controls(value: str | None) -> str | None:
    return text.strip_controls(value)[0] if value else value
