"""Markdown with YAML front matter between `---` lines, as Jekyll and Hugo write it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import yaml

from ..config import YAML_LOADER, Config
from ..errors import ContentError
from ..model import Article
from .common import Meta, article_from_markdown

if TYPE_CHECKING:
    from . import Source

_KEY_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:")


def applies(text: str) -> bool:
    return text.startswith("---") and text[:4].rstrip() == "---"


def read(text: str, source: Source, cfg: Config) -> Article | list[ContentError]:
    parsed = read_meta(text, source)
    if isinstance(parsed, list):
        return parsed
    meta, body = parsed
    return article_from_markdown(meta, body, cfg)


def read_meta(text: str, source: Source) -> tuple[Meta, str] | list[ContentError]:
    """The front matter's keys (aliases resolved, with their lines) and the body after it."""
    lines = text.split("\n")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "..."))
    except StopIteration:
        return [ContentError(source.shown, 1, "front matter opened here is never closed with ---")]
    header = "\n".join(lines[1:end])
    meta = Meta(source)
    try:
        data = yaml.load(header, Loader=YAML_LOADER) if header.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or "cannot be read"
        return [ContentError(source.shown, line, f"front matter: invalid YAML: {problem}")]
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return [ContentError(source.shown, 2, "front matter must be `key: value` lines")]
    key_lines = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = _KEY_LINE.match(line)
        if match:
            key_lines.setdefault(match[1], number)
    for key, value in data.items():
        meta.add(str(key), value, key_lines.get(str(key), 2))
    return meta, "\n".join(lines[end + 1:])
