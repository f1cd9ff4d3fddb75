"""Which export a file is, told from its content (never its name), and the parser for it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import tzinfo
from html.parser import HTMLParser

from ..errors import ContentError
from . import bookmarks, instapaper, omnivore, pocket, readwise, tracker
from .entry import Entry, Input

Parser = Callable[[Input, tzinfo], tuple[list[Entry], list[ContentError]]]

# Format name -> parser. "pocket" has two: its CSV and its older HTML page.
PARSERS: dict[str, Parser] = {
    "tracker": tracker.parse,
    "pocket-csv": pocket.parse_csv,
    "pocket-html": pocket.parse_html,
    "instapaper": instapaper.parse,
    "omnivore": omnivore.parse,
    "readwise": readwise.parse,
    "bookmarks": bookmarks.parse,
}
SNIFF_CHARS = 1 << 16  # enough of an HTML file to see its doctype, title and first links


def detect(text: str) -> str | None:
    """The format's key in PARSERS, or None when the text is no export we know."""
    head = text.lstrip()
    if head.startswith("["):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return "omnivore" if omnivore.looks_like(data) else None
    if head.startswith("<"):
        kind = _html_kind(text[:SNIFF_CHARS])
        if kind:
            return kind
    kind = _csv_kind(head.split("\n", 1)[0])
    if kind:
        return kind
    return "tracker" if tracker.looks_like(text) else None


def category_name(kind: str) -> str:
    """The category an import goes to by default: the format's name (pocket for both)."""
    return kind.split("-", 1)[0]


def _csv_kind(first_line: str) -> str | None:
    try:
        header = {cell.strip().lower() for cell in next(csv.reader(io.StringIO(first_line)), [])}
    except csv.Error:
        return None
    if readwise.CSV_COLUMNS <= header:
        return "readwise"
    if instapaper.CSV_COLUMNS <= header:
        return "instapaper"
    if pocket.CSV_COLUMNS <= header:
        return "pocket-csv"
    return None


def _html_kind(head: str) -> str | None:
    sniffer = _Sniffer()
    sniffer.feed(head)
    if sniffer.doctype.strip().lower() == bookmarks.DOCTYPE:
        return "bookmarks"
    if pocket.looks_like_html(sniffer.tags, sniffer.attributes, sniffer.title.strip()):
        return "pocket-html"
    if "dt" in sniffer.tags and "add_date" in sniffer.attributes:
        return "bookmarks"  # a bookmark file whose writer left the doctype out
    return None


class _Sniffer(HTMLParser):
    """Counts tags and attribute names, and keeps the doctype and the <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = ""
        self.title = ""
        self.tags: dict[str, int] = {}
        self.attributes: set[str] = set()
        self._in_title = False

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype"):
            self.doctype = decl[len("doctype"):]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] = self.tags.get(tag, 0) + 1
        self.attributes.update(name for name, _ in attrs)
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
