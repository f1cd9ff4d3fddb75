"""The reading tracker's `.txt` export, parsed by the reader's own parser (readers/export.py)."""

from __future__ import annotations

from datetime import tzinfo

from ..errors import ContentError
from ..readers import export
from .entry import RESERVED, Entry, Input, extra_key, field_key

NAME = "tracker"


def looks_like(text: str) -> bool:
    """A Details section with tracker keys, or the tracker's other section headers."""
    lines = [line.strip() for line in text.split("\n")]
    headers = any(line == "Statistics" or line.startswith("Similar Readings (") for line in lines)
    details = any(line == "Details" or line.endswith("CountDetails") for line in lines)
    keys = any(line.startswith(("ID:", "URL:", "Category ID:")) for line in lines)
    return (details and keys) or (headers and keys)


def parse(source: Input, tz: tzinfo) -> tuple[list[Entry], list[ContentError]]:
    result = export.parse(source.text, source.shown, tz)
    parsed = result.export
    if parsed is None:
        problems = result.errors or result.warnings
        return [], [ContentError(e.path, e.line, e.message if e.message.startswith("skipped: ")
                                 else f"skipped: {e.message}") for e in problems]
    details = parsed.details
    # Keys the reader keeps in `article.extra`: written under the same names, unless a name
    # would mean something else in front matter.
    extra: dict[str, object] = {}
    for key, value in parsed.extra.items():
        plain = field_key(key) == key and key not in RESERVED
        extra[key if plain else extra_key(NAME, key)] = value
    if parsed.word_count is not None:
        extra["export_word_count"] = parsed.word_count
    entry = Entry(
        where=source.shown,
        source=NAME,
        # The export has none: written as the reader derives it for the .txt, since the
        # Markdown reader would derive it from the finished summary, which can differ.
        title=parsed.title,
        url=details.get("url") or None,
        id=details.get("id") or None,
        published=parsed.date,
        saved=parsed.dates.get("created"),
        updated=parsed.dates.get("updated"),
        last_read=parsed.dates.get("last read"),
        status=None if parsed.read_count is None else "read" if parsed.read_count else "unread",
        summary=parsed.summary or None,
        paragraphs=parsed.paragraphs,
        similar=parsed.similar,
        read_count=parsed.read_count,
        category=details.get("category id") or None,
        extra=extra,
    )
    return [entry], []
