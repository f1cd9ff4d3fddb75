"""Candidate pairs for related reading, scored as sparse products (NumPy).

Each article is visited oldest first and scored against the older articles that share one of
its top terms, inside the time horizon, at most `per_term_limit` of them per term (the nearest
in time): the bound on candidates that keeps the work linear in the articles at any density.

That is one sparse product per article, over its terms' postings. In pure Python it was the
build's largest serial step on a dense site (at 25,000 articles, 300 a day, 54 % of related
reading); here the postings are arrays sorted by term, and a block of articles is scored in a
few array operations.

The sums are the Python loop's to the last bit: each product is a float64 product of the same
two weights, and `bincount` adds a pair's products in the order they come, the article's term
order, starting from 0.0, as `acc[j] = acc.get(j, 0.0) + w * other` did. So the pairs, their
similarities, and every page built from them are the same (tests/test_related_pairs.py holds
the old loop as the oracle).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from .memory import settle_large_blocks

# Cells of the dense score block (articles of the block × the older articles they may pair
# with): 16 MB of float64. A block is as many articles as fit, at most BLOCK_MOST.
BLOCK_CELLS = 1 << 21
BLOCK_MOST = 512
# Articles whose postings are sorted together, at least: a stripe of the site and the older
# articles its horizon reaches. So the sorted postings grow with the articles published
# around a time, not with the site (at 100,000 articles, 300 a day, all of them sorted at once
# were 90 MB more at the build's peak).
STRIPE = 4096


def pair_blocks(
    order: Sequence[int],
    stamps: Sequence[float],
    vecs: Sequence[Mapping[str, float]],
    horizon_days: float,
    per_term_limit: int,
    min_similarity: float,
) -> Iterator[tuple[list[int], list[int], list[float]]]:
    """Every pair of articles within `horizon_days` of each other (0 = any) sharing a top term
    whose similarity is at least `min_similarity`, a block of newer articles at a time, as three
    lists (older, newer, similarity) rather than a Pair each (at 100,000 articles, 300 a day,
    1.2 million of them): newer article by newer article, the older ones of each by position.

    `order` lists article indexes oldest first (ties in a fixed order), `stamps` are their times
    in days. A pair's similarity is the dot product of the two vectors over the terms through
    which the newer article reaches the older one (all they share, unless a term's cap left the
    older one out). The weights are positive, as `weigh` makes them."""
    n = len(order)
    if n == 0:
        return
    times = np.fromiter((stamps[i] for i in order), dtype=np.float64, count=n)
    horizon = horizon_days if horizon_days > 0 else math.inf
    # The first position inside each article's horizon: `order` is oldest first.
    lows = np.searchsorted(times, times - horizon, side="left")
    terms = _Terms(order, vecs)
    indexes = np.asarray(order, dtype=np.int64)
    a = 0
    while a < n:
        # A stripe's articles reach back no further than its first one does.
        base = int(lows[a])
        end = min(n, a + max(STRIPE, a - base))
        postings = _Postings(terms, base, end)
        while a < end:
            low = int(lows[a])
            b = min(end, a + max(1, min(BLOCK_MOST, BLOCK_CELLS // (a - low + BLOCK_MOST))))
            newer, older, scores = postings.block(a, b, low, lows, per_term_limit,
                                                  min_similarity)
            if len(scores):
                yield (indexes[older].tolist(), indexes[newer].tolist(), scores.tolist())
            a = b
    del postings, terms
    settle_large_blocks()


class _Terms:
    """Every article's vector as flat arrays in visiting order: an entry per term (its id) and
    weight, and where each article's entries start."""

    def __init__(self, order: Sequence[int], vecs: Sequence[Mapping[str, float]]) -> None:
        n = len(order)
        ids: dict[str, int] = {}
        lengths = np.fromiter((len(vecs[i]) for i in order), dtype=np.int64, count=n)
        self.starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.starts[1:])
        total = int(self.starts[n])
        self.ids = np.fromiter((ids.setdefault(t, len(ids)) for i in order for t in vecs[i]),
                               dtype=np.int32, count=total)
        self.weights = np.fromiter((w for i in order for w in vecs[i].values()),
                                   dtype=np.float64, count=total)


class _Postings:
    """The entries of the articles at positions base..end-1 sorted by term, then position:
    each term's postings among them. Positions inside are counted from `base`."""

    def __init__(self, terms: _Terms, base: int, end: int) -> None:
        self.terms, self.base = terms, base
        e0, e1 = int(terms.starts[base]), int(terms.starts[end])
        ids = terms.ids[e0:e1]
        self.size = end - base
        by_term = np.argsort(ids, kind="stable")  # entries are in position order
        owners = np.repeat(np.arange(self.size, dtype=np.int64),
                           np.diff(terms.starts[base:end + 1]))
        # Ascending: term, then position; the position is the key's remainder.
        self.keys = ids[by_term].astype(np.int64) * self.size + owners[by_term]
        self.weights = terms.weights[e0:e1][by_term]
        self.place = np.empty(e1 - e0, dtype=np.int64)  # each entry's own place in the postings
        self.place[by_term] = np.arange(e1 - e0, dtype=np.int64)

    def block(self, a: int, b: int, low: int, lows: np.ndarray, per_term_limit: int,
              min_similarity: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs whose newer article is at positions a..b-1, all of whose older ones are
        at `low` or later: each entry is scored against a run of its term's postings (the
        older articles inside the horizon, the last `per_term_limit` of them), and each
        product is added into a dense block (newer × older) in the order they come."""
        terms, base, size = self.terms, self.base, self.size
        e0, e1 = int(terms.starts[a]), int(terms.starts[b])
        owners = np.repeat(np.arange(a - base, b - base, dtype=np.int64),
                           np.diff(terms.starts[a:b + 1]))
        place = self.place[e0 - int(terms.starts[base]):e1 - int(terms.starts[base])]
        # An entry's own place ends its run, since the postings before it are older.
        inside = np.searchsorted(self.keys, terms.ids[e0:e1].astype(np.int64) * size
                                 + (lows[owners + base] - base))
        firsts = np.maximum(place - per_term_limit, inside)
        counts = place - firsts
        total = int(counts.sum())
        if total == 0:
            return _NONE
        ends = np.cumsum(counts)
        # The postings' places, run after run: each run's first place, then counting up.
        places = np.arange(total, dtype=np.int64) + np.repeat(firsts - (ends - counts), counts)
        products = np.repeat(terms.weights[e0:e1], counts) * self.weights[places]
        width = b - low
        cells = (np.repeat(owners, counts) - (a - base)) * width \
            + (self.keys[places] % size - (low - base))
        scores = np.bincount(cells, weights=products, minlength=(b - a) * width)
        # Untouched cells are 0.0 and every product is positive: `> 0` is "shares a term".
        found = np.flatnonzero((scores >= min_similarity) & (scores > 0))
        newer, older = np.divmod(found, width)
        return newer + a, older + low, scores[found]


_NONE = (np.zeros(0, dtype=np.int64),) * 2 + (np.zeros(0),)
