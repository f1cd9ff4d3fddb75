"""Readwise Reader's CSV (`Title,URL,ID,Document tags,Saved date,Reading progress,Location,
Seen`, and in newer exports `Summary,Author,Published date`): Location is `new`, `later`,
`shortlist`, `archive` or `feed`; Document tags a list such as `['a', 'b']`; Reading progress
a fraction (0.35); Seen `True` or `False`."""

from __future__ import annotations

from datetime import tzinfo

from ..errors import ContentError
from .entry import (
    Entry,
    Input,
    clean,
    csv_rows,
    date_text,
    extra_key,
    list_text,
    percent,
    unique,
    web_url,
)

NAME = "readwise"
CSV_COLUMNS = {"title", "url", "id", "document tags", "saved date", "location"}
_KNOWN = CSV_COLUMNS | {"reading progress", "seen", "summary", "author", "published date"}


def parse(source: Input, tz: tzinfo) -> tuple[list[Entry], list[ContentError]]:
    entries: list[Entry] = []
    problems: list[ContentError] = []
    for line, row in csv_rows(source):
        result = _entry(source, line, row, tz)
        (entries if isinstance(result, Entry) else problems).append(result)
    return entries, problems


def _entry(source: Input, line: int, row: dict[str, str], tz: tzinfo) -> Entry | ContentError:
    url = web_url(row.get("url"))
    if url is None:
        raw = clean(row.get("url"))
        why = "no URL" if not raw else f"not a web address: {raw!r}"
        return ContentError(source.shown, line, f"skipped: {why}")
    dates = {}
    for column in ("saved date", "published date"):
        try:
            dates[column] = date_text(row.get(column), tz)
        except (ValueError, OverflowError, OSError):
            return ContentError(source.shown, line, f"skipped: {column.capitalize()}: cannot "
                                                    f"read {clean(row.get(column))!r} as a date")
    if dates["saved date"] is None and dates["published date"] is None:
        return ContentError(source.shown, line, "skipped: no Saved date")
    location = clean(row.get("location")).lower()
    progress = percent(row.get("reading progress"), fraction=True)
    extra: dict[str, object] = {extra_key(NAME, k): clean(v) for k, v in row.items()
                                if k not in _KNOWN and clean(v)}
    if location:
        extra["readwise_location"] = location
    if progress is not None:
        extra["reading_progress"] = progress
    seen = clean(row.get("seen")).lower()
    if seen in ("true", "false"):
        extra["seen"] = seen == "true"
    if location == "archive":
        status = "archived"
    else:
        status = "read" if (progress or 0) >= 100 else "unread"
    return Entry(
        where=f"{source.shown}:{line}",
        source=NAME,
        url=url,
        title=clean(row.get("title")) or url,
        id=clean(row.get("id")) or None,
        published=dates["published date"],
        saved=dates["saved date"],
        tags=list_text(row.get("document tags")),
        authors=unique([clean(row.get("author"))]),
        status=status,
        summary=clean(row.get("summary")) or None,
        extra=extra,
    )
