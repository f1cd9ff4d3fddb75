"""Where imported articles go: one index of the content folder per run, one decision per
entry (create, update, unchanged, skip, refuse), and atomic writes that stay inside content/."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from .. import text
from ..readers import Source, discover, export, frontmatter, pelican
from ..readers.meta import Meta, text_value
from .document import digest, render, stored_hash
from .entry import Entry

CREATED, UPDATED, UNCHANGED, SKIPPED, REFUSED, FAILED = (
    "created", "updated", "unchanged", "skipped", "refused", "failed")


@dataclass(frozen=True, slots=True)
class Outcome:
    action: str  # one of CREATED ... FAILED
    where: str  # the entry's file:line
    path: Path | None = None
    reason: str = ""
    text: str | None = None  # what to write to `path`; None when nothing is to be written


@dataclass(frozen=True, slots=True)
class Existing:
    path: Path
    writable: bool  # Markdown with front matter, which an import may rewrite
    text: str | None = None  # as the index read it: no second read to compare it


@dataclass(slots=True)
class ContentIndex:
    """Articles under content/ by id and by source URL, and every slug taken: built once per
    run, then kept up to date with what the run itself writes."""

    content_dir: Path
    by_id: dict[str, Existing] = field(default_factory=dict)
    by_url: dict[str, Existing] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)
    # Keyed by the path as text: hashing a str is cached, hashing a Path is not.
    claimed: dict[str, str] = field(default_factory=dict)  # path -> the entry that wrote it
    real_folders: dict[str, Path] = field(default_factory=dict)  # folder -> links resolved
    listings: dict[str, set[str]] = field(default_factory=dict)  # folder -> names in it

    @classmethod
    def build(cls, content_dir: Path, root: Path) -> ContentIndex:
        index = cls(content_dir.resolve())
        if content_dir.is_dir():
            for source in discover(content_dir, root):
                index._add_file(source)
        return index

    def _add_file(self, source: Source) -> None:
        try:
            raw = source.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return  # the build reports it; an import cannot match what it cannot read
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        found = _identity(raw, source)
        if found is None:
            return
        id_, url, slug, writable = found
        existing = Existing(source.path, writable, raw if writable else None)
        if id_:
            self.by_id.setdefault(id_, existing)
        if url:
            self.by_url.setdefault(url, existing)
        self.slugs.add(slug)

    def match(self, entry: Entry) -> Existing | None:
        """The article this entry imported before: same id, else same source URL."""
        found = self.by_id.get(entry.id) if entry.id else None
        return found or (self.by_url.get(entry.url) if entry.url else None)

    def new_path(self, folder: str, title: str) -> Path:
        """content/<folder>/<slug>.md with a slug no article has: `-2`, `-3` on a collision."""
        base = file_slug(title)
        names = self.names_in(self.content_dir / folder)
        slug, number = base, 1
        while slug in self.slugs or f"{slug}.md" in names:
            number += 1
            slug = f"{base}-{number}"
        return self.content_dir / folder / f"{slug}.md"

    def names_in(self, folder: Path) -> set[str]:
        """The names in a folder, listed once per run (a stat per new file costs seconds at
        10,000 files), then kept up to date with what the run adds."""
        key = str(folder)
        names = self.listings.get(key)
        if names is None:
            try:
                names = set(os.listdir(key))
            except OSError:
                names = set()
            self.listings[key] = names
        return names

    def record(self, entry: Entry, path: Path) -> None:
        existing = Existing(path, True)
        if entry.id:
            self.by_id.setdefault(entry.id, existing)
        if entry.url:
            self.by_url.setdefault(entry.url, existing)
        self.slugs.add(path.stem)
        self.claimed.setdefault(str(path), entry.where)
        self.names_in(path.parent).add(path.name)


def place(entry: Entry, index: ContentIndex, category: str, tz: tzinfo, *, force: bool,
          dry_run: bool) -> Outcome:
    """Decide what importing one entry does; the outcome carries the text to write unless
    this is a dry run (the caller writes, so that writes can overlap)."""
    existing = index.match(entry)
    claimed = index.claimed.get(str(existing.path)) if existing is not None else None
    if existing is not None and claimed is not None:
        return Outcome(SKIPPED, entry.where, existing.path,
                       f"skipped: same id or URL as {claimed}")
    new_text = render(entry, category, tz)
    if existing is None:
        path = index.new_path(text.slugify(category) or entry.source, entry.title or "")
        action, reason = CREATED, ""
    elif not existing.writable:
        index.record(entry, existing.path)
        return Outcome(REFUSED, entry.where, existing.path,
                       "has the same id or URL and is not Markdown with front matter "
                       "(move it out of the content folder to import this one)")
    else:
        path = existing.path
        action, reason = decide(path, new_text, force, existing.text)
    known = path.name in index.names_in(path.parent)
    index.record(entry, path)
    if not _inside(path, index.content_dir, index.real_folders, known):
        return Outcome(REFUSED, entry.where, path, "is outside the content folder")
    writes = action in (CREATED, UPDATED) and not dry_run
    return Outcome(action, entry.where, path, reason, new_text if writes else None)


def decide(path: Path, new_text: str, force: bool, current: str | None = None
           ) -> tuple[str, str]:
    """Update a file only when it is as the last import left it, or with --force."""
    if current is None:
        try:
            current = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return REFUSED, f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
    if current == new_text:
        return UNCHANGED, ""
    stored, without_hash = stored_hash(current)
    if stored is None:
        if force:
            return UPDATED, ""
        return REFUSED, ("has the same id or URL but was not written by digest import "
                         "(--force overwrites it)")
    if digest(without_hash) == stored or force:
        return UPDATED, ""
    if stored_hash(new_text)[0] == stored:
        return UNCHANGED, "edited, and the export has not changed since: the edits stay"
    return REFUSED, "was edited since it was imported (--force overwrites it)"


def write_atomic(path: Path, content: str) -> None:
    """A temporary file in the same folder, renamed over the target: never half a file. The
    temporary name is hidden, so a build or watcher running meanwhile ignores it."""
    target = os.fspath(path)
    folder, name = os.path.split(target)
    try:
        mode: int | None = os.stat(target).st_mode & 0o777
    except FileNotFoundError:
        mode = None  # a new file gets the usual permissions (0666 less the umask)
    temp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(descriptor, "wb", closefd=True) as handle:
            handle.write(content.encode("utf-8"))
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def file_slug(title: str) -> str:
    """The title's slug as Digest makes one from a title: at most about 60 characters."""
    return text.short_slug(title) or "article"


def _inside(path: Path, folder: Path, real_folders: dict[str, Path], exists: bool) -> bool:
    """Whether the path stays inside the folder once symbolic links are followed."""
    key = str(path.parent)
    parent = real_folders.get(key)
    if parent is None:
        parent = real_folders[key] = Path(os.path.realpath(key))
    linked = exists and path.is_symlink()
    real = Path(os.path.realpath(path)) if linked else parent / path.name
    return real.is_relative_to(folder) and real != folder


def _identity(raw: str, source: Source) -> tuple[str | None, str | None, str, bool] | None:
    """An article file's id, source URL, slug, and whether it is front-matter Markdown."""
    if source.path.suffix.lower() == ".txt":
        parsed = export.parse(raw, source.shown, UTC).export
        if parsed is None:
            return None
        title_slug = text.slugify(parsed.title)
        return parsed.details.get("id"), parsed.details.get("url"), title_slug, False
    stem = text.split_jekyll_name(source.path.stem)[1]
    ours = _as_imported(raw)
    if ours is not None:
        return ours.get("id"), ours.get("source_url"), text.slugify(stem), True
    writable = frontmatter.applies(raw)
    if writable:
        found = frontmatter.read_header(raw, source)
        if not isinstance(found, tuple):
            return None
        meta: Meta = found[0]
    else:
        meta = pelican.read_meta(raw, source)[0]
    slug = text.slugify(text_value(meta, "slug") or stem)
    return text_value(meta, "id"), text_value(meta, "source_url"), slug, writable


def _as_imported(raw: str) -> dict[str, str] | None:
    """The id and source URL of a file exactly as `digest import` wrote it (its hash says so),
    read from its JSON-quoted lines: ten times faster than YAML, which matters at 10,000."""
    stored, without_hash = stored_hash(raw)
    if stored is None or digest(without_hash) != stored:
        return None
    found: dict[str, str] = {}
    for line in raw.split("\n")[1:]:
        if line == "---":
            return found
        key, _, value = line.partition(": ")
        if key in ("id", "source_url", "slug"):
            found[key] = json.loads(value)
    return None
