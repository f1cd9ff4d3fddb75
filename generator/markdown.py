"""Markdown to safe HTML: the one place that knows which Markdown engine runs."""

from __future__ import annotations

import ctypes
import html
import re
import threading
from dataclasses import dataclass

import markdown as python_markdown
import nh3
from markdown import util as markdown_util
from markdown.blockparser import BlockParser
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    REFERENCE_RE,
    DelimiterProcessor,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    InlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
)
from markdown.treeprocessors import InlineProcessor as InlineTreeprocessor

try:  # the `fast` extra. Imported here, not on first use: a worker forked from the threaded
    # watch/serve process must not need the import lock that another thread may hold.
    import cmarkgfm
    from cmarkgfm import _cmark
    from cmarkgfm.cmark import Options
except ImportError:  # pragma: no cover - checked by engine_available
    cmarkgfm = None

SUMMARY_MARKER = re.compile(r"^\s*<!--\s*more\s*-->\s*$", re.MULTILINE | re.IGNORECASE)

LINK_SPAN = 2048  # characters: no link's `(url "title")` is longer


class _LinearLinks:
    """Python-Markdown's link patterns without their quadratic time. For each `[` they scan to
    the end of the text for its `]`, then for each `](` to the end for its `)`: a line of
    20,000 `[` took minutes (found by tests/fuzz). Here each `[`'s `]` is found in one pass per
    text, and a link's `(...)` is looked for within LINK_SPAN characters."""

    _brackets: tuple[str, dict[int, int]] = ("", {})

    def getText(self, data: str, index: int) -> tuple[str, int, bool]:  # noqa: N802
        if self._brackets[0] is not data:
            self._brackets = (data, _matching_brackets(data))
        close = self._brackets[1].get(index - 1)  # index is just after the `[`
        if close is None:
            return data[index:], len(data), False
        return data[index:close], close + 1, True

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802
        if data.find(")", index, index + LINK_SPAN) < 0:
            return "", None, index, False
        href, title, end, handled = super().getLink(data[index:index + LINK_SPAN], 0)
        return href, title, end + index, handled


def _matching_brackets(data: str) -> dict[int, int]:
    """The position of each `[`'s matching `]`, nesting counted, as Python-Markdown counts."""
    matches: dict[int, int] = {}
    stack: list[int] = []
    for match in re.finditer(r"[\[\]]", data):
        if match[0] == "[":
            stack.append(match.start())
        elif stack:
            matches[stack.pop()] = match.start()
    return matches


class _EscapeRuns(InlineProcessor):
    """A run of backslash escapes (`\\\\\\\\...`) as one match, giving what Python-Markdown's
    escape pattern gives for each. That pattern rebuilds the paragraph's text once per escape:
    50 kB of backslashes took a second, and four times that for twice as many (tests/fuzz)."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[str, int, int]:  # noqa: N802
        chars = m[0][1::2]
        escaped = "".join(f"{markdown_util.STX}{ord(c)}{markdown_util.ETX}" for c in chars)
        return escaped, m.start(0), m.end(0)


class _LinearDelimiters(DelimiterProcessor):
    """Python-Markdown's `*` and `_` emphasis, with its search for the next delimiter linear in
    a run of them. Inside a run, only a run-opening match can start, and whether it does
    depends on the run's end alone: one failure stands for the rest of the run. Tried at each
    of its characters, a run of 9,000 `*` took 3.6 s (tests/fuzz)."""

    def search(self, data: str, start: int) -> re.Match[str] | None:
        i, size = start, len(data)
        while i < size:
            char = data[i]
            delimiter = self.delimiters.get(char)
            if delimiter is not None:
                m = delimiter.boundary.match(data, i)
                if m is not None:
                    if delimiter.stack or m.lastgroup[0] != "e":
                        return m
                elif i > 0 and data[i - 1] == char:
                    while i < size and data[i] == char:
                        i += 1
                    continue
            i += 1
        return None


# What each inline pattern cannot match without: text with none of a pattern's substrings is
# skipped for it. Python-Markdown tries all seventeen patterns' regular expressions on every
# paragraph, one Python call each, and that loop was a third of its time on plain prose, where
# most paragraphs hold none of these characters. A pattern not named here is always tried.
TRIGGERS = {"backtick": ("`",), "escape_runs": ("\\",), "escape": ("\\",), "footnote": ("[^",),
            "reference": ("[",), "link": ("[",), "short_reference": ("[",),
            "image_link": ("![",), "image_reference": ("![",), "short_image_ref": ("![",),
            "autolink": ("<",), "automail": ("<",), "html": ("<",), "entity": ("&",),
            "linebreak": ("  \n",), "em_strong": ("*", "_")}


def _gated(registry, triggers: dict[str, tuple[str, ...]]) -> list[tuple[object, tuple | None]]:
    """A registry's items in order, each with the substrings it cannot match without."""
    by_item = {id(registry[name]): substrings
               for name, substrings in triggers.items() if name in registry}
    return [(item, by_item.get(id(item))) for item in registry]


class _TriggeredInline(InlineTreeprocessor):
    """Python-Markdown's inline pass, which skips a pattern that the text cannot match. A
    match only puts placeholders in the text, which hold none of TRIGGERS' characters, so a
    pattern skipped at the start of a text would not have matched later either."""

    def run(self, tree, ancestors=None):
        self._patterns = _gated(self.inlinePatterns, TRIGGERS)
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data, pattern_index=0):  # noqa: N802
        """The stock loop (each pattern in turn, again while it matches), with the skip."""
        if isinstance(data, markdown_util.AtomicString):
            return data
        apply, start = self._InlineProcessor__applyPattern, 0
        for index in range(pattern_index, len(self._patterns)):
            pattern, substrings = self._patterns[index]
            if substrings is not None and not any(s in data for s in substrings):
                continue
            matched = True
            while matched:
                data, matched, start = apply(pattern, data, index, start)
        return data


# The same for block processors: a block with none of a processor's substrings is not tested
# for it (their regular expressions searched every paragraph: a tenth of Python-Markdown's
# time). Each processor named here either tests with a pattern that needs one of these, or
# tests True and then runs such a pattern, putting the block back when it does not match.
BLOCK_TRIGGERS = {"table": ("|",), "hashheader": ("#",), "setextheader": ("\n=", "\n-"),
                  "hr": ("-", "_", "*"), "deflist": (": ",), "quote": (">",),
                  "footnote": ("[^",), "abbr": ("*[",), "reference": ("]:",)}


class _TriggeredBlocks(BlockParser):
    """Python-Markdown's block parser, which skips a processor that the block cannot match."""

    def parseDocument(self, lines):  # noqa: N802
        self._processors = _gated(self.blockprocessors, BLOCK_TRIGGERS)
        return super().parseDocument(lines)

    def parseBlocks(self, parent, blocks) -> None:  # noqa: N802
        """The stock loop: each processor in turn until one runs, for each block."""
        while blocks:
            for processor, substrings in self._processors:
                block = blocks[0]
                if substrings is not None and not any(s in block for s in substrings):
                    continue
                if processor.test(parent, block) and processor.run(parent, blocks) is not False:
                    break


class _LinearLinksExtension(Extension):
    """Python-Markdown's six link processors, each at its own name and priority."""

    PROCESSORS = (("reference", ReferenceInlineProcessor, REFERENCE_RE, 170),
                  ("link", LinkInlineProcessor, LINK_RE, 160),
                  ("image_link", ImageInlineProcessor, IMAGE_LINK_RE, 150),
                  ("image_reference", ImageReferenceInlineProcessor, IMAGE_REFERENCE_RE, 140),
                  ("short_reference", ShortReferenceInlineProcessor, REFERENCE_RE, 130),
                  ("short_image_ref", ShortImageReferenceInlineProcessor, IMAGE_REFERENCE_RE,
                   125))

    def extendMarkdown(self, md) -> None:  # noqa: N802
        for name, base, pattern, priority in self.PROCESSORS:
            linear = type(f"Linear{base.__name__}", (_LinearLinks, base), {})
            md.inlinePatterns.register(linear(pattern, md), name, priority)
        md.inlinePatterns["em_strong"].__class__ = _LinearDelimiters  # its state stays as made
        # After code spans (190), whose backslashes are text, and before single escapes (180).
        # Last of the extensions: every character another one made escapable is known.
        escapable = "".join(re.escape(c) for c in md.ESCAPED_CHARS)
        md.inlinePatterns.register(_EscapeRuns(rf"(?:\\[{escapable}]){{8,}}", md),
                                   "escape_runs", 185)
        md.treeprocessors.register(_TriggeredInline(md), "inline", 20)
        md.parser.__class__ = _TriggeredBlocks


EXTENSIONS = ["extra", "sane_lists", _LinearLinksExtension()]

# What article bodies may contain. Raw HTML in Markdown is kept when it is in this list and
# stripped otherwise, so a stray <script> or an unclosed <div> cannot break or hijack a page.
ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {
    "figure", "figcaption", "details", "summary", "mark", "time", "section", "sup", "sub",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir"},
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
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
    warning: str | None = None  # why the body is shown as plain text, when it is


ENGINES = ("python-markdown", "commonmark")
# One converter per thread: building one loads every extension, which costs more than
# converting a typical article, and Python-Markdown keeps per-document state on the converter,
# so two threads sharing one would mix their documents.
_local = threading.local()
# cmark-gfm writes table alignment as the `align` attribute, which HTML5 dropped.
_ALIGN = re.compile(r'<(th|td) align="(left|right|center)">')


NESTING_DEPTH = 32  # blockquotes and lists opened on one line deeper than this are text
# Python-Markdown parses each level of a blockquote or list again, inner levels included: one
# line of 30,000 `> ` or `- ` markers took seconds (found by tests/fuzz). The first marker past
# NESTING_DEPTH is escaped, which makes the rest of the line text.
# One marker and the spaces after it: a marker starts with no space, so a run of them can be
# matched one way only (with `[ \t]{0,3}` in each, a line of 28 `- ` took minutes to fail).
_MARKER = r"(?:>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))[ \t]*"
_DEEP_NESTING = re.compile(r"^([ \t]{0,3}(?:%s){%d})(%s)" % (_MARKER, NESTING_DEPTH, _MARKER),
                           re.MULTILINE)
_RULE = re.compile(r"[ \t]*(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,})\n?")  # `- - -`: a rule


def _shallow_nesting(text: str) -> str:
    def escape(match: re.Match[str]) -> str:
        line_end = text.find("\n", match.start())
        if _RULE.fullmatch(text, match.start(), len(text) if line_end < 0 else line_end + 1):
            return match[0]
        marker = match[2]
        at = len(marker) - len(marker.lstrip(" \t0123456789"))
        return match[1] + marker[:at] + "\\" + marker[at:]

    return _DEEP_NESTING.sub(escape, text)


def _to_html(text: str, engine: str) -> str:
    if engine == "commonmark":
        html = commonmark_html(text)
        return _ALIGN.sub(r'<\1 style="text-align:\2">', html)
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = python_markdown.Markdown(extensions=EXTENSIONS,
                                                               output_format="html")
    return converter.reset().convert(_shallow_nesting(text))


GFM_EXTENSIONS = (b"table", b"autolink", b"tagfilter", b"strikethrough", b"tasklist")


class _CmarkMemory:
    """cmark-gfm's own `free` and `cmark_node_free`, which cmarkgfm does not expose."""

    def __init__(self) -> None:
        library = ctypes.CDLL(_cmark.__file__)
        self.free, self.node_free = library.free, library.cmark_node_free
        self.free.argtypes = self.node_free.argtypes = [ctypes.c_void_p]

    @staticmethod
    def address(pointer) -> int:
        return int(_cmark.ffi.cast("uintptr_t", pointer))


def commonmark_html(text: str) -> str:
    """What `cmarkgfm.github_flavored_markdown_to_html` gives, with footnotes and raw HTML, and
    with what cmark-gfm allocates freed. cmarkgfm's wrapper frees the parser but neither the
    document tree nor the HTML: about 15 KB an article, which at 100,000 articles was 1.5 GB
    held by the read workers."""
    lib, memory = _cmark.lib, getattr(_local, "cmark_memory", None)
    if memory is None:
        memory = _local.cmark_memory = _CmarkMemory()
    options = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES \
        | Options.CMARK_OPT_GITHUB_PRE_LANG
    lib.cmark_gfm_core_extensions_ensure_registered()
    parser = lib.cmark_parser_new(options)
    try:
        for name in GFM_EXTENSIONS:
            lib.cmark_parser_attach_syntax_extension(parser, lib.cmark_find_syntax_extension(name))
        data = text.encode("utf-8")
        lib.cmark_parser_feed(parser, data, len(data))
        root = lib.cmark_parser_finish(parser)
        try:
            raw = lib.cmark_render_html(root, options, lib.cmark_parser_get_syntax_extensions(parser))
            try:
                return _cmark.ffi.string(raw).decode("utf-8")
            finally:
                memory.free(memory.address(raw))
        finally:
            memory.node_free(memory.address(root))
    finally:
        lib.cmark_parser_free(parser)


def _convert(text: str, engine: str) -> str:
    """Markdown to HTML, then sanitized: the same rules whatever the engine; images load lazily."""
    return scroll_boxes(lazy_images(sanitize_html(_to_html(text, engine))))


# How the sanitizer writes a start tag: a lower-case name, then each attribute as ` name="value"`
# with every `"` inside a value written `&quot;`, and every `<` of text written `&lt;` (comments
# and raw-text elements are removed). On its output these patterns find exactly the <img> tags
# and their attributes; they are not meant for HTML from anywhere else.
_IMG = re.compile(r'<img((?: [a-z][a-z0-9-]*="[^"]*")*)>')
_ATTRIBUTE = re.compile(r' ([a-z][a-z0-9-]*)="([^"]*)"')
# What every image gets unless its author chose another valid value: it loads as it nears the
# screen and decodes off the main thread, so a long article with images opens as fast as text.
IMAGE_DEFAULTS = {"loading": ("lazy", {"lazy", "eager"}),
                  "decoding": ("async", {"async", "sync", "auto"})}


def lazy_images(sanitized: str) -> str:
    """Sanitized HTML (`sanitize_html`) with `loading` and `decoding` on every <img>."""
    if "<img" not in sanitized:
        return sanitized

    def rewrite(match: re.Match[str]) -> str:
        attributes = dict(_ATTRIBUTE.findall(match[1]))
        for name, (default, valid) in IMAGE_DEFAULTS.items():
            if attributes.get(name) not in valid:
                attributes[name] = default
        return "<img" + "".join(f' {name}="{value}"' for name, value in attributes.items()) + ">"

    return _IMG.sub(rewrite, sanitized)


# Code and tables scroll sideways in their own box when wider than the text (the theme's
# overflow-x), and a box that scrolls must take the keyboard's focus for its arrow keys to
# scroll it. The sanitizer drops any tabindex an author wrote on them.
_SCROLL_BOX = re.compile(r'<(pre|table)((?: [a-z][a-z0-9-]*="[^"]*")*)>')


def scroll_boxes(sanitized: str) -> str:
    """Sanitized HTML (`sanitize_html`) with every <pre> and <table> reachable by keyboard."""
    return _SCROLL_BOX.sub(r'<\1\2 tabindex="0">', sanitized)


def sanitize_html(fragment: str) -> str:
    """An HTML fragment with only the tags and attributes an article body may have, closed."""
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = nh3.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            link_rel="noopener",
            filter_style_properties={"text-align"},
        )
    return cleaner.clean(fragment)


def engine_available(engine: str) -> bool:
    if engine == "commonmark":
        return cmarkgfm is not None
    return engine in ENGINES


def render_markdown(text: str, engine: str = "python-markdown") -> Rendered:
    """Convert an article body; `<!--more-->` on a line of its own ends the summary.

    Python-Markdown recurses once per level of nesting: a list nested some hundreds deep
    exhausts the stack (found by tests/fuzz). Such a body is shown as plain text, and says so.
    """
    try:
        return _render(text, engine)
    except RecursionError:
        _local.markdown = None  # left half-way through a document: the next one needs a new one
        paragraphs = (p.strip() for p in re.split(r"\n\s*\n", text))
        plain = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p)
        return Rendered(plain, None, "the body is nested too deeply to read as Markdown; "
                                     "it is shown as plain text")


def _render(text: str, engine: str) -> Rendered:
    parts = SUMMARY_MARKER.split(text, maxsplit=1)
    if len(parts) == 2:
        return Rendered(_convert(parts[0] + "\n\n" + parts[1], engine), _convert(parts[0], engine))
    return Rendered(_convert(text, engine), None)
