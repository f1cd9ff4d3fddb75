"""Markdown with YAML front matter between `---` lines, as Jekyll and Hugo write it.

Front matter is read as text: a title `no`, a tag `1.10` or a slug `0x1F` is the string the user
wrote, not YAML 1.1's False, 1.1 or 31. Dates and counts are parsed by Digest's own rules, with
their own errors. YAML's aliases of lists and mappings are refused: expanded, a few lines of them
make billions of items.
"""

from __future__ import annotations

import re
import tomllib
from typing import TYPE_CHECKING, Any

import yaml

from ..config import Config
from ..errors import ContentError
from ..yaml_text import TextLoader, load_simple
from .common import article_from_markdown
from .meta import Meta, Parsed

if TYPE_CHECKING:
    from . import Source

_KEY_LINE = re.compile(r"^([^\s#:][^:]*?)\s*:(?:\s|$)")
_TOML_KEY_LINE = re.compile(r"^\s*([\w\-\"']+)\s*=")
_STR = "tag:yaml.org,2002:str"


def applies(text: str) -> bool:
    """YAML between `---` lines, or TOML between `+++` lines (Hugo)."""
    return text[:3] in ("---", "+++") and text[:4].rstrip() == text[:3]


def load_yaml_text(header: str) -> Any:
    """The front matter's data; raises yaml.YAMLError (or ValueError) with a mark when broken."""
    if not header.strip():
        return {}
    simple = load_simple(header)
    return simple if simple is not None else yaml.load(header, Loader=TextLoader)


def read_header(text: str, source: Source) -> tuple[Meta, str] | ContentError:
    """The front matter as Meta, and the body after it."""
    lines = text.split("\n")
    fence = lines[0].rstrip()
    closing = ("---", "...") if fence == "---" else ("+++",)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in closing)
    except StopIteration:
        return ContentError(source.shown, 1, f"front matter opened here is never closed with "
                                             f"{fence}")
    header = "\n".join(lines[1:end])
    data = _load_toml(header, source) if fence == "+++" else _load_yaml(header, source)
    if isinstance(data, ContentError):
        return data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return ContentError(source.shown, 2, "front matter must be `key: value` lines")
    key_lines: dict[str, int] = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = (_TOML_KEY_LINE if fence == "+++" else _KEY_LINE).match(line)
        if match:
            key_lines.setdefault(match[1].strip("'\""), number)
    meta = Meta(source, format="toml" if fence == "+++" else "yaml", body_line=end + 2)
    for key, value in data.items():
        meta.add(str(key), value, key_lines.get(str(key), 2))
    return meta, "\n".join(lines[end + 1:])


def _load_yaml(header: str, source: Source) -> Any:
    try:
        return load_yaml_text(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or "cannot be read"
        return ContentError(source.shown, line, f"front matter: invalid YAML: {problem}")
    except (ValueError, TypeError, RecursionError) as exc:
        return ContentError(source.shown, 1, f"front matter: invalid YAML: {exc}")


def _load_toml(header: str, source: Source) -> Any:
    """TOML types its values by their syntax, not by guessing: a string stays one."""
    try:
        return tomllib.loads(header)
    except (tomllib.TOMLDecodeError, RecursionError) as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)$", message)
        line = int(found[1]) + 1 if found else 1
        problem = message[: found.start()].strip() if found else message
        return ContentError(source.shown, line, f"front matter: invalid TOML: {problem}")


def read(text: str, source: Source, cfg: Config) -> Parsed:
    found = read_header(text, source)
    if isinstance(found, ContentError):
        return Parsed(None, (found,))
    meta, body = found
    return article_from_markdown(meta, body, cfg)
