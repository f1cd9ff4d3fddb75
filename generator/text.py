"""Plain-text rules shared by every reader: slugs, titles, summaries, word counts."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from functools import lru_cache

WORDS_PER_MINUTE = 200
TITLE_MAX = 100

# Words after which a period does not end a sentence ("Sept. 27", "Mr. Aliyev", "U.S. troops").
ABBREVIATIONS = frozenset(
    ["mr", "mrs", "ms", "dr", "prof", "st", "mt", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "rev", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp", "no", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx", "est", "dept", "fig", "vol"]
)

_SENTENCE_END = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s|$)""")
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|blockquote|pre|br|hr|tr|td|th|table|thead|tbody|section|"
    r"article|figure|figcaption|dd|dt|dl|aside|header|footer)\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"<[^>]*>")
_JEKYLL_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
# C0 controls but tab and newline, DEL, C1 controls, lone surrogates and the two noncharacters
# U+FFFE/U+FFFF: never text in an article, invalid in XML, and a way to smuggle markup past a
# reader's eye. Removed wherever text enters Digest.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


@lru_cache(maxsize=1 << 16)
def slugify(value: str) -> str:
    """URL-safe, lower-case, hyphen-separated; accents folded, other scripts' letters kept."""
    decomposed = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    slug = re.sub(r"[^\w]+", "-", folded.lower().replace("_", "-").replace("'", "").replace("’", ""))
    return _bounded(slug.strip("-"))


SLUG_MAX = 100  # characters; and at most 200 bytes in UTF-8, under any file system's 255


def _bounded(slug: str) -> str:
    """A slug short enough to be a file name: cut at a hyphen when one is near the limit."""
    if len(slug) <= SLUG_MAX and len(slug.encode()) <= 200:
        return slug
    cut = slug[:SLUG_MAX]
    while len(cut.encode()) > 200:
        cut = cut[:-1]
    head = cut.rsplit("-", 1)[0] if "-" in cut[SLUG_MAX // 2:] else cut
    return head.strip("-")


def split_jekyll_name(stem: str) -> tuple[str | None, str]:
    """`2023-09-27-armenia-talks` -> ("2023-09-27", "armenia-talks"); other names unchanged."""
    match = _JEKYLL_DATE.match(stem)
    if match:
        return f"{match[1]}-{match[2]}-{match[3]}", match[4]
    return None, stem


def normalize_title(title: str) -> str:
    """The key two titles share when they differ only in case, accents, punctuation or spacing."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]|_", " ", letters).split())


def strip_controls(value: str) -> tuple[str, int]:
    """The text without control characters, and how many were removed."""
    cleaned, count = _CONTROL.subn("", value)
    return cleaned, count


def first_control(value: str) -> int | None:
    """The index of the first control character, or None: cheap when there is none."""
    match = _CONTROL.search(value)
    return match.start() if match else None


def collapse_spaces(value: str) -> str:
    return " ".join(value.split())


def dedupe_paragraphs(paragraphs: list[str]) -> list[str]:
    """Drop repeated paragraphs, keeping each one's first occurrence (exports repeat the body)."""
    seen: set[str] = set()
    kept = []
    for paragraph in paragraphs:
        key = collapse_spaces(paragraph)
        if key and key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return kept


def first_sentence(text: str) -> str:
    """The text up to its first sentence end, skipping abbreviations and initials."""
    text = collapse_spaces(text)
    for match in _SENTENCE_END.finditer(text):
        before = text[: match.start()].rsplit(" ", 1)[-1].lower().lstrip("(\"'“‘")
        after = text[match.end():].lstrip()
        if match.group().startswith("."):
            if before in ABBREVIATIONS or len(before) == 1 or "." in before:
                continue
        if after and not (after[0].isupper() or after[0] in "\"'“‘(["):
            continue
        return text[: match.end()]
    return text


def derive_title(summary: str, paragraphs: list[str]) -> str:
    """A title for a source that has none: the summary's first sentence, else the body's."""
    source = summary or next((p for p in paragraphs if p.strip()), "")
    sentence = first_sentence(source).rstrip()
    sentence = re.sub(r"\.+$", "", sentence) if not sentence.endswith("...") else sentence
    return shorten(sentence, TITLE_MAX)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary, with an ellipsis when cut."""
    text = collapse_spaces(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def finish_summary(summary: str) -> str:
    """A summary that stops mid-sentence is shown with a closing ellipsis."""
    summary = collapse_spaces(summary)
    if not summary or ends_sentence(summary):
        return summary
    return summary.rstrip(" ,;:-–—") + "…"


def ends_sentence(text: str) -> bool:
    return bool(re.search(r"""[.!?…]["'”’)\]]*$""", text))


def html_to_text(fragment: str) -> str:
    """Readable plain text of an HTML fragment: blocks separated by spaces, entities decoded."""
    spaced = _BLOCK_TAG.sub(" ", fragment)
    return collapse_spaces(html.unescape(_ANY_TAG.sub("", spaced)))


def count_words(text: str) -> int:
    return len(text.split())


def reading_minutes(words: int) -> int:
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def excerpt(text: str, words: int = 55) -> str:
    """The first `words` words, for an article with no summary of its own."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return finish_summary(" ".join(parts[:words]))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Insertions, deletions, substitutions and swaps of two neighbours that turn `a` into `b`
    (optimal string alignment); anything over `limit` is reported as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def plural(count: int, noun: str) -> str:
    """"1 page", "2 pages", "1,024 files": the count and the noun that agrees with it."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def display_name(label: str) -> str:
    """How a category written only in lower case (a folder, `news`, `world-news`) is shown:
    "News", "World News". A label with capitals in it is shown as it was written."""
    if label != label.lower():
        return label
    words = label.replace("-", " ").replace("_", " ").split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or label
