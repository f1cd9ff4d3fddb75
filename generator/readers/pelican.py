"""Markdown with `Key: value` header lines, as Pelican writes it; the header ends at a blank line."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import ContentError
from ..model import Article
from .common import Meta, article_from_markdown

if TYPE_CHECKING:
    from . import Source

_HEADER = re.compile(r"^([A-Za-z][\w -]*?)\s*:\s*(.*)$")


def read(text: str, source: Source, cfg: Config) -> Article | list[ContentError]:
    """A file with no header at all is read as a body: its date must then come from its name."""
    meta, body = read_meta(text, source)
    return article_from_markdown(meta, body, cfg)


def read_meta(text: str, source: Source) -> tuple[Meta, str]:
    """The header's keys (aliases resolved, with their lines) and the body after it."""
    lines = text.split("\n")
    meta = Meta(source)
    body_start = 0
    for number, line in enumerate(lines):
        if not line.strip():
            body_start = number + 1
            break
        match = _HEADER.match(line)
        if match is None or len(match[1]) > 30:  # a sentence with a colon is not a header
            body_start = number
            break
        meta.add(match[1].replace(" ", "_"), match[2].strip(), number + 1)
    else:
        body_start = len(lines)
    return meta, "\n".join(lines[body_start:])
