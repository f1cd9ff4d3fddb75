"""Hashes that say whether something changed: of a source's bytes under the settings that shape
what reading it gives, and of values (`fingerprint`), walked deterministically."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.metadata
import io
import pickle
from collections.abc import Callable
from datetime import date, datetime, tzinfo
from pathlib import PurePath
from typing import Any

from .model import Article, Page

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


def source_digest(raw: bytes, settings: str) -> str:
    return hashlib.blake2b(raw + b"\0" + settings.encode(), digest_size=16).hexdigest()


def inputs_digest(page: Page) -> bytes:
    """A hash of a page's template and inputs: what the cache keeps of them, to tell whether
    an edit can have changed the page. Kept whole, unpickled for every page of the site, they
    were 244 MiB of an edit's peak at 100,000 articles (each row its own copies of the ids,
    titles and sources it shows). Inputs hold tuples, plain values and frozen dataclasses,
    whose pickles depend on their values alone once the memo is off: with it, a string that
    appears twice as one object pickles differently from two equal copies of it."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump((page.template, page.inputs))
    return hashlib.blake2b(buffer.getbuffer(), digest_size=16).digest()


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
