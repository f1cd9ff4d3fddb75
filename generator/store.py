"""The build cache: an SQLite database in .digest-cache/, safe to delete, never trusted blindly.

What a build keeps between runs, in tables a rebuild reads and writes only in part:

- `sources`, the hot part: per content file, its size and modification time when read, the
  settings it was read under, a hash of its bytes, and what reading it gave (the Article
  without its body, its errors and warnings). A no-change rebuild reads only the stamps.
- `bodies`: article bodies apart, read only for the pages that render them.
- `pages`: per output folder and file, the signature of what the page was made from, its size
  and a hash of its bytes.
- `rows`: results kept a row per item (the related index, a row per article), so that an
  edit rewrites only the rows it changed.
- `blobs`: named results with the key they were made under (related reading, feeds, the
  sitemap), reused while the key holds.

Writes wait in a transaction until `commit`, so a build that fails or is killed leaves the last
committed state (WAL journal). A database from another version of Digest, or one that cannot be
read, is dropped with a warning: the build is then a cold one, never a wrong one.
"""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from . import __version__
from .errors import BuildFailed, ContentError, ContentWarning
from .paths import shown_path

CACHE_FOLDER = ".digest-cache"
FILE = "build.sqlite"
# How long a build waits for another digest process (a build, watch or serve of the same site)
# to finish writing the cache before it gives up with an error saying so.
BUSY_SECONDS = 30.0
SCHEMA = 2  # 2: a page's row keeps its inputs' digest, not the inputs
_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (path TEXT PRIMARY KEY, mtime_ns INTEGER, size INTEGER,
    settings TEXT, digest TEXT, noted INTEGER, parsed BLOB);
CREATE TABLE IF NOT EXISTS bodies (path TEXT PRIMARY KEY, digest TEXT, body TEXT);
CREATE TABLE IF NOT EXISTS pages (target TEXT, path TEXT, inputs BLOB, size INTEGER,
    hash TEXT, PRIMARY KEY (target, path));
CREATE TABLE IF NOT EXISTS blobs (name TEXT PRIMARY KEY, key TEXT, value BLOB);
CREATE TABLE IF NOT EXISTS rows (kind TEXT, key TEXT, value BLOB, PRIMARY KEY (kind, key));
"""


@dataclass(frozen=True, slots=True)
class SourceRow:
    stamp: tuple[int, int]  # (mtime_ns, size) when the file was read
    settings: str  # everything besides the bytes that shaped what reading gave
    digest: str  # hash of the bytes and the settings


@dataclass(frozen=True, slots=True)
class PageRow:
    inputs: bytes  # what the page was made from: fingerprints.inputs_digest
    size: int
    hash: str  # of the bytes written: what the search index is made from


class Store:
    """One build cache. `Store(None)` is a cache that is never saved (--no-cache, tests)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.warning: str | None = None
        self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        if self.folder is None:
            return self._prepared(sqlite3.connect(":memory:", check_same_thread=False))
        path = self.folder / FILE
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tag = self.folder / "CACHEDIR.TAG"
            if not tag.exists():
                tag.write_text("Signature: 8a477f597d28d172789f06886806bc55\n"
                               "# Digest's build cache; safe to delete.\n")
            db = self._prepared(sqlite3.connect(path, timeout=BUSY_SECONDS,
                                                check_same_thread=False))
            if self._version(db) == _stamp():
                return db
            db.close()
            reason = None
        except (sqlite3.DatabaseError, OSError) as exc:
            if is_locked(exc):  # in use, not broken: never delete another process's cache
                raise BuildFailed([self.locked_error()]) from None
            reason = f"{type(exc).__name__}: {exc}"
        # Another version's cache is dropped quietly; one that cannot be read, loudly.
        if reason:
            self.warning = f"the build cache could not be read ({reason}); building without it"
        for name in (FILE, FILE + "-wal", FILE + "-shm"):
            (self.folder / name).unlink(missing_ok=True)
        db = self._prepared(sqlite3.connect(path, timeout=BUSY_SECONDS, check_same_thread=False))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (_stamp(),))
        db.commit()
        return db

    @staticmethod
    def _prepared(db: sqlite3.Connection) -> sqlite3.Connection:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL keeps it consistent across a crash
        db.executescript(_TABLES)
        return db

    @staticmethod
    def _version(db: sqlite3.Connection) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        return row[0] if row else None

    def locked_error(self) -> ContentError:
        where = shown_path(self.folder / FILE) if self.folder else CACHE_FOLDER
        return ContentError(where, None, f"the build cache is in use by another digest process "
                                         f"(a build, watch or serve of this site) and stayed "
                                         f"locked for {BUSY_SECONDS:g} s; run again when it has "
                                         f"finished, or build with --no-cache")

    def warnings(self) -> list[ContentWarning]:
        where = str(self.folder) if self.folder else CACHE_FOLDER
        return [ContentWarning(where, None, self.warning)] if self.warning else []

    # Sources: the hot part, and bodies apart.

    def sources(self) -> dict[str, SourceRow]:
        return {path: SourceRow((mtime, size), settings, digest) for path, mtime, size, settings,
                digest in self._db.execute(
                    "SELECT path, mtime_ns, size, settings, digest FROM sources")}

    def parsed(self, noted_only: bool = False) -> dict[str, Any]:
        """What reading each file gave, its Article without the body; with `noted_only`, only
        for the files that had errors or warnings (what a no-change rebuild must repeat)."""
        query = "SELECT path, parsed FROM sources" + (" WHERE noted" if noted_only else "")
        return {path: pickle.loads(blob) for path, blob in self._db.execute(query)}

    def bodies(self, paths: Iterable[str]) -> dict[str, str]:
        return dict(self._select("SELECT path, body FROM bodies WHERE path IN ({})", paths))

    def put_sources(self, items: Iterable[tuple[str, SourceRow, Any]]) -> list[Any]:
        """Keep what reading some files gave (path, stamp row, Parsed), each article's body
        in its own table; one statement per table for them all, which takes two fifths off
        storing them row by row. The paths are distinct (a batch of discovered files): the
        bodies are written before the deletions. Returns what was kept, without the bodies."""
        bodies, bodiless, rows, kept = [], [], [], []
        for path, row, parsed in items:
            if parsed.article is not None:
                bodies.append((path, row.digest, parsed.article.body_html))
                parsed = parsed.without_body()
            else:
                bodiless.append((path,))
            rows.append((path, *row.stamp, row.settings, row.digest,
                         bool(parsed.errors or parsed.warnings),
                         pickle.dumps(parsed, pickle.HIGHEST_PROTOCOL)))
            kept.append(parsed)
        self._db.executemany("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", bodies)
        self._db.executemany("DELETE FROM bodies WHERE path = ?", bodiless)
        self._db.executemany("INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        return kept

    def put_stamp(self, path: str, row: SourceRow) -> None:
        """The file was touched but its bytes are the same: only its stamp changes."""
        self._db.execute("UPDATE sources SET mtime_ns = ?, size = ?, settings = ? WHERE path = ?",
                         (*row.stamp, row.settings, path))

    def drop_sources(self, paths: Iterable[str]) -> None:
        for path in paths:
            self._db.execute("DELETE FROM sources WHERE path = ?", (path,))
            self._db.execute("DELETE FROM bodies WHERE path = ?", (path,))

    # Pages, per output folder.

    def pages(self, target: str) -> dict[str, PageRow]:
        return {path: PageRow(inputs, size, digest)
                for path, inputs, size, digest in self._db.execute(
                    "SELECT path, inputs, size, hash FROM pages WHERE target = ?", (target,))}

    def page_sizes(self, target: str) -> dict[str, int]:
        return dict(self._db.execute("SELECT path, size FROM pages WHERE target = ?", (target,)))

    def put_pages(self, target: str, rows: dict[str, PageRow]) -> None:
        self._db.executemany("INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?)",
                             ((target, path, r.inputs, r.size, r.hash)
                              for path, r in rows.items()))

    def drop_pages(self, target: str, paths: Iterable[str]) -> None:
        self._db.executemany("DELETE FROM pages WHERE target = ? AND path = ?",
                             [(target, path) for path in paths])

    # Whole results, kept with the key they were made under.

    def blob(self, name: str) -> tuple[str, Any] | None:
        row = self._db.execute("SELECT key, value FROM blobs WHERE name = ?", (name,)).fetchone()
        return (row[0], pickle.loads(row[1])) if row else None

    def blob_names(self, prefix: str) -> list[str]:
        return [name for name, in self._db.execute(
            "SELECT name FROM blobs WHERE substr(name, 1, ?) = ?", (len(prefix), prefix))]

    def claimed_key(self, name: str) -> str | None:
        """A blob's key, read under the write lock: no other process changes the blob (nor
        anything else here) until this transaction ends."""
        self._db.execute("UPDATE blobs SET key = key WHERE name = ?", (name,))
        row = self._db.execute("SELECT key FROM blobs WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def put_blob(self, name: str, key: str, value: Any) -> None:
        self._db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?)",
                         (name, key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)))

    # Results kept a row per item.

    def rows(self, kind: str, made: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """The rows of a kind, each unpickled and, with `made`, made from that."""
        rows = self._db.execute("SELECT key, value FROM rows WHERE kind = ?", (kind,))
        if made is None:
            return {key: pickle.loads(value) for key, value in rows}
        return {key: made(pickle.loads(value)) for key, value in rows}

    def put_rows(self, kind: str, rows: Iterable[tuple[str, Any]]) -> None:
        # Pickled one at a time as SQLite takes them: a first build puts a row per article, and
        # all of them pickled at once were 150 MB at 100,000 articles.
        self._db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)",
                             ((kind, key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
                              for key, value in rows))

    def drop_rows(self, kind: str, keys: Iterable[str] | None = None) -> None:
        """Drop the rows of `keys`, or every row of the kind."""
        if keys is None:
            self._db.execute("DELETE FROM rows WHERE kind = ?", (kind,))
        else:
            self._db.executemany("DELETE FROM rows WHERE kind = ? AND key = ?",
                                 [(kind, key) for key in keys])

    def commit(self) -> None:
        self._db.commit()

    def rollback(self) -> None:
        self._db.rollback()

    def close(self) -> None:
        self._db.commit()
        self._db.close()

    def _select(self, query: str, keys: Iterable[str]) -> list[tuple]:
        keys = list(keys)
        rows: list[tuple] = []
        for start in range(0, len(keys), 500):  # SQLite's limit on parameters is 999 or more
            chunk = keys[start:start + 500]
            rows += self._db.execute(query.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows


def _stamp() -> str:
    """A cache is only read by the Digest that wrote it: its pickles hold Digest's classes, so
    the shape of those classes is part of the stamp."""
    from .model import Article
    from .readers.meta import Parsed

    shapes = [f.name for kind in (Article, Parsed) for f in fields(kind)]
    return f"{SCHEMA}:{__version__}:{hashlib.blake2b(repr(shapes).encode()).hexdigest()[:16]}"


def is_locked(exc: BaseException) -> bool:
    """SQLite's answer when another connection holds the database past the busy timeout."""
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
