"""Markdown with `Key: value` header lines, as Pelican writes it; the header ends at a blank line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..config import Config
from .common import article_from_markdown
from .meta import Meta, Parsed

if TYPE_CHECKING:
    from . import Source

# A key: a letter, then at most 29 letters, digits, spaces or hyphens. A longer "key" is a
# sentence with a colon, and the body has begun.
_KEY = re.compile(r"[A-Za-z][\w -]{0,29}")


def read(text: str, source: Source, cfg: Config) -> Parsed:
    """A file with no header at all is read as a body: its date must then come from its name."""
    meta, body = read_meta(text, source)
    return article_from_markdown(meta, body, cfg)


def read_meta(text: str, source: Source) -> tuple[Meta, str]:
    """The header's keys (aliases resolved, with their lines) and the body after it."""
    lines = text.split("\n")
    meta = Meta(source, format="pelican")
    body_start = 0
    for number, line in enumerate(lines):
        if not line.strip():
            body_start = number + 1
            break
        key, colon, value = line.partition(":")
        key = key.rstrip()
        if not colon or not _KEY.fullmatch(key):
            body_start = number
            break
        meta.add(key, value.strip(), number + 1)
    else:
        body_start = len(lines)
    meta.body_line = body_start + 1
    return meta, "\n".join(lines[body_start:])
