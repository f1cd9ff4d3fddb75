"""Finding article files under content/ and reading each with the reader for its format."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TypeVar

from .. import __version__
from ..config import Config
from ..errors import ContentError, ContentWarning, internal_error
from ..executors import StageExecutor
from ..fingerprints import library_versions, source_digest
from ..model import Article, evolve
from ..paths import is_litter, shown_path
from ..progress import Progress
from ..redirects import Redirect
from ..related import text_settings
from ..related_index import RelatedDoc, Words
from ..store import SourceRow, Store
from ..text import first_control, strip_controls
from . import export, frontmatter, pelican
from .meta import Parsed

T = TypeVar("T")
BATCH = 64  # files per task: enough to hide the cost of sending work to another process

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mdx")
EXPORT_SUFFIXES = (".txt",)



@dataclass(frozen=True, slots=True)
class Source:
    file: str  # absolute (a string: at ten thousand files, making Paths is a visible cost)
    shown: str  # how errors name it: relative to the project, forward slashes
    folder: str | None  # first folder under content/, the category of last resort
    key: str  # path under content/ without its suffix: the id of an article that names none

    def __init__(self, file: str | Path, shown: str, folder: str | None, key: str) -> None:
        object.__setattr__(self, "file", str(file))
        object.__setattr__(self, "shown", shown)
        object.__setattr__(self, "folder", folder)
        object.__setattr__(self, "key", key)

    @property
    def path(self) -> Path:
        return Path(self.file)


def is_article_name(name: str) -> bool:
    if is_litter(name):
        return False
    return name.lower().endswith(MARKDOWN_SUFFIXES + EXPORT_SUFFIXES)


def discover(content_dir: Path, root: Path) -> list[Source]:
    """Every article file under content_dir, in a stable order; hidden folders are skipped."""
    sources = []
    base = str(content_dir)
    shown_base = _shown(content_dir, root)
    for folder, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        # Plain strings here: at ten thousand files, Path arithmetic is a visible cost.
        inner = os.path.relpath(folder, base).replace(os.sep, "/")
        inner = "" if inner == "." else inner + "/"
        top = inner.split("/", 1)[0] or None
        for name in sorted(filenames):
            if not is_article_name(name):
                continue
            relative = inner + name
            sources.append(Source(os.path.join(folder, name), f"{shown_base}/{relative}", top,
                                  relative.rsplit(".", 1)[0]))
    return sources


def parse_source(source: Source, raw: bytes, cfg: Config) -> Parsed:
    """One file's Article, errors and warnings. No exception escapes: one that no rule foresaw
    becomes an internal error naming the file, and the other files are still read."""
    try:
        return _parse(source, raw, cfg)
    except Exception as exc:  # noqa: BLE001 - reported as an error, never swallowed
        return Parsed(None, (internal_error(source.shown, exc),))


def _parse(source: Source, raw: bytes, cfg: Config) -> Parsed:
    warnings: list[ContentWarning] = []
    if b"\0" in raw:
        line = raw.count(b"\n", 0, raw.index(b"\0")) + 1
        return _skipped(source, line, "not a text file (it holds NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        if _looks_binary(raw):
            return _skipped(source, line, "not a text file (binary data)")
        # An old blog's Latin-1 or Windows-1252 file: read it rather than lose it, and say so.
        text = raw.decode("cp1252", errors="replace")
        warnings.append(ContentWarning(source.shown, line, "not UTF-8: read as Windows-1252 "
                                                           "(save the file as UTF-8)"))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    first = first_control(text)
    if first is not None:
        text, removed = strip_controls(text)
        warnings.append(ContentWarning(source.shown, text.count("\n", 0, first) + 1,
                                       f"{removed} control character(s) removed"))
    if not text.strip():
        return _skipped(source, None, "empty file", warnings)
    if os.path.splitext(source.file)[1].lower() in EXPORT_SUFFIXES:
        parsed = export.read(text, source, cfg)
    elif frontmatter.applies(text):
        parsed = frontmatter.read(text, source, cfg)
    else:
        parsed = pelican.read(text, source, cfg)
    if warnings:
        parsed = replace(parsed, warnings=tuple(warnings) + parsed.warnings)
    return parsed


def _skipped(source: Source, line: int | None, why: str,
             warnings: list[ContentWarning] | None = None) -> Parsed:
    warning = ContentWarning(source.shown, line, f"skipped: {why}")
    return Parsed(None, (), tuple(warnings or ()) + (warning,))


def _looks_binary(raw: bytes) -> bool:
    """Control bytes other than whitespace in more than 1 % of the first 8 kB: not text."""
    head = raw[:8192]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls * 100 > len(head)


def read_settings(cfg: Config) -> str:
    """Everything besides a file's bytes that shapes the Article read from it."""
    return repr((__version__, library_versions(), cfg.timezone, cfg.default_category,
                 cfg.markdown_engine))


def _parse_batch(batch: list[tuple[Source, bytes, str]], cfg: Config
                 ) -> tuple[list[Parsed], list[RelatedDoc | None], list[tuple[Source, str]]]:
    """Each file's Parsed, and its article's terms for related reading: made here, in the
    worker that has the body, rather than in the main process after every file is read."""
    results: list[Parsed] = []
    docs: list[RelatedDoc | None] = []
    settings, known = text_settings(cfg.related), Words()
    for source, raw, digest in batch:
        parsed = parse_source(source, raw, cfg)
        doc = None
        if parsed.article is not None:
            article = parsed.article
            article = evolve(article, fingerprint=digest, card=card_hash(article))
            parsed = evolve(parsed, article=article)
            doc = RelatedDoc.of(article, settings, known)
        results.append(parsed)
        docs.append(doc)
    return results, docs, [(source, digest) for source, _, digest in batch]


def card_hash(article: Article) -> str:
    """A hash of everything of an article but its body: what a list or a link shows of it."""
    values = [getattr(article, f) for f in CARD_FIELDS]
    return hashlib.blake2b(repr(values).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


CARD_FIELDS = tuple(f.name for f in fields(Article)
                    if f.name not in ("body_html", "fingerprint", "card"))


@dataclass(frozen=True, slots=True)
class ReadResult:
    """Every source read: articles, errors and warnings, each in source order."""

    articles: list[Article]
    errors: list[ContentError]
    warnings: list[ContentWarning]
    redirects: list[Redirect]  # from redirect-only files
    changed: dict[str, Parsed] = field(default_factory=dict)  # by source, what was read anew
    removed: list[str] = field(default_factory=list)  # sources gone since the last read
    # By source, the terms of each article read anew (`RelatedDoc.of`, made by the reader).
    related_docs: dict[str, RelatedDoc] = field(default_factory=dict)


def read_all(sources: list[Source], cfg: Config, executor: StageExecutor | None = None,
             store: Store | None = None, known: dict[str, Parsed] | None = None,
             progress: Progress | None = None) -> ReadResult:
    """Read every source. With a store, a file whose size and modification time are those it
    had when read, under the same settings, is not read again (as git does); one whose bytes are
    the same is not parsed again. `known` holds what earlier reads gave (the store's, else
    loaded from it); it is updated in place, and the store with it."""
    settings = read_settings(cfg)
    rows = store.sources() if store is not None else {}
    if known is None:
        known = store.parsed() if store is not None and rows else {}
    results: dict[str, Parsed] = {}
    stamps: dict[str, tuple[int, int]] = {}
    unread: list[Source] = []
    for source in sources:
        row = rows.get(source.shown)
        try:
            info = os.stat(source.file)
        except OSError as exc:
            results[source.shown] = _unreadable(source, exc)
            continue
        if not stat.S_ISREG(info.st_mode):  # a pipe or a device would never end
            results[source.shown] = _skipped(source, None, "not a regular file")
        elif info.st_size > cfg.max_file_size:
            results[source.shown] = _skipped(
                source, None, f"{info.st_size:,} bytes, over max_file_size "
                              f"({cfg.max_file_size:,} bytes)")
        else:
            stamps[source.shown] = (info.st_mtime_ns, info.st_size)
            if row is not None and row.stamp == stamps[source.shown] \
                    and row.settings == settings and source.shown in known:
                results[source.shown] = known[source.shown]
            else:
                unread.append(source)

    def misses() -> Iterator[tuple[Source, bytes, str]]:
        """The files to parse, each read only when its batch is about to be sent: never all
        their bytes at once. A file whose bytes are the ones last parsed is not a miss."""
        for source in unread:
            raw = _read_bytes(source, cfg, results)
            if raw is None:
                continue
            digest = source_digest(raw + b"\0" + repr((source.shown, source.folder, source.key))
                                   .encode(), settings)
            row = rows.get(source.shown)
            if row is not None and row.digest == digest and source.shown in known:
                results[source.shown] = known[source.shown]
                if store is not None:
                    store.put_stamp(source.shown, SourceRow(stamps[source.shown], settings,
                                                            digest))
            else:
                yield source, raw, digest

    changed: dict[str, Parsed] = {}
    docs: dict[str, RelatedDoc] = {}
    size = len(executor.chunks(unread, BATCH)[0]) if executor is not None and unread else BATCH
    batches = _batched(misses(), size)
    parse = partial(_parse_batch, cfg=cfg)
    done = 0
    for parsed, related_docs, batch in (executor.imap(parse, batches) if executor is not None
                                        else map(parse, batches)):
        done += len(batch)
        if progress is not None:
            progress("read", done, len(unread))
        for (source, _), doc in zip(batch, related_docs):
            if doc is not None:
                docs[source.shown] = doc
        if store is not None:
            # The bodies are in the store now, and only the rest is held: every body held
            # until the last batch was 350 MB at 100,000 articles, the read stage's peak.
            parsed = store.put_sources(
                (source.shown, SourceRow(stamps[source.shown], settings, digest), result)
                for (source, digest), result in zip(batch, parsed))
        for (source, _), result in zip(batch, parsed):
            results[source.shown] = changed[source.shown] = result
    if progress is not None and done < len(unread):  # some had the bytes last parsed
        progress("read", len(unread), len(unread))
    removed = sorted(known.keys() - results.keys())
    if store is not None:
        store.drop_sources(removed)
    for path in removed:
        del known[path]
    for path, result in changed.items():
        # What the builder keeps has no bodies: they wait in the store until a page needs one.
        known[path] = result.without_body()
    out = ReadResult([], [], [], [], changed, removed, docs)
    for source in sources:
        result = results[source.shown]
        if result.article is not None:
            out.articles.append(result.article)
        out.errors.extend(result.errors)
        out.warnings.extend(result.warnings)
        out.redirects.extend(result.redirects)
    return out


def _read_bytes(source: Source, cfg: Config, results: dict[str, Parsed]) -> bytes | None:
    """A file's bytes; None, with its Parsed in `results`, when it cannot be read or grew
    past max_file_size since it was looked at."""
    try:
        with open(source.file, "rb") as handle:
            # Asked for exactly its size (plus one, to see growth): a read of max_file_size
            # would allocate that much for every file, each buffer a memory map of its own,
            # and 65,530 maps is all a Linux process may hold.
            size = os.fstat(handle.fileno()).st_size
            raw = handle.read(size + 1)
            if len(raw) > size:  # it grew since the stat: read up to the limit
                raw += handle.read(max(0, cfg.max_file_size + 1 - len(raw)))
    except OSError as exc:
        results[source.shown] = _unreadable(source, exc)
        return None
    if len(raw) > cfg.max_file_size:  # it grew while being read
        results[source.shown] = _skipped(source, None, "over max_file_size")
        return None
    return raw


def _unreadable(source: Source, exc: OSError) -> Parsed:
    return Parsed(None, (ContentError(source.shown, None, f"cannot read: {exc.strerror or exc}"),))


def _batched(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while batch := list(islice(items, size)):
        yield batch


def _shown(path: Path, root: Path) -> str:
    return shown_path(path, root)
