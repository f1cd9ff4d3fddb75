"""related_pairs: the candidate pairs scored as sparse products, held to the Python loop that
scored them before (`_loop`, kept here as the oracle) to the last bit of each similarity."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from contextlib import ExitStack
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.related_index import Pair, Weights
from generator.related_pairs import pair_blocks


def _loop(order, stamps, vecs, horizon_days, per_term_limit, min_similarity) -> list[Pair]:
    """The pure-Python scoring that related_pairs replaced (as it stood at 2129935)."""
    horizon = horizon_days if horizon_days > 0 else math.inf
    index: dict[str, list] = {}
    pairs: list[Pair] = []
    for i in order:
        earliest = stamps[i] - horizon
        acc: dict[int, float] = {}
        for term, weight in vecs[i].items():
            entry = index.get(term)
            if entry is None:
                index[term] = [[i], [weight], 0]
                continue
            ids, weights, start = entry
            while start < len(ids) and stamps[ids[start]] < earliest:
                start += 1
            entry[2] = start
            first = max(len(ids) - per_term_limit, start)
            for j, other in zip(ids[first:], weights[first:]):
                acc[j] = acc.get(j, 0.0) + weight * other
            ids.append(i)
            weights.append(weight)
        pairs += [Pair(j, i, s) for j, s in acc.items() if s >= min_similarity]
    return pairs


def similar_pairs(*args) -> list[Pair]:
    return [Pair(*pair) for block in pair_blocks(*args) for pair in zip(*block)]


def _by_newer(pairs: list[Pair]) -> list[tuple[int, dict[int, float]]]:
    """The pairs grouped by their newer article, in the order they come (the older ones of one
    newer article as a dict: the loop gave them in the order it met them)."""
    groups: list[tuple[int, dict[int, float]]] = []
    for p in pairs:
        if not groups or groups[-1][0] != p.newer:
            groups.append((p.newer, {}))
        groups[-1][1][p.older] = p.similarity
    return groups


def _case(rng: random.Random, n: int, vocabulary: int, terms: int, zeros: bool = False):
    # Whole days half of the time: articles exactly a horizon apart (still inside it).
    whole = rng.random() < 0.5
    stamps = sorted(float(rng.randint(0, 30)) if whole else rng.uniform(0, 60) for _ in range(n))
    order = list(range(n))
    rng.shuffle(order)  # article indexes are not positions
    by_index = [0.0] * n
    for position, i in enumerate(order):
        by_index[i] = stamps[position]
    words = [f"t{k}" for k in range(vocabulary)]
    vecs = []
    for _ in range(n):
        chosen = rng.sample(words, min(vocabulary, rng.randint(1, terms)))
        # A zero weight: a term only in the title, with `title_weight: 0`.
        raw = [0.0 if zeros and rng.random() < 0.3 else rng.uniform(0.05, 1.0) for _ in chosen]
        norm = math.sqrt(sum(w * w for w in raw)) or 1.0
        vec = {t: w / norm for t, w in zip(chosen, raw)}
        vecs.append(Weights(vec) if rng.random() < 0.5 else vec)  # weigh's, or a dict
    return order, by_index, vecs


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 120), vocabulary=st.integers(1, 40),
       terms=st.integers(1, 12), horizon=st.sampled_from([0, 0.5, 3, 10]),
       limit=st.sampled_from([1, 2, 3, 6, 2**63]), zeros=st.booleans(),
       floor=st.sampled_from([-0.05, 0.0, 0.05, 0.2, 0.6]),
       sizes=st.sampled_from([(4096, 512, 1 << 19, 16), (7, 3, 40, 16), (5, 4, 1, 0),
                              (9, 2, 30, 10**9)]))
def test_the_same_pairs_and_the_same_bits_as_the_loop(seed, n, vocabulary, terms, horizon,
                                                      limit, zeros, floor, sizes):
    """Any stripe and block sizes, dense blocks or only the pairs that occur, zero weights
    (pairs of similarity 0.0 where the floor lets them in), caps past any article count."""
    import generator.related_pairs as related_pairs

    order, stamps, vecs = _case(random.Random(seed), n, vocabulary, terms, zeros)
    names = ("STRIPE", "BLOCK_MOST", "BLOCK_PRODUCTS", "SPARSE")
    with ExitStack() as stack:
        for name, value in zip(names, sizes):
            stack.enter_context(patch.object(related_pairs, name, value))
        got = similar_pairs(order, stamps, vecs, horizon, limit, floor)
    want = _loop(order, stamps, vecs, horizon, limit, floor)
    assert _by_newer(got) == _by_newer(want)  # float ==: the same bits
    for group in _by_newer(got):  # older ones by position
        older = list(group[1])
        assert older == sorted(older, key=order.index)


@pytest.mark.parametrize("horizon", [5, 0])
def test_stripes_and_blocks_of_any_size(monkeypatch, horizon):
    """A stripe sorts only its own articles' postings and those its horizon reaches; a block's
    first article reaches further back than its others. Whatever their sizes, the same pairs
    (none outside a horizon, none past a term's cap)."""
    import generator.related_pairs as related_pairs

    order, stamps, vecs = _case(random.Random(7), 900, 30, 10)
    want = _by_newer(_loop(order, stamps, vecs, horizon, 40, 0.1))
    for stripe, cells, most, sparse in ((4096, 1 << 21, 512, 16), (100, 3000, 7, 16),
                                        (1, 1, 1, 16), (37, 500, 3, 0), (300, 1 << 21, 64, 0)):
        monkeypatch.setattr(related_pairs, "STRIPE", stripe)
        monkeypatch.setattr(related_pairs, "BLOCK_CELLS", cells)
        monkeypatch.setattr(related_pairs, "BLOCK_MOST", most)
        monkeypatch.setattr(related_pairs, "SPARSE", sparse)  # 0: only the pairs that occur
        assert _by_newer(similar_pairs(order, stamps, vecs, horizon, 40, 0.1)) == want
    assert sum(len(older) for _, older in want) > 1000


def test_the_cap_keeps_the_nearest_in_time():
    """Three older articles share the one term; with a cap of two, the oldest is not reached."""
    vecs = [{"x": 1.0}] * 4
    pairs = similar_pairs(range(4), [0.0, 1.0, 2.0, 3.0], vecs, 0, 2, 0.5)
    assert [(p.older, p.newer) for p in pairs] == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]


def test_the_horizon_and_the_floor():
    vecs = [{"a": 0.6, "b": 0.8}, {"a": 1.0}, {"b": 1.0}]
    pairs = similar_pairs([0, 1, 2], [0.0, 1.0, 5.0], vecs, 2, 10, 0.7)
    assert pairs == []  # 0.6 < 0.7; article 2 is 5 days after 0, past the horizon
    pairs = similar_pairs([0, 1, 2], [0.0, 1.0, 5.0], vecs, 0, 10, 0.5)
    assert pairs == [Pair(0, 1, 0.6), Pair(0, 2, 0.8)]
    assert similar_pairs([], [], [], 0, 10, 0.5) == []
    # Exactly a horizon apart is inside it.
    assert similar_pairs([0, 1], [0.0, 2.0], [{"a": 1.0}] * 2, 2, 10, 0.5) == [Pair(0, 1, 1.0)]


def test_numpy_loads_only_when_pairs_are_scored():
    """A no-change rebuild (0.6 s at 10,000 articles) never scores pairs: importing NumPy
    would cost it a tenth. Nor do the modules the worker processes start with import it."""
    code = ("import sys, generator.cli, generator.builder, generator.readers, generator.render; "
            "print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"
