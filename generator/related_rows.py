"""Related reading's rows in the build cache, each term kept as its place in one vocabulary.

A row holds an article's term counts and its vector: 76 terms at 10,000 articles. Pickled as
strings, each term came back as a new string, then interned: 760,000 strings, and a quarter of
related reading in an edit's new process. Here a row holds the places of its terms (an array of
unsigned ints) and the store holds the vocabulary once, as a blob written in the same
transaction as the rows that use it. Places are only ever added, so a row stays readable for as
long as the index it belongs to (its key) is kept.
"""

from __future__ import annotations

import secrets
import sys
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields

from .related_index import RelatedDoc, TermCounts, Weights
from .related_state import Row

_COUNTS = [f.name for f in fields(RelatedDoc)].index("counts")  # in RelatedDoc's state


class Vocabulary:
    """The terms of the rows, each by its place; `kept` of them are in the store already, as
    the version `token` names (a new one each time it is stored)."""

    def __init__(self, terms: Sequence[str] = (), token: str = "") -> None:
        self.terms: list[str] = list(map(sys.intern, terms))
        self.places = {term: place for place, term in enumerate(self.terms)}
        self.kept = len(self.terms)
        self.token = token

    def stored_as(self, key: str) -> str:
        """The stored vocabulary's key: the index's key and the version."""
        return f"{key} {self.token}"

    @classmethod
    def kept_for(cls, key: str, stored: tuple[str, list[str]] | None) -> Vocabulary | None:
        """The vocabulary a store holds for the index of `key`; None when it holds another's."""
        if stored is None:
            return None
        index, _, token = stored[0].partition(" ")
        return cls(stored[1], token) if index == key else None

    def renewed(self) -> None:
        """It has grown, and is about to be stored: a version of its own."""
        self.token = secrets.token_hex(8)
        self.kept = len(self.terms)

    @property
    def grown(self) -> bool:
        return len(self.terms) > self.kept

    def encoded(self, rows: Mapping[str, Row]) -> Iterator[tuple[str, tuple]]:
        """Each row as it is stored, made one at a time (all at once they were 100 MB at
        100,000 articles), its terms given places as they come."""
        for i, (doc, vec, *rest) in rows.items():
            state = list(doc.__getstate__())
            state[_COUNTS] = self._placed(doc.counts)
            yield i, (tuple(state), self._placed(vec), *rest)

    def decoded(self, row: tuple) -> Row:
        """A stored row as `RelatedIndex.row` made it. An IndexError means a vocabulary that
        does not go with the row (a damaged cache)."""
        state, vec, *rest = row
        state = list(state)
        state[_COUNTS] = self._terms(TermCounts, state[_COUNTS])
        doc = RelatedDoc.__new__(RelatedDoc)
        doc.__setstate__(state)
        return (doc, self._terms(Weights, vec), *rest)

    def _placed(self, counts: TermCounts) -> tuple[bytes, bytes]:
        places, get = array("I"), self.places.get
        for term in counts.keys():
            place = get(term)
            if place is None:
                place = self.places[term] = len(self.terms)
                self.terms.append(term)
            places.append(place)
        return places.tobytes(), counts.values().tobytes()

    def _terms(self, kind: type[TermCounts], stored: tuple[bytes, bytes]) -> TermCounts:
        return kind.of_arrays(tuple(map(self.terms.__getitem__, array("I", stored[0]))),
                              array("d", stored[1]))
