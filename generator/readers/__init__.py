"""Finding article files under content/ and reading each with the reader for its format."""

from __future__ import annotations

import os
import re
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from ..config import Config
from ..errors import ContentError
from ..model import Article
from . import export, frontmatter, pelican

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
    for folder, dirnames, filenames in os.walk(content_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            if not is_article_name(name):
                continue
            path = Path(folder, name)
            relative = path.relative_to(content_dir)
            top = relative.parts[0] if len(relative.parts) > 1 else None
            sources.append(Source(path, _shown(path, root), top, relative.with_suffix("").as_posix()))
    return sources


def read_source(source: Source, cfg: Config) -> Article | list[ContentError]:
    """One file to one Article, or the list of everything wrong with it."""
    try:
        raw = source.path.read_bytes()
    except OSError as exc:
        return [ContentError(source.shown, None, f"cannot read: {exc.strerror or exc}")]
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


def read_all(
    sources: list[Source], cfg: Config, executor: Executor | None = None
) -> tuple[list[Article], list[ContentError]]:
    """Read every source (on the executor when given); articles and errors in source order."""
    read = partial(read_source, cfg=cfg)
    if executor is None:
        results = map(read, sources)
    else:
        results = executor.map(read, sources, chunksize=max(1, len(sources) // 64))
    articles: list[Article] = []
    errors: list[ContentError] = []
    for result in results:
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
