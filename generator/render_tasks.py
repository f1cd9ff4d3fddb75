"""Render tasks for workers on this machine: the site's article cards sent once, not once per
page that shows them.

A page's context holds the cards of every article it links (a list's twenty entries, an
article's similar readings and its neighbours), and each task pickled them all again: at 10,000
articles, 99 MB of tasks, half of it cards that every worker already had from an earlier task.
Here the cards are written once to a file in the cache folder, which each worker maps and reads
a card of when a task first refers to it, and a task's pages are pickled with a reference (the
card's place in the table) for each card they hold. Pickled this way the tasks come to 45 MB
and unpickle several times faster.

A card is referenced only when it is the very object of the table (checked by identity), so a
worker sees exactly what the coordinator had. Workers on other machines share no folder with
the coordinator: their tasks are pickled whole, as before (`render.render_pages`).
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import tempfile
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .model import Article, Page

_TABLES: dict[str, _Reader] = {}  # per process: the table of the render at hand


class _Reader:
    """A table file mapped into memory, each card unpickled when a task first refers to it and
    kept while it is among the latest CACHED. At 100,000 articles the table is 60 MB: mapped,
    its pages are shared by the workers, and each worker holds only the cards of its recent
    tasks (tasks follow the plan, so nearby pages show nearby articles)."""

    CACHED = 16_384

    def __init__(self, path: str) -> None:
        with open(path, "rb") as data:
            self.data = mmap.mmap(data.fileno(), 0, access=mmap.ACCESS_READ)
        count = int.from_bytes(self.data[:8], "little")
        self.offsets = array("Q")
        self.offsets.frombytes(self.data[8:8 + 8 * (count + 1)])
        self.cards: dict[int, Article] = {}

    def card(self, place: int) -> Article:
        card = self.cards.get(place)
        if card is None:
            card = self.cards[place] = pickle.loads(
                self.data[self.offsets[place]:self.offsets[place + 1]])
            if len(self.cards) > self.CACHED:
                del self.cards[next(iter(self.cards))]  # the oldest
        return card


@dataclass(frozen=True, slots=True)
class CardTable:
    """Where the cards are, for a worker to read: one file per render stage, each card pickled
    on its own behind a table of where each begins."""

    path: str

    @classmethod
    def write(cls, cards: Sequence[Article], folder: Path) -> CardTable:
        blobs = [pickle.dumps(card, protocol=pickle.HIGHEST_PROTOCOL) for card in cards]
        offsets = array("Q", [8 + 8 * (len(blobs) + 1)])
        for blob in blobs:
            offsets.append(offsets[-1] + len(blob))
        handle, path = tempfile.mkstemp(prefix="render-cards-", suffix=".bin", dir=folder)
        with os.fdopen(handle, "wb") as out:
            out.write(len(blobs).to_bytes(8, "little"))
            out.write(offsets.tobytes())
            out.writelines(blobs)
        return cls(path)

    def remove(self) -> None:
        _TABLES.pop(self.path, None)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def reader(self) -> _Reader:
        """This process's reader of the table (the last table only: one render at a time)."""
        reader = _TABLES.get(self.path)
        if reader is None:
            _TABLES.clear()
            reader = _TABLES[self.path] = _Reader(self.path)
        return reader


class _Packer(pickle.Pickler):
    def __init__(self, out: io.BytesIO, places: dict[int, int]) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.places = places

    def persistent_id(self, obj: object) -> int | None:
        if type(obj) is Article:
            return self.places.get(id(obj))
        return None


class _Unpacker(pickle.Unpickler):
    def __init__(self, data: io.BytesIO, reader: _Reader) -> None:
        super().__init__(data)
        self.persistent_load = reader.card


def places_of(cards: Sequence[Article]) -> dict[int, int]:
    """Each card's place in the table, by identity: the cards stay alive for the whole render,
    so no other object takes one's id meanwhile."""
    return {id(card): place for place, card in enumerate(cards)}


def pack(pages: list[Page], places: dict[int, int]) -> bytes:
    out = io.BytesIO()
    _Packer(out, places).dump(pages)
    return out.getvalue()


def unpack(data: bytes, table: CardTable) -> list[Page]:
    return _Unpacker(io.BytesIO(data), table.reader()).load()
