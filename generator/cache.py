"""The persistent build cache in .digest-cache/: safe to delete, versioned, never trusted blindly.

It keeps two things between runs. Parsed articles, keyed by a hash of the source bytes and of
every setting and library that shapes an Article, so an unchanged file is never parsed again.
And, per output file, the fingerprint of what the page was made from (see `fingerprint`), so a
page whose inputs did not change is neither rendered nor written. A cache that cannot be read is
discarded with a warning: the build is then a cold one, never a wrong one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from pathlib import Path, PurePath
from typing import Any

from . import __version__
from .errors import ContentError
from .model import Article

CACHE_VERSION = 1
FILE = f"cache-v{CACHE_VERSION}.pickle"
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
    articles: dict[str, tuple[str, Article | list[ContentError]]] = field(default_factory=dict)
    pages: dict[str, tuple[str, int]] = field(default_factory=dict)  # path -> (fingerprint, size)
    warning: str | None = None

    @classmethod
    def load(cls, folder: Path | None) -> Cache:
        if folder is None:
            return cls(None)
        path = folder / FILE
        try:
            with open(path, "rb") as handle:
                data = pickle.load(handle)
            if data.get("version") != CACHE_VERSION or data.get("digest") != __version__:
                return cls(folder)
            return cls(folder, data["articles"], data["pages"])
        except FileNotFoundError:
            return cls(folder)
        except Exception as exc:  # a cache is an optimisation: a broken one is dropped, loudly
            return cls(folder, warning=f"ignored the build cache {path}: {type(exc).__name__}")

    def save(self) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "CACHEDIR.TAG").write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n# Digest's build cache; safe to delete.\n")
        data = {"version": CACHE_VERSION, "digest": __version__, "articles": self.articles,
                "pages": self.pages}
        fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".cache-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temp, self.folder / FILE)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise


def source_digest(raw: bytes, settings: str) -> str:
    return hashlib.blake2b(raw + b"\0" + settings.encode(), digest_size=16).hexdigest()


def fingerprint(*parts: Any) -> str:
    """A hash of values, walked deterministically. An Article stands for itself by its own
    fingerprint (the hash of its source and settings), which is what makes this cheap."""
    digest = hashlib.blake2b(digest_size=16)
    _feed(digest, parts)
    return digest.hexdigest()


def _feed(digest: Any, value: Any) -> None:
    update = digest.update
    if isinstance(value, Article):
        update(b"A" + value.fingerprint.encode())
    elif value is None or isinstance(value, (str, int, float, bool)):
        update(b"V" + repr(value).encode() + b"\0")
    elif isinstance(value, (datetime, date)):
        update(b"D" + value.isoformat().encode())
    elif isinstance(value, PurePath):
        update(b"P" + str(value).encode() + b"\0")
    elif isinstance(value, tzinfo):
        update(b"Z" + str(value).encode() + b"\0")
    elif isinstance(value, (list, tuple)):
        update(b"L%d" % len(value))
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        update(b"M%d" % len(value))
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif isinstance(value, (set, frozenset)):
        update(b"S%d" % len(value))
        for item in sorted(value, key=repr):
            _feed(digest, item)
    elif dataclasses.is_dataclass(value):
        update(b"C" + type(value).__qualname__.encode())
        for item in dataclasses.fields(value):
            _feed(digest, getattr(value, item.name))
    elif hasattr(value, "__fingerprint__"):
        _feed(digest, value.__fingerprint__())
    else:
        # An object we cannot see into might change without its hash changing: refuse.
        raise TypeError(f"cannot fingerprint a {type(value).__name__} in a page's context")
