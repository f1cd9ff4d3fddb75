"""Netscape bookmark files (`<!DOCTYPE NETSCAPE-Bookmark-file-1>`), which every browser and
bookmarking service writes: `<DT><A HREF ADD_DATE TAGS>title</A>`, an optional `<DD>` with a
description, folders as `<DT><H3>name</H3>` over a nested `<DL>`. DT and DD are never closed,
so a description runs until the next DT, DL or H3."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from html.parser import HTMLParser

from ..errors import ContentError
from .entry import Entry, Input, clean, extra_key, paragraphs_of, unique, unix_time, web_url

NAME = "bookmarks"
DOCTYPE = "netscape-bookmark-file-1"
# ICON is the favicon as a data: URI, often kilobytes: not worth a line of front matter.
_DROPPED = {"href", "add_date", "tags", "toread", "icon"}


@dataclass(frozen=True, slots=True)
class _Link:
    line: int
    attrs: dict[str, str]
    title: str
    description: str
    folder: str


def parse(source: Input, tz: tzinfo) -> tuple[list[Entry], list[ContentError]]:
    page = _BookmarkFile()
    page.feed(source.text)
    page.close()
    entries: list[Entry] = []
    problems: list[ContentError] = []
    for link in page.links:
        result = _entry(source, link)
        (entries if isinstance(result, Entry) else problems).append(result)
    return entries, problems


def _entry(source: Input, link: _Link) -> Entry | ContentError:
    url = web_url(link.attrs.get("href"))
    if url is None:
        raw = clean(link.attrs.get("href"))
        why = "no URL" if not raw else f"not a web address: {raw!r}"
        return ContentError(source.shown, link.line, f"skipped: {why}")
    added = link.attrs.get("add_date", "")
    try:
        saved = unix_time(added)
    except (ValueError, OverflowError, OSError):
        why = "no ADD_DATE" if not added.strip() else f"ADD_DATE: cannot read {added!r}"
        return ContentError(source.shown, link.line, f"skipped: {why} (no date to give it)")
    extra: dict[str, object] = {}
    for name, value in link.attrs.items():
        if name in _DROPPED or not clean(value):
            continue
        if name == "last_modified":
            try:
                extra["bookmarks_last_modified"] = unix_time(value)
                continue
            except (ValueError, OverflowError, OSError):
                pass
        extra[extra_key(NAME, name)] = clean(value)
    if link.folder:
        extra["folder"] = link.folder
    to_read = link.attrs.get("toread")
    description = paragraphs_of(link.description)
    return Entry(
        where=f"{source.shown}:{link.line}",
        source=NAME,
        url=url,
        title=clean(link.title) or url,
        saved=saved,
        tags=unique(clean(tag) for tag in link.attrs.get("tags", "").split(",")),
        # Only services with a reading list (Pinboard's TOREAD) say whether it was read.
        status=None if to_read is None else "unread" if to_read.strip() == "1" else "read",
        summary=" ".join(description) or None,
        extra=extra,
    )


class _BookmarkFile(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[_Link] = []
        self.folders: list[str] = []
        self._folder_name: list[str] | None = None  # inside <H3>
        self._next_folder = ""  # the <H3> whose <DL> comes next
        self._link: tuple[int, dict[str, str]] | None = None  # inside <A>
        self._title: list[str] = []
        self._pending: tuple[int, dict[str, str], str] | None = None  # a link awaiting its DD
        self._description: list[str] | None = None  # inside <DD>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("dt", "dl", "h3", "hr", "a"):
            self._finish_link()
        if tag == "a":
            self._link = (self.getpos()[0], {k: v or "" for k, v in attrs})
            self._title = []
        elif tag == "h3":
            self._folder_name = []
        elif tag == "dl":
            self.folders.append(self._next_folder)
            self._next_folder = ""
        elif tag == "dd" and self._pending is not None:
            self._description = []
        elif tag == "br" and self._description is not None:
            self._description.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            line, attrs = self._link
            self._pending = (line, attrs, "".join(self._title))
            self._link = None
        elif tag == "h3" and self._folder_name is not None:
            self._next_folder = clean("".join(self._folder_name))
            self._folder_name = None
        elif tag == "dl":
            self._finish_link()
            if self.folders:
                self.folders.pop()

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._title.append(data)
        elif self._folder_name is not None:
            self._folder_name.append(data)
        elif self._description is not None:
            self._description.append(data)

    def close(self) -> None:
        super().close()
        self._finish_link()

    def _finish_link(self) -> None:
        if self._pending is None:
            return
        line, attrs, title = self._pending
        description = "".join(self._description or [])
        folder = "/".join(name for name in self.folders if name)
        self.links.append(_Link(line, attrs, title, description, folder))
        self._pending, self._description = None, None
