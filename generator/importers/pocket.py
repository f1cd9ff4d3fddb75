"""Pocket's exports: the CSV of 2024-2025 (`title,url,time_added,cursor,tags,status`, tags
split by `|`, time_added in Unix seconds) and the older HTML page (`<h1>Unread</h1>` and
`<h1>Read Archive</h1>`, each over a list of `<a href time_added tags="a,b">`)."""

from __future__ import annotations

from datetime import tzinfo
from html.parser import HTMLParser

from ..errors import ContentError
from .entry import Entry, Input, clean, csv_rows, extra_key, unique, unix_time, web_url

NAME = "pocket"
CSV_COLUMNS = {"title", "url", "time_added"}
_STATUS = {"unread": "unread", "archive": "archived", "archived": "archived", "read": "read"}
_SECTION_STATUS = {"unread": "unread", "read archive": "archived"}


def parse_csv(source: Input, tz: tzinfo) -> tuple[list[Entry], list[ContentError]]:
    entries: list[Entry] = []
    problems: list[ContentError] = []
    for line, row in csv_rows(source):
        known = {"title", "url", "time_added", "tags", "status"}
        extra = {extra_key(NAME, k): clean(v) for k, v in row.items() if k not in known and clean(v)}
        tags = unique(clean(t) for t in row.get("tags", "").split("|"))
        result = _entry(source, line, row.get("url"), row.get("title"), row.get("time_added"),
                        tags, row.get("status", ""), extra)
        (entries if isinstance(result, Entry) else problems).append(result)
    return entries, problems


def parse_html(source: Input, tz: tzinfo) -> tuple[list[Entry], list[ContentError]]:
    page = _PocketPage()
    page.feed(source.text)
    page.close()
    entries: list[Entry] = []
    problems: list[ContentError] = []
    for line, attrs, title, section in page.links:
        extra = {extra_key(NAME, k): clean(v) for k, v in attrs.items()
                 if k not in {"href", "time_added", "tags"} and clean(v)}
        tags = unique(clean(t) for t in (attrs.get("tags") or "").split(","))
        result = _entry(source, line, attrs.get("href"), title, attrs.get("time_added"), tags,
                        _SECTION_STATUS.get(section, ""), extra)
        (entries if isinstance(result, Entry) else problems).append(result)
    return entries, problems


def _entry(source: Input, line: int, url: str | None, title: str | None, added: str | None,
           tags: tuple[str, ...], status: str, extra: dict[str, object]) -> Entry | ContentError:
    address = web_url(url)
    if address is None:
        why = "no URL" if not clean(url) else f"not a web address: {clean(url)!r}"
        return ContentError(source.shown, line, f"skipped: {why}")
    try:
        saved = unix_time(added or "")
    except (ValueError, OverflowError, OSError):
        return ContentError(source.shown, line, f"skipped: time_added: cannot read {added!r} "
                                                "as a Unix time")
    status_text = clean(status).lower()
    if status_text and status_text not in _STATUS:
        extra[extra_key(NAME, "status")] = clean(status)
    return Entry(
        where=f"{source.shown}:{line}",
        source=NAME,
        url=address,
        title=clean(title) or address,  # Pocket shows the address of a page it could not read
        saved=saved,
        tags=tags,
        status=_STATUS.get(status_text),
        extra=extra,
    )


class _PocketPage(HTMLParser):
    """Collects (line, attributes, text, section) for each link, the section being the text
    of the <h1> above it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, dict[str, str | None], str, str]] = []
        self.section = ""
        self._heading: list[str] | None = None
        self._link: tuple[int, dict[str, str | None]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "h1":
            self._heading = []
        elif tag == "a":
            self._link, self._text = (self.getpos()[0], dict(attrs)), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1" and self._heading is not None:
            self.section = clean("".join(self._heading)).lower()
            self._heading = None
        elif tag == "a" and self._link is not None:
            line, attrs = self._link
            self.links.append((line, attrs, "".join(self._text), self.section))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._text.append(data)
        elif self._heading is not None:
            self._heading.append(data)


def looks_like_html(tags: dict[str, int], attributes: set[str], title: str) -> bool:
    """Pocket's page: its title, or links carrying `time_added` under <h1> sections."""
    return title.lower() == "pocket export" or ("time_added" in attributes and "h1" in tags)
