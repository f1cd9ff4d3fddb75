"""What every importer produces: one Entry per saved article. Rows that cannot be imported are
ContentErrors naming file and line, reported as warnings."""

from __future__ import annotations

import ast
import csv
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..dates import parse_date
from ..errors import ContentError
from ..readers.meta import ALIASES, KNOWN

STATUSES = ("read", "unread", "archived")

# Front-matter keys `digest import` writes itself. An extra key spelled like one of these, or
# like a key the reader understands, is written with the format's name in front instead.
WRITTEN = frozenset({
    "saved", "reading_status", "reading_progress", "folder", "thumbnail", "seen",
    "export_word_count", "imported_from", "import_hash",
})
RESERVED = frozenset(KNOWN) | frozenset(ALIASES) | WRITTEN | {"modified", "created"}

# Characters that YAML cannot carry in a quoted scalar, or that no reader wants in a title:
# control characters but tab and newline, lone surrogates, and the two non-characters.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Input:
    """One export file, read: how messages name it, and its text."""

    path: Path
    shown: str
    text: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One saved article as an export describes it, every field kept, in Digest's terms."""

    where: str  # file:line of the row, for messages
    source: str  # the format's name: tracker, pocket, instapaper, omnivore, readwise, bookmarks
    url: str | None = None
    title: str | None = None
    id: str | None = None
    published: datetime | None = None
    saved: datetime | None = None
    updated: datetime | None = None
    last_read: datetime | None = None
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    status: str | None = None  # one of STATUSES
    summary: str | None = None
    paragraphs: tuple[str, ...] = ()  # a plain-text body, a paragraph each
    html: str | None = None  # an HTML body (sanitized when written)
    similar: tuple[str, ...] = ()
    read_count: int | None = None
    category: str | None = None  # the export's own category (the tracker's Category ID)
    extra: dict[str, Any] = field(default_factory=dict, hash=False)  # more front matter

    @property
    def date(self) -> datetime | None:
        """The article's date: when it was published, else when it was saved."""
        return self.published or self.saved


def clean(value: object) -> str:
    """Text as a title or a tag may carry it: no control characters, spaces collapsed."""
    if value is None:
        return ""
    text = str(value)
    if text.isascii():  # most fields: no normalizing to do, only controls to drop
        return " ".join(_UNWANTED.sub("", text).split())
    text = unicodedata.normalize("NFC", text).replace("\u2028", " ").replace("\u2029", " ")
    return " ".join(_UNWANTED.sub("", text).split())


def clean_lines(value: object) -> str:
    """Like `clean`, but keeps line breaks: for bodies and selections with paragraphs."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(clean(line) for line in text.split("\n")).strip("\n")


def paragraphs_of(value: object) -> tuple[str, ...]:
    """Paragraphs of a plain-text body: lines, without empty ones."""
    return tuple(line for line in clean_lines(value).split("\n") if line)


def field_key(name: str) -> str:
    """A field's name as a front-matter key: `Reading progress`, `readingProgress` ->
    `reading_progress`."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", clean(spaced).lower()).strip("_") or "field"


def extra_key(source: str, name: str) -> str:
    """The key for a field Digest has no name for: the format's name first (`pocket_cursor`),
    so that it never means anything to the reader."""
    return f"{source}_{field_key(name)}"


def web_url(value: str | None) -> str | None:
    """An http(s) address, or None: a `javascript:` or `place:` link is no article's source."""
    url = clean(value)
    parts = urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def csv_rows(source: Input) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) for each CSV record, keys lower-cased; the line is where the record starts."""
    reader = csv.reader(io.StringIO(source.text))
    try:
        header = [name.strip().lower() for name in next(reader, [])]
        start = reader.line_num + 1
        for record in reader:
            if any(cell.strip() for cell in record):
                yield start, dict(zip(header, record + [""] * (len(header) - len(record))))
            start = reader.line_num + 1
    except csv.Error as exc:
        error = ContentError(source.shown, reader.line_num, f"cannot read CSV: {exc}")
        raise InputError(error) from None


class InputError(Exception):
    """An input that could not be read at all (not one bad row): `digest import` exits 1."""

    def __init__(self, error: ContentError) -> None:
        super().__init__(str(error))
        self.error = error


def unix_time(value: str) -> datetime:
    """A Unix timestamp in seconds (or milliseconds, microseconds) as a UTC datetime."""
    number = float(value.strip())
    while abs(number) > 1e11:  # milliseconds or microseconds since 1970
        number /= 1000
    return datetime.fromtimestamp(number, UTC)


def date_text(value: str | None, tz: tzinfo) -> datetime | None:
    """An ISO 8601 or written-out date, or None for an empty value. Raises ValueError."""
    value = (value or "").strip()
    if not value:
        return None
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return unix_time(value)
    return parse_date(value, tz)


def list_text(value: str | None) -> tuple[str, ...]:
    """Tags written as a list literal (`["a","b"]`, `['a', 'b']`, `[]`) or comma-separated."""
    value = (value or "").strip()
    if not value:
        return ()
    items: Any = None
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            try:
                items = ast.literal_eval(value)  # Python's repr of a list: single quotes
            except (ValueError, SyntaxError):
                items = value.strip("[]").split(",")
    if not isinstance(items, (list, tuple)):
        items = value.split(",")
    return unique(clean(str(item)).strip("'\"") for item in items)


def unique(items: Any) -> tuple[str, ...]:
    """Non-empty items, each once, in their first order."""
    return tuple(dict.fromkeys(item for item in items if item))


def percent(value: object, fraction: bool) -> float | int | None:
    """Reading progress as a percentage; `fraction` when the export writes 0-1 (0.35 is 35)."""
    text = str(value if value is not None else "").strip().rstrip("%")
    try:
        number = float(text)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    result = round(number * (100 if fraction else 1), 4)
    return int(result) if result == int(result) else result
