"""Omnivore's JSON export (`metadata_*.json`): a list of objects with `id`, `slug`, `title`,
`description`, `author`, `url`, `state` (`Active`, `Archived`), `readingProgress` (0-100),
`thumbnail`, `labels`, `savedAt`, `updatedAt`, `publishedAt`. The export's `content/<slug>.html`
beside the JSON file, or a `content` field, is the article's body."""

from __future__ import annotations

import json
from datetime import tzinfo
from pathlib import Path
from typing import Any

from ..errors import ContentError
from .entry import Entry, Input, InputError, clean, date_text, extra_key, percent, unique, web_url

NAME = "omnivore"
SIDECAR_FOLDERS = ("content", "highlights")  # beside metadata_*.json in Omnivore's zip
_KNOWN = {"id", "slug", "title", "description", "author", "url", "state", "readingProgress",
          "thumbnail", "labels", "savedAt", "updatedAt", "publishedAt", "content"}
_DATES = {"savedAt": "saved", "updatedAt": "omnivore_updated", "publishedAt": "published"}


def looks_like(data: object) -> bool:
    if not isinstance(data, list) or not data or not isinstance(data[0], dict):
        return False
    keys = set(data[0])
    return "url" in keys and bool(keys & {"savedAt", "slug", "labels", "readingProgress"})


def parse(source: Input, tz: tzinfo) -> tuple[list[Entry], list[ContentError]]:
    entries: list[Entry] = []
    problems: list[ContentError] = []
    for line, item in _items(source):
        if not isinstance(item, dict):
            problems.append(ContentError(source.shown, line, "skipped: not an object"))
            continue
        result = _entry(source, line, item, tz)
        (entries if isinstance(result, Entry) else problems).append(result)
    return entries, problems


def _items(source: Input) -> list[tuple[int, Any]]:
    """Each element of the top-level list with the line it starts on."""
    decoder = json.JSONDecoder()
    text = source.text
    position = len(text) - len(text.lstrip())
    if not text.startswith("[", position):
        raise InputError(ContentError(source.shown, 1, "expected a JSON list of articles"))
    position += 1
    items: list[tuple[int, Any]] = []
    line, counted = 1, 0
    try:
        while True:
            position = _skip(text, position, ",")
            if text.startswith("]", position):
                return items
            line += text.count("\n", counted, position)
            counted = position
            item, position = decoder.raw_decode(text, position)
            items.append((line, item))
    except json.JSONDecodeError as exc:
        error = ContentError(source.shown, exc.lineno, f"invalid JSON: {exc.msg}")
        raise InputError(error) from None


def _skip(text: str, position: int, separators: str) -> int:
    while position < len(text) and (text[position].isspace() or text[position] in separators):
        position += 1
    return position


def _entry(source: Input, line: int, item: dict[str, Any], tz: tzinfo) -> Entry | ContentError:
    url = web_url(_text(item.get("url")))
    if url is None:
        raw = _text(item.get("url"))
        why = "no URL" if not raw else f"not a web address: {raw!r}"
        return ContentError(source.shown, line, f"skipped: {why}")
    dates: dict[str, Any] = {}
    for key, name in _DATES.items():
        try:
            dates[name] = date_text(_text(item.get(key)), tz)
        except ValueError:
            return ContentError(source.shown, line,
                                f"skipped: {key}: cannot read {item.get(key)!r} as a date")
    if dates["saved"] is None and dates["published"] is None:
        return ContentError(source.shown, line, "skipped: no savedAt or publishedAt")
    state = _text(item.get("state"))
    progress = percent(item.get("readingProgress"), fraction=False)
    extra: dict[str, object] = {extra_key(NAME, k): _value(v) for k, v in item.items()
                                if k not in _KNOWN and v not in (None, "", [], {})}
    for key, value in (("omnivore_slug", _text(item.get("slug"))),
                       ("thumbnail", _text(item.get("thumbnail"))),
                       ("reading_progress", progress),
                       ("omnivore_updated", dates["omnivore_updated"])):
        if value not in (None, ""):
            extra[key] = value
    status = {"archived": "archived", "active": "read" if (progress or 0) >= 100 else "unread"}
    if state.lower() not in status and state:
        extra["omnivore_state"] = state
    return Entry(
        where=f"{source.shown}:{line}",
        source=NAME,
        url=url,
        title=_text(item.get("title")) or url,
        id=_text(item.get("id")) or None,
        published=dates["published"],
        saved=dates["saved"],
        tags=unique(_text(label.get("name") if isinstance(label, dict) else label)
                    for label in item.get("labels") or []),
        authors=unique([_text(item.get("author"))]),
        status=status.get(state.lower()),
        summary=_text(item.get("description")) or None,
        html=_content(source.path, _text(item.get("slug")), item.get("content")),
        extra=extra,
    )


def _content(path: Path, slug: str, inline: object) -> str | None:
    """The article's HTML: the item's `content`, else the export's content/<slug>.html."""
    if isinstance(inline, str) and inline.strip():
        return inline
    if not slug or "/" in slug or "\\" in slug or slug.startswith("."):
        return None
    sidecar = path.parent / "content" / f"{slug}.html"
    try:
        return sidecar.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _text(value: object) -> str:
    return clean(value) if isinstance(value, (str, int, float)) else ""


def _value(value: object) -> object:
    """A field Digest has no name for, as front matter can hold it."""
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return clean(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
