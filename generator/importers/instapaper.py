"""Instapaper's CSV (`URL,Title,Selection,Folder,Timestamp,Tags`): Folder is `Unread`,
`Archive` or a folder of the user's; Timestamp is Unix seconds; Tags a list such as
`["a","b"]` (older exports have neither Timestamp nor Tags)."""

from __future__ import annotations

from datetime import tzinfo

from ..errors import ContentError
from .entry import (
    Entry,
    Input,
    clean,
    csv_rows,
    extra_key,
    list_text,
    paragraphs_of,
    unix_time,
    web_url,
)

NAME = "instapaper"
CSV_COLUMNS = {"url", "title", "selection", "folder"}
_KNOWN = CSV_COLUMNS | {"timestamp", "tags"}


def parse(source: Input, tz: tzinfo) -> tuple[list[Entry], list[ContentError]]:
    entries: list[Entry] = []
    problems: list[ContentError] = []
    for line, row in csv_rows(source):
        result = _entry(source, line, row)
        (entries if isinstance(result, Entry) else problems).append(result)
    return entries, problems


def _entry(source: Input, line: int, row: dict[str, str]) -> Entry | ContentError:
    url = web_url(row.get("url"))
    if url is None:
        raw = clean(row.get("url"))
        why = "no URL" if not raw else f"not a web address: {raw!r}"
        return ContentError(source.shown, line, f"skipped: {why}")
    stamp = row.get("timestamp", "").strip()
    if not stamp:
        return ContentError(source.shown, line, "skipped: no Timestamp (no date to give it)")
    try:
        saved = unix_time(stamp)
    except (ValueError, OverflowError, OSError):
        return ContentError(source.shown, line,
                            f"skipped: Timestamp: cannot read {stamp!r} as a Unix time")
    folder = clean(row.get("folder"))
    extra: dict[str, object] = {extra_key(NAME, k): clean(v) for k, v in row.items()
                                if k not in _KNOWN and clean(v)}
    if folder:
        extra["folder"] = folder
    selection = paragraphs_of(row.get("selection"))
    return Entry(
        where=f"{source.shown}:{line}",
        source=NAME,
        url=url,
        title=clean(row.get("title")) or url,
        saved=saved,
        tags=list_text(row.get("tags")),
        # A folder of the user's holds articles taken out of Unread, not archived ones.
        status="archived" if folder.lower() == "archive" else "unread",
        summary=" ".join(selection) or None,
        extra=extra,
    )
