"""Plain-text rules shared by every reader: slugs, titles, summaries, word counts."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from functools import lru_cache

from markupsafe import Markup

WORDS_PER_MINUTE = 200

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
TITLE_SLUG_MAX = 60  # a slug made from a title: a URL people can read and share


def short_slug(title: str) -> str:
    """The slug of a title, cut at a word to at most about 60 characters."""
    slug = slugify(title)
    if len(slug) <= TITLE_SLUG_MAX:
        return slug
    words: list[str] = []
    for word in title.split():  # whole words of the title: `Nagorno-Karabakh` is not cut
        if len(slugify(" ".join(words + [word]))) > TITLE_SLUG_MAX:
            break
        words.append(word)
    while len(words) > 2 and words[-1].lower() in _DANGLING:
        words.pop()
    return slugify(" ".join(words)) or slug[:TITLE_SLUG_MAX].strip("-")


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
    """A headline for a source that has none: the summary's first sentence (else the body's)
    when it fits; else the sentence cut where a clause ends, never mid-phrase."""
    source = summary or next((p for p in paragraphs if p.strip()), "")
    sentence = first_sentence(source[:SENTENCE_SCAN]).rstrip()
    sentence = re.sub(r"[.…]+$", "", sentence) if not sentence.endswith("...") else sentence[:-3]
    return headline(sentence)


HEADLINE_FITS = 100  # a whole sentence this long is a headline as it is
HEADLINE_AIM = 90  # else it is cut near here, where a clause ends
SENTENCE_SCAN = 2000  # no first sentence is longer: the rest of a long text is not scanned
# Where a clause ends: punctuation, or before a word that opens the next clause.
_CLAUSE = re.compile(r",\s|;\s|:\s|\s[–—-]\s|\s(?=(?:after|as|while|with|following|when|where|"
                     r"which|who|whose|and|but|because|since|amid|despite|before|until|"
                     r"prompting|resulting|though|although|including|according)\s)")
# Words a headline never ends on: cutting there would leave a phrase half said.
_DANGLING = frozenset("a an the of to in on at by for from with near and or but as into over "
                      "under about after before during than that this these those its their "
                      "his her our your is are was were be been has have had will would".split())


# Words that open a phrase (prepositions, conjunctions): a headline may end just before one.
_OPENERS = frozenset("near in on at by for from with into over under about after before during "
                     "as while when where which who because since amid despite until following "
                     "including than".split())


def headline(sentence: str) -> str:
    """`sentence` if it fits; else up to the last clause boundary that fits; else up to the
    last word that fits, never one a phrase would dangle from."""
    sentence = collapse_spaces(sentence)
    if len(sentence) <= HEADLINE_FITS:
        return sentence
    ends = [m.start() for m in _CLAUSE.finditer(sentence, 0, HEADLINE_FITS + 1)]
    # The last clause to end near the aim; else the last one that fits at all.
    for low, high in ((50, HEADLINE_AIM), (30, HEADLINE_FITS)):
        near = [end for end in ends if low <= end <= high]
        if near and (cut := sentence[:near[-1]].rstrip(" ,;:–—-")):
            return cut
    # Before a word that opens a phrase ("... fragments | near Eastfield"): the phrase before
    # it is whole.
    words = sentence.split(" ")
    length, best = 0, 0
    for index, word in enumerate(words[:-1]):
        length += len(word) + (1 if index else 0)
        if length > HEADLINE_FITS:
            break
        if length >= 50 and words[index + 1].lower() in _OPENERS \
                and word.lower().strip(",;:") not in _DANGLING:
            best = index + 1
    if best:
        return " ".join(words[:best]).rstrip(" ,;:–—-")
    cut = sentence[:HEADLINE_AIM + 1]
    kept = cut.split() if sentence[HEADLINE_AIM + 1:HEADLINE_AIM + 2] in (" ", "") \
        else cut.split()[:-1]
    while len(kept) > 3 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    return " ".join(kept).rstrip(" ,;:–—-") or shorten(sentence, HEADLINE_AIM)


def teaser(summary: str, title: str, derived: bool = False) -> str:
    """What a list shows under a headline: the summary, or what follows the title in it when
    the summary opens with it, so that the same words are not read twice. A title taken from
    the summary (`derived`) ends where a clause does; another must end a sentence of it."""
    if not title or not summary.startswith(title):
        return summary
    rest = summary[len(title):]
    if rest[:1] in ".!?…" and title[-1:] not in ".!?…":
        rest = rest[1:]
    elif not (derived or title[-1:] in ".!?…"):
        return summary
    if rest and not (rest[:1].isspace() or rest[:1] in ",;:–—-"):
        return summary  # the title ends inside a word of the summary ("Port" in "Portland")
    rest = rest.lstrip(" ,;:–—-")
    return rest[:1].upper() + rest[1:]


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


@lru_cache(maxsize=4)  # a reader and related reading ask it of one body in turn
def html_to_text(fragment: str) -> str:
    """Readable plain text of an HTML fragment: blocks separated by spaces, entities decoded."""
    spaced = _BLOCK_TAG.sub(" ", fragment)
    return collapse_spaces(html.unescape(_ANY_TAG.sub("", spaced)))


def opening_text(fragment: str, size: int = 200) -> str:
    """The start of Jinja's `fragment | striptags`, at least `size` characters of it (or all
    of it), without stripping the whole fragment: a theme compares it with the summary on every
    article page, and striptags walks every tag in Python.

    The fragment is cut just after a `>`, so each tag before the cut is the tag striptags sees
    (a tag ends at its first `>`) and no entity is cut in two; the cut doubles until its text
    is long enough. A comment may hide a `>`: with one, the whole fragment is stripped."""
    cut = 4 * size
    while cut < len(fragment):
        end = fragment.find(">", cut)
        head = fragment[:end + 1]
        if end < 0 or "<!--" in head:
            break
        text = Markup(head).striptags()
        if len(text) >= size:
            return text
        cut *= 2
    return Markup(fragment).striptags()


def count_words(text: str) -> int:
    return len(text.split())


def count_collapsed_words(text: str) -> int:
    """count_words of text that collapse_spaces made (html_to_text's): one space between
    words and none at either end, so the spaces are counted, not the text split again."""
    return text.count(" ") + 1 if text else 0


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
