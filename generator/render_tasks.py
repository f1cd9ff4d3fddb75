"""Render tasks for workers on this machine: the site's article cards sent once, not once per
page that shows them.

A page's context holds the cards of every article it links (a list's twenty entries, an
article's similar readings and its neighbours), and each task pickled them all again: at 10,000
articles, 99 MB of tasks, half of it cards that every worker already had from an earlier task.
Here the cards are written once to a file in the cache folder, from which each worker reads a
card when a task first refers to it, and a task's pages are pickled with a reference (the
card's place in the table) for each card they hold. Pickled this way the tasks come to 45 MB
and unpickle several times faster.

A card is referenced only when it is the very object of the table (checked by identity), so a
worker sees exactly what the coordinator had. Workers on other machines share no folder with
the coordinator: their tasks are pickled whole, as before (`rendering.Rendering`).
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from array import array
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .model import Article, Page

PREFIX = "render-cards-"
_TABLES: dict[str, _Reader] = {}  # per process: the table of the render at hand


class Latest:
    """The `most` entries used last, the one unused longest dropped to make room.

    Not a dict and `del d[next(iter(d))]`: a dict leaves a hole where an entry was deleted,
    and its first entry is found by walking over the holes, so at 16,384 entries a drop took
    8 µs (here 0.3 µs). At 100,000 articles, where the cards and fragments of a render worker
    are dropped in turn, the walks were an eighth of its time."""

    __slots__ = ("entries", "most")

    def __init__(self, most: int) -> None:
        self.entries: OrderedDict = OrderedDict()
        self.most = most

    def get(self, key: Hashable):
        try:  # moved, then read: a thread (--executor thread) may drop it between two calls
            self.entries.move_to_end(key)
        except KeyError:
            return None
        return self.entries.get(key)

    def put(self, key: Hashable, value):
        self.entries[key] = value
        if len(self.entries) > self.most:
            self.entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self.entries)


class _Reader:
    """A table file, each card read and unpickled when a task first refers to it and kept
    while it is among the CACHED used last. Read with pread, not mapped: a mapped page counts in
    the worker's memory for as long as it stays mapped, and at 100,000 articles the table is
    60 MB. Tasks follow the plan, so nearby pages show nearby articles; but a tag's pages show
    articles from the whole site, and at 10,000 articles a cache of 4,096 cards had a worker
    spend a sixth of its time reading cards again. 16,384 hold a 10,000-article site whole,
    and cost a worker 20 MB more at 100,000 (about 1.6 kB a card)."""

    CACHED = 16_384

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDONLY)
        try:
            end = os.fstat(self.fd).st_size - 8
            count = int.from_bytes(os.pread(self.fd, 8, end), "little")
            self.offsets = array("Q")
            self.offsets.frombytes(os.pread(self.fd, 8 * (count + 1), end - 8 * (count + 1)))
        except BaseException:
            os.close(self.fd)
            raise
        self.cards = Latest(self.CACHED)

    def card(self, place: int) -> Article:
        card = self.cards.get(place)
        if card is None:
            start = self.offsets[place]
            card = self.cards.put(place, pickle.loads(
                os.pread(self.fd, self.offsets[place + 1] - start, start)))
        return card

    def close(self) -> None:
        os.close(self.fd)


@dataclass(frozen=True, slots=True)
class CardTable:
    """Where the cards are, for a worker to read: one file per render stage, each card pickled
    on its own, followed by where each begins."""

    path: str

    @classmethod
    def write(cls, cards: Sequence[Article], folder: Path) -> CardTable:
        """Each card pickled and written in turn (never all the pickles at once: 60 MB at
        100,000 articles, which the heap would keep), then where each begins, then how many.
        A table that a killed build left behind is removed first; one that cannot be written
        whole is removed at once."""
        _sweep(folder)
        handle, path = tempfile.mkstemp(prefix=f"{PREFIX}{os.getpid()}-", suffix=".bin",
                                        dir=folder)
        try:
            offsets = array("Q", [0])
            with os.fdopen(handle, "wb") as out:
                for card in cards:
                    offsets.append(offsets[-1] + out.write(
                        pickle.dumps(card, protocol=pickle.HIGHEST_PROTOCOL)))
                out.write(offsets.tobytes())
                out.write(len(cards).to_bytes(8, "little"))
        except BaseException:
            os.unlink(path)
            raise
        return cls(path)

    def remove(self) -> None:
        reader = _TABLES.pop(self.path, None)
        if reader is not None:
            reader.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass

    def reader(self) -> _Reader:
        """This process's reader of the table (the last table only: one render at a time)."""
        reader = _TABLES.get(self.path)
        if reader is None:
            for old in _TABLES.values():
                old.close()
            _TABLES.clear()
            reader = _TABLES[self.path] = _Reader(self.path)
        return reader


def _sweep(folder: Path) -> None:
    """Remove the tables of builds that are no longer running (killed, so their `finally`
    never ran): each table's name holds its build's process id. Another build's live table,
    of a build into another output folder, is left alone."""
    for table in folder.glob(f"{PREFIX}*.bin"):
        try:
            os.kill(int(table.name[len(PREFIX):].split("-")[0]), 0)
        except ProcessLookupError:
            table.unlink(missing_ok=True)
        except (ValueError, OSError):
            pass


class _Packer(pickle.Pickler):
    """Pickles a card of the table as a call of `_card` with its place. `reducer_override`,
    not `persistent_id`: the pickler asks the latter of every object, 99 calls a page, and
    the former not of None, booleans, ints, floats, str, bytes, plain lists, tuples, dicts and
    sets, nor of what it has already pickled; packing the tasks took a quarter less of the
    coordinator's time."""

    def __init__(self, out: io.BytesIO, places: dict[int, int]) -> None:
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.places = places

    def reducer_override(self, obj: object) -> object:
        if type(obj) is Article:
            place = self.places.get(id(obj))
            if place is not None:
                return _card, (place,)
        return NotImplemented


def _card(place: int) -> Article:
    """A packed card's name only: `_Unpacker` gives its reader's `card` in its place."""
    raise RuntimeError("a render task unpacked without its card table")


class _Unpacker(pickle.Unpickler):
    def __init__(self, data: io.BytesIO, reader: _Reader) -> None:
        super().__init__(data)
        self.reader = reader

    def find_class(self, module: str, name: str) -> object:
        if name == "_card" and module == __name__:
            return self.reader.card
        return super().find_class(module, name)


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
