"""Candidate pairs for related reading, scored as sparse products (NumPy).

Each article is visited oldest first and scored against the older articles that share one of
its top terms, inside the time horizon, at most `per_term_limit` of them per term (the nearest
in time): the bound on candidates that keeps the work linear in the articles at any density,
and with no horizon at all (`window_days: 0`).

That is one sparse product per article, over its terms' postings. In pure Python it was the
build's largest serial step on a dense site (at 25,000 articles, 300 a day, 54 % of related
reading); here the postings are arrays sorted by term, and a block of articles is scored in a
few array operations: 8.0 s -> 2.6 s there, and 11.2 s -> 2.7 s with no horizon.

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

# A block of newer articles is scored at once: at most BLOCK_MOST of them, and at most
# BLOCK_PRODUCTS products (each an older article reached through a term), unless one article
# alone has more. That bounds a block's arrays: about 10 of that length, 40 MB.
BLOCK_MOST = 512
BLOCK_PRODUCTS = 1 << 19
# A block's scores are added up in a dense grid (newer × older articles in reach) while the
# grid is at most SPARSE times the products and BLOCK_CELLS cells; past that (a wide horizon,
# `window_days: 0`, where most of the grid would stay empty) only the pairs that occur are
# kept, sorted. Either way each pair's products are added in the order they come.
BLOCK_CELLS = 1 << 21
SPARSE = 16
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
    per_term_limit = min(per_term_limit, n)  # any more reaches every older article
    a = 0
    while a < n:
        # A stripe's articles reach back no further than its first one does.
        base = int(lows[a])
        end = min(n, a + max(STRIPE, a - base))
        postings = _Postings(terms, base, end, lows, per_term_limit)
        while a < end:
            a, (newer, older, scores) = postings.block(a, end, min_similarity)
            if len(scores):
                yield (indexes[older].tolist(), indexes[newer].tolist(), scores.tolist())


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
    each term's postings among them. Positions inside are counted from `base`. Each entry of
    an article is scored against a run of its term's postings: the older articles inside the
    horizon, the last `per_term_limit` of them."""

    def __init__(self, terms: _Terms, base: int, end: int, lows: np.ndarray,
                 per_term_limit: int) -> None:
        self.terms, self.base, self.lows, self.limit = terms, base, lows, per_term_limit
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

    def _runs(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each entry of the articles at a..b-1: its article, its run's first place in the
        postings, the run's length."""
        terms, base = self.terms, self.base
        e0, e1 = int(terms.starts[a]), int(terms.starts[b])
        owners = np.repeat(np.arange(a - base, b - base, dtype=np.int64),
                           np.diff(terms.starts[a:b + 1]))
        place = self.place[e0 - int(terms.starts[base]):e1 - int(terms.starts[base])]
        # An entry's own place ends its run, since the postings before it are older.
        inside = np.searchsorted(self.keys, terms.ids[e0:e1].astype(np.int64) * self.size
                                 + (self.lows[owners + base] - base))
        firsts = np.maximum(place - self.limit, inside)
        return owners, firsts, place - firsts

    def block(self, a: int, end: int, min_similarity: float
              ) -> tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The next block's end, and the pairs whose newer article is in it: (newer, older,
        similarity), newer ones in order and the older ones of each by position."""
        terms, base = self.terms, self.base
        low = int(self.lows[a])
        b = min(end, a + max(1, min(BLOCK_MOST, BLOCK_CELLS // (a - low + BLOCK_MOST))))
        owners, firsts, counts = self._runs(a, b)
        # Cut the block where its products pass the budget (one article at least).
        so_far = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=so_far[1:])
        upto = so_far[terms.starts[a + 1:b + 1] - terms.starts[a]]  # after each article
        b = a + max(1, int(np.searchsorted(upto, BLOCK_PRODUCTS, side="right")))
        cut = int(terms.starts[b] - terms.starts[a])
        owners, firsts, counts = owners[:cut], firsts[:cut], counts[:cut]
        total = int(so_far[cut])
        if total == 0:
            return b, _NONE
        width = b - low
        dense = (b - a) * width <= SPARSE * total
        # The postings' places, run after run: each run's first place, then counting up.
        places = np.arange(total, dtype=np.int64) + np.repeat(firsts - so_far[:cut], counts)
        e0 = int(terms.starts[a])
        products = np.repeat(terms.weights[e0:e0 + cut], counts) * self.weights[places]
        cells = (np.repeat(owners, counts) - (a - base)) * width \
            + (self.keys[places] % self.size - (low - base))
        if dense:
            scores = np.bincount(cells, weights=products, minlength=(b - a) * width)
            keep = scores >= min_similarity
            if min_similarity <= 0:  # a cell no product reached is not a pair, even at 0.0
                keep &= np.bincount(cells, minlength=(b - a) * width) > 0
            found = np.flatnonzero(keep)
            scores = scores[found]
        else:
            found, slots = np.unique(cells, return_inverse=True)
            scores = np.bincount(slots, weights=products)
            keep = scores >= min_similarity
            found, scores = found[keep], scores[keep]
        newer, older = np.divmod(found, width)
        return b, (newer + a, older + low, scores)


_NONE = (np.zeros(0, dtype=np.int64),) * 2 + (np.zeros(0),)
