"""An Entry as the text of a Markdown file with YAML front matter, and the hash that tells
whether someone edited that file since it was imported.

Every scalar is written as a JSON string (a valid YAML double-quoted scalar), so `no`, `1.10`,
`on`, dates and `#` stay text; numbers and booleans are written bare only where they are meant
to be numbers and booleans.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, tzinfo
from typing import Any

from .entry import Entry
from .markup import html_markdown, paragraphs_markdown

HASH_KEY = "import_hash"
_SURROGATES = re.compile("[\ud800-\udfff]")
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
FLOW_WIDTH = 100  # lists shorter than this stay on the key's line


def render(entry: Entry, category: str, tz: tzinfo) -> str:
    """The whole file: front matter (ending with its import hash), then the body."""
    date = entry.date
    if date is None:
        raise ValueError("an entry needs a date")  # the importers skip those
    fields: list[tuple[str, Any]] = [
        ("title", entry.title),
        ("date", date),
        ("category", category),
        ("id", entry.id),
        ("source_url", entry.url),
        ("tags", list(entry.tags)),
        ("authors", list(entry.authors)),
        ("summary", entry.summary),
        ("similar", list(entry.similar)),
        ("read_count", entry.read_count),
        ("last_read", entry.last_read),
        ("updated", entry.updated),
        ("saved", entry.saved),
        ("reading_status", entry.status),
    ]
    fields += sorted(entry.extra.items())
    fields.append(("imported_from", entry.source))
    lines = ["---"]
    for key, value in fields:
        if value is None or value == "" or value == []:
            continue
        lines.extend(_key_value(key, value, tz))
    body = _body(entry)
    text_without_hash = "\n".join(lines + ["---", ""]) + (f"\n{body}\n" if body else "")
    hash_line = f"{HASH_KEY}: {_scalar(digest(text_without_hash), tz)}"
    return "\n".join(lines + [hash_line, "---", ""]) + (f"\n{body}\n" if body else "")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stored_hash(text: str) -> tuple[str | None, str]:
    """The import hash a file's front matter records, and the file's text without that line."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, text
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            break
        if line.startswith(f"{HASH_KEY}:"):
            value = line.split(":", 1)[1].strip()
            try:
                value = json.loads(value) if value.startswith('"') else value
            except ValueError:
                return None, text
            return str(value), "\n".join(lines[:number] + lines[number + 1:])
    return None, text


def _body(entry: Entry) -> str:
    if entry.html:
        body = html_markdown(entry.html)
        if body:
            return body
    return paragraphs_markdown(entry.paragraphs)


def _key_value(key: str, value: Any, tz: tzinfo) -> list[str]:
    if type(value) is list:
        items = [_scalar(item, tz) for item in value]
        flow = f"{key}: [{', '.join(items)}]"
        if len(flow) <= FLOW_WIDTH:
            return [flow]
        return [f"{key}:"] + [f"  - {item}" for item in items]
    return [f"{key}: {_scalar(value, tz)}"]


def _scalar(value: Any, tz: tzinfo) -> str:
    if type(value) is str:  # most values: checked first, since 10,000 rows make 100,000
        return _quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return _quote(value.astimezone(tz).isoformat())
    if isinstance(value, (dict, list, tuple)):
        return _quote(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return _quote(str(value))


def _quote(value: str) -> str:
    """A JSON string, which is also a YAML double-quoted scalar."""
    if value.isascii() and value.isprintable():  # the common case, without a regex
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    quoted = json.dumps(_SURROGATES.sub("", value), ensure_ascii=False)
    # JSON leaves these raw; YAML refuses them raw or reads them as line breaks.
    return _YAML_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", quoted)
