"""Finding article files under content/ and reading each with the reader for its format."""

from __future__ import annotations

import os
import re
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .. import __version__
from ..cache import Cache, library_versions, source_digest
from ..config import Config
from ..errors import ContentError
from ..model import Article
from . import export, frontmatter, pelican

BATCH = 64  # files per task: enough to hide the cost of sending work to another process

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
EXPORT_SUFFIXES = (".txt",)

# Editor and OS litter: never articles, never parsed. vim's write probe `4913`, swap files,
# emacs autosave `#x#` and lock `.#x`, backups `x~`, JetBrains `x___jb_tmp___`.
_LITTER = re.compile(r"^(\..*|#.*#|.*~|\d+|.*\.sw[a-p]|.*___jb_(tmp|old)___|.*\.(tmp|bak|orig))$")


@dataclass(frozen=True, slots=True)
class Source:
    path: Path  # absolute
    shown: str  # how errors name it: relative to the project, forward slashes
    folder: str | None  # first folder under content/, the category of last resort
    key: str  # path under content/ without its suffix: the id of an article that names none


def is_article_name(name: str) -> bool:
    if _LITTER.match(name):
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
            sources.append(Source(Path(folder, name), f"{shown_base}/{relative}", top,
                                  relative.rsplit(".", 1)[0]))
    return sources


def parse_source(source: Source, raw: bytes, cfg: Config) -> Article | list[ContentError]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return [ContentError(source.shown, line, "not UTF-8 text (save the file as UTF-8)")]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return [ContentError(source.shown, None, "empty file")]
    if source.path.suffix.lower() in EXPORT_SUFFIXES:
        return export.read(text, source, cfg)
    if frontmatter.applies(text):
        return frontmatter.read(text, source, cfg)
    return pelican.read(text, source, cfg)


def read_settings(cfg: Config) -> str:
    """Everything besides a file's bytes that shapes the Article read from it."""
    return repr((__version__, library_versions(), cfg.timezone, cfg.default_category,
                 cfg.markdown_engine))


def _parse_batch(batch: list[tuple[Source, bytes, str]], cfg: Config
                 ) -> list[Article | list[ContentError]]:
    results: list[Article | list[ContentError]] = []
    for source, raw, digest in batch:
        result = parse_source(source, raw, cfg)
        results.append(replace(result, fingerprint=digest) if isinstance(result, Article)
                       else result)
    return results


def read_all(
    sources: list[Source], cfg: Config, cache: Cache | None = None,
    executor: Executor | None = None,
) -> tuple[list[Article], list[ContentError]]:
    """Read every source: unchanged files come from the cache, the rest are parsed, on the
    executor when given. Articles and errors come back in source order."""
    cache = cache if cache is not None else Cache(None)
    settings = read_settings(cfg)
    results: dict[str, Article | list[ContentError]] = {}
    misses: list[tuple[Source, bytes, str]] = []
    stamps: dict[str, tuple[int, int]] = {}
    for source in sources:
        cached = cache.articles.get(source.shown)
        try:
            info = os.stat(source.path)
            stamps[source.shown] = (info.st_mtime_ns, info.st_size)
            # Same size and modification time as when it was read, under the same settings:
            # the file was not touched, so its bytes need not be read to know it (as git does).
            if cached is not None and cache.stamps.get(source.shown) == (
                    stamps[source.shown], settings):
                results[source.shown] = cached[1]
                continue
            raw = source.path.read_bytes()
        except OSError as exc:
            results[source.shown] = [ContentError(source.shown, None,
                                                  f"cannot read: {exc.strerror or exc}")]
            continue
        digest = source_digest(raw + b"\0" + repr((source.shown, source.folder, source.key))
                               .encode(), settings)
        if cached is not None and cached[0] == digest:
            results[source.shown] = cached[1]
            cache.stamps[source.shown] = (stamps[source.shown], settings)
            cache.dirty = True
        else:
            misses.append((source, raw, digest))
    if misses:
        batches = [misses[i:i + BATCH] for i in range(0, len(misses), BATCH)]
        parse = partial(_parse_batch, cfg=cfg)
        mapped = executor.map(parse, batches) if executor is not None else map(parse, batches)
        for batch, parsed in zip(batches, mapped):
            for (source, _, digest), result in zip(batch, parsed):
                results[source.shown] = result
                cache.articles[source.shown] = (digest, result)
                if source.shown in stamps:
                    cache.stamps[source.shown] = (stamps[source.shown], settings)
        cache.dirty = True
    for stale in cache.articles.keys() - results.keys():
        del cache.articles[stale]
        cache.stamps.pop(stale, None)
        cache.dirty = True
    articles: list[Article] = []
    errors: list[ContentError] = []
    for source in sources:
        result = results[source.shown]
        if isinstance(result, Article):
            articles.append(result)
        else:
            errors.extend(result)
    return articles, errors


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
