"""Matching the titles an article lists as similar to the site's articles, forgiving small slips.

A listed title matches a site article when their keys are equal (case, accents, punctuation and
spacing aside, and a trailing source name such as " - BBC News" dropped), or else when the keys
differ by so few edits that 1 - distance / length reaches the threshold: "acccusations" still
finds "accusations". Fuzzy candidates come from a word index, so a long archive is not scanned.

An article whose title was derived from its summary (an export has no title) is also found by
the start of its summary: the listed title is the headline the source gave it, which is the
summary's opening words when the derived title had to be cut at a clause, or the summary's
first sentence when the tracker put the headline there.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from .model import Article
from .related_index import STOP_WORDS
from .text import normalize_title

# " - BBC News", " | Reuters", " — The Guardian": a separator with spaces around it, then a
# short name at the end. The hyphen in "Azerbaijan-Armenia" has no spaces, so it stays.
_SOURCE_SUFFIX = re.compile(r"\s+[-–—|:]\s+[^-–—|:]{1,40}$")

_ASCII_PUNCTUATION = re.compile(r"[^\w\s]|_")

# Fuzzy candidates examined per title: the articles sharing the most words with it.
_FUZZY_CANDIDATES = 10
# Words a slip of one or two characters can change.
_TYPO_WORDS = 2
# Words of a summary's start indexed for listed headlines: more than any headline has.
_LEAD_WORDS = 30


@dataclass(frozen=True, slots=True)
class TitleMatch:
    article: Article
    score: float  # 1.0 for an exact key match


def title_keys(title: str) -> tuple[str, ...]:
    """The key of the title as written, then (when different) the key without a source suffix."""
    full = _key(title)
    stripped = _SOURCE_SUFFIX.sub("", title.strip())
    if stripped == title.strip():
        return (full,)
    bare = _key(stripped)
    return (full, bare) if bare and bare != full else (full,)


def _key(title: str) -> str:
    """normalize_title (the key Site.by_title uses), with a fast path for plain ASCII titles."""
    if title.isascii():
        return " ".join(_ASCII_PUNCTUATION.sub(" ", title.lower()).split())
    return normalize_title(title)


def _content_words(key: str) -> frozenset[str]:
    return frozenset(w for w in key.split() if w not in STOP_WORDS)


def _pairs(key: str) -> list[str]:
    words = key.split()
    return [f"{a} {b}" for a, b in pairwise(words)]


def title_features(title: str, lead: tuple[str, ...] = ()) -> frozenset[str]:
    """Everything of a title the index looks it up by: its keys, its words and word pairs,
    and the words of its lead (a derived title's summary start).

    A listed title's match can change only when a site title sharing one of these comes, goes,
    or moves in site order: an incremental index re-matches just those.
    """
    keys = title_keys(title)
    return frozenset([*("k:" + k for k in keys), *("w:" + w for w in _content_words(keys[-1])),
                      *("p:" + p for p in _pairs(keys[-1])),
                      *("w:" + w for w in _content_words(" ".join(lead)))])


class TitleIndex:
    """Site titles by key, in site order, so the newest article wins a shared title; and, built
    on the first listed title no key matches, by word, word pair and lead (`_Fuzzy`). Where
    every listed title is a site title (a newsletter's own), the words are never indexed: they
    were most of related reading's memory at 100,000 articles."""

    __slots__ = ("articles", "by_key", "_keys", "_fuzzy")

    def __init__(self, articles: tuple[Article, ...], by_key: dict[str, int],
                 keys: list[tuple[str, ...]]) -> None:
        self.articles, self.by_key, self._keys = articles, by_key, keys
        self._fuzzy: _Fuzzy | None = None

    @classmethod
    def build(cls, articles: Sequence[Article]) -> TitleIndex:
        by_key: dict[str, int] = {}
        all_keys = []
        for i, article in enumerate(articles):
            keys = title_keys(article.title)
            all_keys.append(keys)
            for key in keys:
                by_key.setdefault(key, i)
        return cls(tuple(articles), by_key, all_keys)

    @property
    def fuzzy(self) -> _Fuzzy:
        if self._fuzzy is None:
            self._fuzzy = _Fuzzy.build(self.articles, self._keys)
        return self._fuzzy

    def match(self, title: str, threshold: float) -> TitleMatch | None:
        """The site article a listed title names, or None when none is close enough."""
        keys = title_keys(title)
        for key in keys:
            if key in self.by_key:
                return TitleMatch(self.articles[self.by_key[key]], 1.0)
        best: tuple[float, int] | None = None
        fuzzy = self.fuzzy
        if threshold < 1.0:
            for i in fuzzy.candidates(keys[-1]):
                score = max(similarity(k, own, threshold) for k in keys for own in self._keys[i])
                if score >= threshold and (best is None or score > best[0]):
                    best = (score, i)
        for score, i in fuzzy.lead_matches(keys, threshold):
            if best is None or score > best[0]:
                best = (score, i)
        return TitleMatch(self.articles[best[1]], best[0]) if best else None


@dataclass(frozen=True, slots=True)
class _Fuzzy:
    """The site titles by word, word pair and lead: where a listed title with a slip, or a
    derived title's headline, is looked for. Words are interned: titles repeat them."""

    words: tuple[frozenset[str], ...]  # each title's words, stop words aside
    by_word: dict[str, tuple[int, ...]]
    by_pair: dict[str, tuple[int, ...]]  # "word word" of adjacent words -> titles
    leads: dict[int, tuple[str, ...]]  # derived titles: the words of the summary's start
    by_lead_word: dict[str, tuple[int, ...]]

    @classmethod
    def build(cls, articles: Sequence[Article], keys: Sequence[tuple[str, ...]]) -> _Fuzzy:
        by_word: dict[str, list[int]] = {}
        by_pair: dict[str, list[int]] = {}
        all_words = []
        leads: dict[int, tuple[str, ...]] = {}
        by_lead_word: dict[str, list[int]] = {}
        for i, article in enumerate(articles):
            # A RelatedDoc carries its lead; an Article's is worked out from its summary.
            lead = getattr(article, "lead", None)
            if lead is None:
                lead = title_lead(article.title, article.summary)
            if lead:
                leads[i] = tuple(map(sys.intern, lead))
                for word in _content_words(" ".join(lead)):
                    by_lead_word.setdefault(word, []).append(i)
            words = frozenset(map(sys.intern, _content_words(keys[i][-1])))  # kept: shared
            all_words.append(words)
            for word in words:
                by_word.setdefault(word, []).append(i)
            for pair in _pairs(keys[i][-1]):
                by_pair.setdefault(pair, []).append(i)
        return cls(tuple(all_words), {w: tuple(ids) for w, ids in by_word.items()},
                   {p: tuple(ids) for p, ids in by_pair.items()},
                   leads, {w: tuple(ids) for w, ids in by_lead_word.items()})

    def lead_matches(self, keys: tuple[str, ...], threshold: float) -> list[tuple[float, int]]:
        """Derived-title articles whose summary starts with the listed title (or nearly: the
        same similarity threshold, against the summary's first words of the title's length).
        Headlines of three words or fewer are left to the title match: too many summaries
        start alike."""
        found = []
        for key in keys:
            words = key.split()
            content = _content_words(key)
            if len(words) < 4 or not content:
                continue
            lists = sorted((self.by_lead_word.get(w, ()) for w in content), key=len)
            pool = set().union(*lists[: _TYPO_WORDS + 1])
            for i in sorted(pool):
                lead = self.leads[i]
                score = max(similarity(key, " ".join(lead[:n]), threshold)
                            for n in range(max(1, len(words) - 1), len(words) + 2))
                if score >= threshold:
                    found.append((score, i))
        return found

    def candidates(self, key: str) -> list[int]:
        """Titles sharing all but at most two of the key's words, most shared first.

        A slip of a character or two changes at most two words, so a title sharing fewer is not
        worth an edit distance. Such a title also has one of any five of the key's word pairs
        (two changed words break at most four), or of any three of its words: so only the
        titles under the five rarest pairs (or three rarest words, in a short title) need
        counting, and a long archive stays fast. (Two slips that each split a word in two can
        break more, and are missed.)
        """
        words = _content_words(key)
        if not words:
            return []
        pairs = set(_pairs(key))
        if len(pairs) > 2 * _TYPO_WORDS:
            lists = sorted((self.by_pair.get(p, ()) for p in pairs), key=len)
            pool = set().union(*lists[: 2 * _TYPO_WORDS + 1])
        else:
            lists = sorted((self.by_word.get(w, ()) for w in words), key=len)
            pool = set().union(*lists[: _TYPO_WORDS + 1])
        enough = len(words) - _TYPO_WORDS
        shared = ((len(words & self.words[i]), i) for i in pool)
        ranked = sorted((-n, i) for n, i in shared if n >= enough)
        return [i for _, i in ranked[:_FUZZY_CANDIDATES]]


def title_lead(title: str, summary: str) -> tuple[str, ...]:
    """The first words of the summary, for an article whose title was taken from it (its
    title's key starts the summary's key); () for any other."""
    if not summary:
        return ()
    title = _key(title.rstrip("…").strip())
    summary = _key(" ".join(summary.split()[:_LEAD_WORDS]))
    if not title or not (summary == title or summary.startswith(title + " ")):
        return ()
    return tuple(summary.split())


def similarity(a: str, b: str, threshold: float = 0.0) -> float:
    """1 - edit distance / length of the longer string: 1.0 equal, 0.0 nothing in common.

    Below `threshold` the exact value does not matter and 0.0 may come back instead, sooner.
    """
    longest = max(len(a), len(b))
    if longest == 0:
        return 1.0
    limit = int((1.0 - threshold) * longest)
    if abs(len(a) - len(b)) > limit:
        return 0.0
    distance = edit_distance(a, b, limit)
    return 0.0 if distance > limit else 1.0 - distance / longest


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Levenshtein distance: insertions, deletions and substitutions of one character each.

    With a `limit`, any distance above it comes back as limit + 1, found sooner: only a band of
    2 * limit + 1 cells per row is computed, after the common prefix and suffix are set aside
    (a typo leaves almost the whole title on them).
    """
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    a, b = a[start:end_a], b[start:end_b]
    if len(a) < len(b):
        a, b = b, a
    bound = len(a) if limit is None else limit
    over = bound + 1
    if len(a) - len(b) > bound:
        return over
    previous = [j if j <= bound else over for j in range(len(b) + 1)]
    for i, ca in enumerate(a, 1):
        current = [over] * (len(b) + 1)
        if i <= bound:
            current[0] = i
        low, high = max(1, i - bound), min(len(b), i + bound)
        for j in range(low, high + 1):
            current[j] = min(previous[j - 1] + (ca != b[j - 1]), previous[j] + 1,
                             current[j - 1] + 1, over)
        if min(current[low - 1: high + 1]) >= over:
            return over
        previous = current
    return previous[-1]
