"""Sources from an OPML file, the list of subscriptions every feed reader exports.

A feed is an outline with an `xmlUrl`. Its category is the first of its `category` attribute
(the last step of a path such as "/News/World"), else the title of the folder outline it sits in,
else its own title; slugified, as config.yaml's categories are.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

from ..text import collapse_spaces, slugify
from .settings import FetchSource

_HTTP = ("http://", "https://")


class OpmlError(Exception):
    """The file cannot be read as OPML, or lists no feed."""


def read_opml(path: Path, default_category: str) -> tuple[list[FetchSource], list[str]]:
    """The feeds the file lists, in its order, and a note for each outline left out."""
    try:
        root = ET.parse(path).getroot()
    except FileNotFoundError:
        raise OpmlError(f"{path}: no such file") from None
    except (OSError, ET.ParseError) as exc:
        raise OpmlError(f"{path}: not an OPML file ({exc})") from None
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise OpmlError(f"{path}: not an OPML file (no <opml> with a <body>)")
    sources: list[FetchSource] = []
    notes: list[str] = []
    seen: set[str] = set()

    def walk(outline: ET.Element, folder: str) -> None:
        attrs = {key.lower(): collapse_spaces(value) for key, value in outline.attrib.items()}
        title = attrs.get("title") or attrs.get("text") or ""
        url = attrs.get("xmlurl", "")
        if not url:
            for child in outline.findall("outline"):
                walk(child, title or folder)
            return
        if not url.lower().startswith(_HTTP):
            notes.append(f"{path}: {url}: left out, not an http(s) URL")
        elif url not in seen:
            seen.add(url)
            category = (_category_attribute(attrs.get("category", "")) or slugify(folder)
                        or slugify(title) or default_category)
            sources.append(FetchSource(url, category, title))

    for outline in body.findall("outline"):
        walk(outline, "")
    if not sources:
        raise OpmlError(f"{path}: lists no feed (no outline with an http(s) xmlUrl)")
    return sources, notes


def sources_yaml(sources: list[FetchSource]) -> str:
    """The `fetch:` block of config.yaml that lists these sources, to paste there."""
    items = [{"url": s.url, "category": s.category} | ({"name": s.name} if s.name else {})
             for s in sources]
    return yaml.safe_dump({"fetch": {"sources": items}}, sort_keys=False, allow_unicode=True,
                          width=100)


def _category_attribute(value: str) -> str:
    first = value.split(",")[0].strip().strip("/")
    return slugify(first.rsplit("/", 1)[-1]) if first else ""
