"""Bodies as Markdown that shows exactly the imported text, under either Markdown engine.

Plain text is escaped so that neither Python-Markdown (with `extra`) nor cmark-gfm reads
emphasis, links, headings, lists, HTML or entities into it. HTML is sanitized with the same
rules as every article body, then written as one raw HTML block with no blank line inside,
since a blank line ends an HTML block in CommonMark and Markdown would begin again there.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from ..markdown import sanitize_html

# Characters that mean something anywhere in a line. Backslash escapes only for characters
# both engines accept escaped (Python-Markdown knows fewer than CommonMark); entities for the
# rest, which both decode and neither reads as syntax.
_INLINE = str.maketrans({
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]", "{": "\\{",
    "}": "\\}", "<": "&lt;", "&": "&amp;", "~": "&#126;",
})
# Characters that mean something at the start of a line: headings, quotes, lists, rules.
_LINE_START = {"#": "\\#", ">": "\\>", "-": "\\-", "+": "\\+", ":": "&#58;", "=": "&#61;"}
_ORDERED_LIST = re.compile(r"^(\d+)([.)])")
_URL = re.compile(r"((?:https?|ftp)://[^\s<>]+)", re.IGNORECASE)
_WWW = re.compile(r"www\.", re.IGNORECASE)


def escape_markdown(paragraph: str) -> str:
    """One paragraph of plain text as Markdown that renders to the same visible text."""
    text = " ".join(paragraph.split())
    pieces = _URL.split(text)
    # Odd pieces are web addresses: cmark-gfm links them as written, escapes included, so
    # they go in <...>, which both engines read as a link and never unescape.
    written = "".join(f"<{piece}>" if odd else _escape_words(piece)
                      for odd, piece in ((i % 2, p) for i, p in enumerate(pieces)) if piece)
    if written[:1] in _LINE_START:
        written = _LINE_START[written[0]] + written[1:]
    return _ORDERED_LIST.sub(r"\1\\\2", written, count=1)


def _escape_words(text: str) -> str:
    """Escapes, and `www.` spelled with an entity, which cmark-gfm would otherwise link."""
    escaped = text.translate(_INLINE)
    return _WWW.sub(lambda m: f"&#{ord(m[0][0])};{m[0][1:]}", escaped)


def paragraphs_markdown(paragraphs: tuple[str, ...]) -> str:
    return "\n\n".join(escape_markdown(p) for p in paragraphs if p.strip())


def html_markdown(fragment: str) -> str:
    """Sanitized HTML as one raw block: `<div>`, the HTML without blank lines, `</div>`."""
    flat = _Flattener()
    flat.feed(sanitize_html(fragment))
    flat.close()
    body = "".join(flat.out).strip()
    return f"<div>\n{body}\n</div>" if body else ""


class _Flattener(HTMLParser):
    """Writes the parsed HTML back with every blank line gone: inside <pre> a line break
    becomes `&#10;`, elsewhere a run of white space with line breaks becomes one break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(_start_tag(tag, attrs))
        self.pre += tag == "pre"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(_start_tag(tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.out.append(f"</{tag}>")
        if tag == "pre" and self.pre:
            self.pre -= 1

    def handle_data(self, data: str) -> None:
        text = html.escape(data, quote=False)
        if self.pre:
            self.out.append(text.replace("\n", "&#10;"))
            return
        lines = text.split("\n")
        if len(lines) == 1:
            self.out.append(text)
            return
        # Keep the spaces at both ends that separate words; drop the blank lines between.
        inner = [line.strip() for line in lines[1:-1] if line.strip()]
        self.out.append("\n".join([lines[0].rstrip()] + inner + [lines[-1].lstrip()]))


def _start_tag(tag: str, attrs: list[tuple[str, str | None]]) -> str:
    written = "".join(f" {name}" if value is None else f' {name}="{html.escape(value)}"'
                      for name, value in attrs)
    return f"<{tag}{written}>"
