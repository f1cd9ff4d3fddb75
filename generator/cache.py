"""The persistent build cache in .digest-cache/: safe to delete, versioned, never trusted blindly.

It keeps two things between runs. Parsed articles, keyed by a hash of the source bytes and of
every setting and library that shapes an Article, so an unchanged file is never parsed again.
And, per output file, the fingerprint of what the page was made from (see `fingerprint`), so a
page whose inputs did not change is neither rendered nor written. A cache that cannot be read is
discarded with a warning: the build is then a cold one, never a wrong one.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import importlib.metadata
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path, PurePath
from typing import Any, TypeVar

from . import __version__
from .errors import ContentWarning
from .model import Article

T = TypeVar("T")
CACHE_VERSION = 3
FILE = f"cache-v{CACHE_VERSION}.pickle"
CACHE_FOLDER = ".digest-cache"
# Libraries whose output ends up in an Article; a new version of any of them invalidates it.
_SHAPING = ("markdown", "nh3", "PyYAML", "cmarkgfm")


def library_versions() -> str:
    versions = []
    for name in _SHAPING:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=-")
    return ",".join(versions)


@dataclass(slots=True)
class Cache:
    folder: Path | None  # None: a cache that is never saved (tests, --no-cache)
    articles: dict[str, tuple[str, Any]] = field(default_factory=dict)  # source -> (digest, Parsed)
    # path -> (fingerprint of what the page is made from, size, digest of its bytes)
    pages: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    stamps: dict[str, Any] = field(default_factory=dict)  # source -> ((mtime_ns, size), settings)
    terms: dict[str, Any] = field(default_factory=dict)  # article fingerprint -> term counts
    derived: dict[str, Any] = field(default_factory=dict)  # name -> (key, value): whole results
    warning: str | None = None
    dirty: bool = False  # anything to save

    @classmethod
    def load(cls, folder: Path | None) -> Cache:
        if folder is None:
            return cls(None)
        path = folder / FILE
        try:
            with open(path, "rb") as handle, _no_gc():
                data = pickle.load(handle)
            if data.get("version") != CACHE_VERSION or data.get("digest") != __version__:
                return cls(folder)
            return cls(folder, data["articles"], data["pages"], data["stamps"], data["terms"],
                       data["derived"])
        except FileNotFoundError:
            return cls(folder)
        except Exception as exc:  # a cache is an optimisation: a broken one is dropped, loudly
            return cls(folder, warning=f"the build cache could not be read ({type(exc).__name__}); "
                                          "building without it")

    def save(self) -> None:
        if self.folder is None or not (self.dirty or not (self.folder / FILE).exists()):
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# Digest's build cache; safe to delete.\n")
        live = {p.article.fingerprint for _, p in self.articles.values() if p.article is not None}
        self.terms = {k: v for k, v in self.terms.items() if k.split(":", 1)[0] in live}
        data = {"version": CACHE_VERSION, "digest": __version__, "articles": self.articles,
                "pages": self.pages, "stamps": self.stamps, "terms": self.terms,
                "derived": self.derived}
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".cache-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle, _no_gc():
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.folder / FILE)
            self.dirty = False
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


    def warnings(self) -> list[ContentWarning]:
        where = str(self.folder) if self.folder else CACHE_FOLDER
        return [ContentWarning(where, None, self.warning)] if self.warning else []

    def reuse(self, name: str, key: str, make: Callable[[], T]) -> T:
        """`make()`'s result, or the one kept under `name` when `key` is the same as then."""
        kept = self.derived.get(name)
        if kept is not None and kept[0] == key:
            return kept[1]
        value = make()
        self.derived[name] = (key, value)
        self.dirty = True
        return value


@contextmanager
def _no_gc() -> Iterator[None]:
    """(Un)pickling creates a million objects that are all kept: the cyclic collector, which
    runs over and over meanwhile, would find nothing and doubles the time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def source_digest(raw: bytes, settings: str) -> str:
    return hashlib.blake2b(raw + b"\0" + settings.encode(), digest_size=16).hexdigest()


def fingerprint(*parts: Any) -> str:
    """A hash of values, walked deterministically. An Article stands for itself by its own
    fingerprint (the hash of its source and settings), which is what makes this cheap."""
    out: list[str] = []
    _walk(parts, out.append)
    return hashlib.blake2b("".join(out).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


_FIELDS: dict[type, tuple[str, ...]] = {}
_PLAIN = (int, float, bool, type(None))


def _walk(value: Any, add: Callable[[str], None]) -> None:
    # Called some forty times per page: ordered by how often each kind occurs.
    kind = type(value)
    if kind is str:
        add(f"s{len(value)}:")
        add(value)
    elif kind is Article:
        add("A" + value.fingerprint)
    elif kind is tuple or kind is list:
        add(f"L{len(value)}")
        for item in value:
            _walk(item, add)
    elif kind in _PLAIN:
        add(f"v{value!r};")
    elif kind is datetime or kind is date:
        add("D" + value.isoformat())
    elif kind is dict:
        add(f"M{len(value)}")
        for key in sorted(value, key=repr):
            _walk(key, add)
            _walk(value[key], add)
    elif kind in _FIELDS or dataclasses.is_dataclass(value):
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        add("C" + kind.__qualname__)
        for name in names:
            _walk(getattr(value, name), add)
    elif isinstance(value, PurePath):
        add(f"P{value};")
    elif isinstance(value, tzinfo):
        add(f"Z{value};")
    elif isinstance(value, (set, frozenset)):
        add(f"S{len(value)}")
        for item in sorted(value, key=repr):
            _walk(item, add)
    else:
        # An object we cannot see into might change without its hash changing: refuse.
        raise TypeError(f"cannot fingerprint a {type(value).__name__} in a page's context")
