"""The text side of related reading: terms and weights.

An article becomes a short weighted vector of its most distinctive terms (BM25-saturated term
frequency times IDF, title and summary counted more than the body), normalised to length 1, so
that the dot product of two vectors is their cosine similarity in [0, 1].

Pairs are found without comparing every article with every other (related_pairs.py): articles
are visited oldest first, and each is scored only against older articles that have one of its
top terms among theirs. Only those inside the time horizon count, so the work per article
depends on how many articles were published around it, not on the size of the archive; a cap
per term bounds it when one term is in very many articles of a period.
"""

from __future__ import annotations

import math
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterator, KeysView, Mapping, Sequence
from dataclasses import dataclass

from .model import Article, quick_pickle
from .text import html_to_text, slugify

DAY = 86400.0

# BM25's term-frequency saturation. No length normalisation (BM25's b): the vectors are
# normalised to unit length instead, which is what makes a score comparable across articles.
K1 = 2.0

# Added to a term's document frequency in IDF: a word two articles share by chance ("kilometre",
# a place name) then outweighs a topic word in ten articles by less, and flukes rank lower.
IDF_SMOOTHING = 3

# Document frequencies are rounded to this many steps per doubling before IDF (see df_step).
DF_STEPS = 4

# The fewest articles a term must be in before `max_doc_share` may call it too common.
MIN_COMMON = 10

_WORD = re.compile(r"[^\W\d_]+")  # letters only: digits, underscores and punctuation split words
# ASCII letters lower-cased, every other byte a space: `split` then gives _WORD's words.
_ASCII_LETTERS = bytes(c | 0x20 if chr(c).isalpha() else 32 for c in range(128)) + b" " * 128

# English function words, plus words every news report uses whatever it is about (reporting
# verbs, weekdays, months, numbers written out). The `max_doc_share` cut catches the rest of a
# site's own routine words.
_STOP_WORDS_TEXT = """
a about above after again against ago all almost also although always am among an and another
any anyone are around as at away back be became because been before being below between both
but by can cannot could did do does doing done down during each either else even ever every
few for from further get gets got had has have having he her here hers herself him himself his
how however if in into is it its itself just last least less like made make many may me might
more most much must my myself near nearly neither never next no nor not now of off often on
once one only onto or other others our ours ourselves out over own per perhaps quite rather
really said same say saying says she should since so some still such than that the their
theirs them themselves then there these they this those though through thus to too toward
towards under until up upon us very via was we were what when where whether which while who
whom whose why will with within without would yet you your yours yourself yourselves
according added adding asked announced amid told tell tells week weeks year years today
yesterday tomorrow time times day days new news report reported reports reporting including
monday tuesday wednesday thursday friday saturday sunday
january february march april june july august september october november december
mr mrs ms dr st am pm
zero two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
hundred hundreds thousand thousands million millions billion billions half
first second third fourth fifth sixth seventh eighth ninth tenth
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@dataclass(frozen=True, slots=True)
class TextSettings:
    """The part of RelatedConfig that decides the vectors (kept apart so this module needs no config)."""

    title_weight: float
    summary_weight: float
    max_doc_share: float
    top_terms: int


@dataclass(frozen=True, slots=True)
class Pair:
    """Two articles (indexes into the article list, older first) and their text similarity."""

    older: int
    newer: int
    similarity: float


class TermCounts(Mapping[str, float]):
    """An article's term counts, as two flat arrays: a third of a dict's memory, which at
    100,000 articles of 50 terms each is 110 MB. Terms are interned, here and when unpickled:
    a small vocabulary that every article repeats, kept once. Read-only; looked up by scanning,
    which is all the index does outside its rare `in` (50 terms)."""

    __slots__ = ("_terms", "_counts")

    def __init__(self, counts: Mapping[str, float]) -> None:
        self._terms = tuple(map(sys.intern, counts))
        self._counts = array("d", counts.values())

    def __getitem__(self, term: str) -> float:
        try:
            return self._counts[self._terms.index(term)]
        except ValueError:
            raise KeyError(term) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, term: object) -> bool:
        return term in self._terms

    def keys(self) -> tuple[str, ...]:  # type: ignore[override]
        return self._terms

    def items(self) -> Iterator[tuple[str, float]]:  # type: ignore[override]
        return zip(self._terms, self._counts)

    def values(self) -> array:  # type: ignore[override]
        return self._counts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.items())!r})"

    def __reduce__(self) -> tuple:
        return type(self)._unpickled, (self._terms, self._counts.tobytes())

    @staticmethod
    def _unpickled(terms: tuple[str, ...], counts: bytes) -> TermCounts:
        return TermCounts.of_arrays(tuple(map(sys.intern, terms)), array("d", counts))

    @classmethod
    def of_arrays(cls, terms: tuple[str, ...], counts: array) -> TermCounts:
        """Made from its two arrays as they are (`terms` interned already): no dict between,
        for the places that make many (a build's vectors, the rows of the cache)."""
        made = cls.__new__(cls)
        made._terms, made._counts = terms, counts
        return made


class Weights(TermCounts):
    """An article's vector, its top terms and their weights, kept as TermCounts keeps counts:
    a dict of 25 floats was 1.4 KB an article, 140 MB at 100,000, alive at the peak of related
    reading. Its keys are a set as well, as a dict's are (shared terms, moved terms).

    A build reads a vector whole; an update also looks single weights up (`_visit`, `_pair`),
    thousands a visit, where a scan was 14 times a dict's time: the first lookup makes the
    vector's dict, kept from then on (the vectors an update touches, never all of them)."""

    __slots__ = ("_lookup",)

    def __init__(self, weights: Mapping[str, float]) -> None:
        super().__init__(weights)
        self._lookup: dict[str, float] | None = None

    def _dict(self) -> dict[str, float]:
        if self._lookup is None:
            self._lookup = dict(zip(self._terms, self._counts))
        return self._lookup

    def __getitem__(self, term: str) -> float:
        return self._dict()[term]

    def get(self, term: str, default: float | None = None) -> float | None:  # type: ignore[override]
        return self._dict().get(term, default)

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return KeysView(self)

    @staticmethod
    def _unpickled(terms: tuple[str, ...], counts: bytes) -> Weights:
        return Weights.of_arrays(tuple(map(sys.intern, terms)), array("d", counts))

    @classmethod
    def of_arrays(cls, terms: tuple[str, ...], counts: array) -> Weights:
        made = super().of_arrays(terms, counts)
        made._lookup = None
        return made  # type: ignore[return-value]


@quick_pickle
@dataclass(frozen=True, slots=True)
class RelatedDoc:
    """What related reading reads of an article, and nothing more (never its body): its text
    only as field-weighted term counts. The narrow input of the incremental index."""

    id: str
    title: str
    slug: str
    stamp: float  # the date, in days since the epoch
    category: str
    tags: frozenset[str]  # as slugs: tags are compared that way
    similar: tuple[str, ...]  # the titles it lists as similar
    counts: TermCounts  # term_counts of its title, summary and body
    fingerprint: str = ""  # the article's: an equal one means an equal doc
    lead: tuple[str, ...] = ()  # a derived title's summary start, where listed titles look too

    def _restored(self) -> None:
        """Unpickled: as its terms (TermCounts), its tags are a small vocabulary that every doc
        repeats, and that pickle would give every batch or store row its own copies of."""
        object.__setattr__(self, "tags", frozenset(map(sys.intern, self.tags)))
        object.__setattr__(self, "category", sys.intern(self.category))

    @classmethod
    def of(cls, article: Article, settings: TextSettings,
           known: Words | None = None) -> RelatedDoc:
        from .related_titles import title_lead  # it imports this module's stop words

        return cls(article.id, article.title, article.slug, stamp_of(article), article.category,
                   tag_slugs(article.tags), article.similar,
                   TermCounts(term_counts(article, settings, known)), article.fingerprint,
                   title_lead(article.title, article.summary))


def stamp_of(article: Article) -> float:
    return article.date.timestamp() / DAY


def tag_slugs(tags: Sequence[str]) -> frozenset[str]:
    return frozenset(filter(None, map(slugify, tags)))


class Words:
    """Word -> term ("" for a stop word), remembered across texts: an archive repeats its
    words, and this is the hot loop of the whole engine. ASCII words are kept by their bytes,
    the others by their text, in two dicts: a bytes word and its text have the same hash."""

    __slots__ = ("ascii", "other")

    def __init__(self) -> None:
        self.ascii: dict[bytes, str] = {}
        self.other: dict[str, str] = {}


def terms(text: str, known: Words | None = None) -> list[str]:
    """Lower-case, accent-free word stems with stop words removed; digits are never terms."""
    known = Words() if known is None else known
    if text.isascii():  # most text: its bytes, lower-cased and split at once, a third faster
        words = text.encode("ascii").translate(_ASCII_LETTERS).split()
        memo: dict = known.ascii
        for word in set(words).difference(memo):
            memo[word] = _term(word.decode("ascii"))
    else:
        words = _WORD.findall(unicodedata.normalize("NFC", text.casefold()))
        memo = known.other
        for word in set(words).difference(memo):
            memo[word] = _term(word)
    return list(filter(None, map(memo.__getitem__, words)))


def _term(word: str) -> str:
    if not word.isascii():
        decomposed = unicodedata.normalize("NFKD", word)
        word = "".join(c for c in decomposed if not unicodedata.combining(c))
    if len(word) < 2 or word in STOP_WORDS:
        return ""
    word = stem(word)
    return "" if word in STOP_WORDS else word


def stem(word: str) -> str:
    """Plural to singular only: "strikes" and "strike" must meet; anything bolder mangles names."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "ous")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1]


def term_counts(article: Article, settings: TextSettings,
                known: Words | None = None) -> Counter[str]:
    """Field-weighted term frequencies: a title word counts `title_weight` times a body word."""
    counts: Counter[str] = Counter(terms(html_to_text(article.body_html), known))
    for term in terms(article.title, known):
        counts[term] += settings.title_weight
    for term in terms(article.summary, known):
        counts[term] += settings.summary_weight
    return counts


def idf_base(article_count: int) -> int:
    """The corpus size IDF is computed against: the count rounded up to a power of two.

    Why: with the exact count, adding or removing any article would move every term's IDF and
    so every score on the site. Rounded, only a count crossing a power of two does that.
    """
    return 1 << max(1, article_count - 1).bit_length()


def df_step(df: int) -> float:
    """A document frequency rounded to a geometric scale of DF_STEPS steps per doubling.

    Why: one article more or less changes a term's IDF only when the count crosses a step. A
    common term (in hundreds of articles, whose IDF touches hundreds of vectors) rarely does;
    a rare one often does, but it is in few vectors. So an edit moves few vectors at any size.
    """
    return 2 ** (round(math.log2(df) * DF_STEPS) / DF_STEPS)


def common_cut(article_count: int, settings: TextSettings) -> float:
    """The most articles a term may be in before `max_doc_share` calls it too common.

    On a small site a share alone would drop a topic's own words (30% of 20 articles is 6), so
    a term is "too common" only when it is also in more than a few articles.
    """
    return max(settings.max_doc_share * article_count, MIN_COMMON)


def idf_value(df: int, base: int, most: float) -> float | None:
    """The IDF of a term in `df` articles, or None when it is left out (see idf_table)."""
    if 2 <= df <= most:
        return math.log(1 + base / (df_step(df) + IDF_SMOOTHING))
    return None


def idf_table(counts: Sequence[Mapping[str, float]], settings: TextSettings) -> dict[str, float]:
    """IDF of every term that can connect articles, from each article's term counts.

    Terms in only one article cannot connect it to anything and would crowd the top terms out;
    terms in more than `max_doc_share` of the articles (and more than MIN_COMMON) say nothing
    about a topic. Both are left out.
    """
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    most = common_cut(len(counts), settings)
    base = idf_base(len(counts))
    steps: dict[int, float | None] = {}
    idf = {}
    for term, n in df.items():
        if n not in steps:
            steps[n] = idf_value(n, base, most)
        if steps[n] is not None:
            idf[term] = steps[n]
    return idf


def weigh(counts: Mapping[str, float], idf: Mapping[str, float], top_terms: int) -> Weights:
    """An article's `top_terms` most distinctive terms -> weight, normalised to unit length."""
    # Negated weights, so that a plain sort puts the heaviest first and ties go by term:
    # the choice never depends on the order the words appear in.
    get, k = idf.get, K1 + 1
    weighted = [(-value * tf * k / (tf + K1), t)
                for t, tf in counts.items() if (value := get(t)) is not None]
    weighted.sort()
    top = weighted[:top_terms]
    norm = math.sqrt(sum(w * w for w, _ in top)) or 1.0
    # Made directly, not through a dict: a build weighs every article, on one core.
    return Weights.of_arrays(tuple(map(sys.intern, [t for _, t in top])),
                             array("d", [-w / norm for w, _ in top]))


def vectors(articles: Sequence[Article], settings: TextSettings) -> list[Weights]:
    """Each article's `top_terms` most distinctive terms -> weight, normalised to unit length.

    (Between builds, `related_state.RelatedIndex` keeps each article's term counts instead.)
    """
    known = Words()
    counts = [term_counts(article, settings, known) for article in articles]
    idf = idf_table(counts, settings)
    return [weigh(c, idf, settings.top_terms) for c in counts]


def shared_terms(a: dict[str, float], b: dict[str, float], limit: int) -> list[str]:
    """The terms contributing most to the similarity of two vectors, strongest first."""
    common = sorted([(-a[t] * b[t], t) for t in a.keys() & b.keys()])
    return [t for _, t in common[:limit]]
