"""Markdown to safe HTML: the one place that knows which Markdown engine runs."""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown as python_markdown
import nh3

SUMMARY_MARKER = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.MULTILINE | re.IGNORECASE)

EXTENSIONS = ["extra", "sane_lists"]

# What article bodies may contain. Raw HTML in Markdown is kept when it is in this list and
# stripped otherwise, so a stray <script> or an unclosed <div> cannot break or hijack a page.
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {
    "figure", "figcaption", "details", "summary", "mark", "time", "section", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "td": {"style", "colspan", "rowspan"},
    "time": {"datetime"},
    "ol": {"start", "reversed", "type"},
    "abbr": {"title"},
    "blockquote": {"cite"},
}


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    summary_html: str | None  # the part before <!--more-->, when the text has that marker


_engine: python_markdown.Markdown | None = None
_cleaner: nh3.Cleaner | None = None


def _convert(text: str) -> str:
    global _engine, _cleaner
    if _engine is None or _cleaner is None:
        # One converter per process: building it loads every extension, which costs more
        # than converting a typical article.
        _engine = python_markdown.Markdown(extensions=EXTENSIONS, output_format="html")
        _cleaner = nh3.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            link_rel="noopener",
            filter_style_properties={"text-align"},
        )
    html = _engine.reset().convert(text)
    return _cleaner.clean(html)


def render_markdown(text: str) -> Rendered:
    """Convert an article body; `<!--more-->` on a line of its own ends the summary."""
    parts = SUMMARY_MARKER.split(text, maxsplit=1)
    if len(parts) == 2:
        return Rendered(_convert(parts[0] + "\n\n" + parts[1]), _convert(parts[0]))
    return Rendered(_convert(text), None)
