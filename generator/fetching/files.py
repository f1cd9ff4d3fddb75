"""Entries as Markdown files in content/, and the files that fetch wrote, found again.

A fetched file is Markdown with YAML front matter, every value a double-quoted YAML scalar (so
that `no`, `1.10`, `#` or `:` in a title stay text), and ends its front matter with
`fetch_hash`: the SHA-256 of the file without that line. The hash marks the file as fetch's and
tells whether anyone changed it since: fetch updates or removes only files whose hash matches.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..config import YAML_LOADER
from ..dates import parse_date
from ..readers import discover
from ..text import short_slug, slugify, split_jekyll_name
from .normalize import FeedEntry

HASH_KEY = "fetch_hash"
_HASH_LINE = re.compile(rf'^{HASH_KEY}: "([0-9a-f]{{64}})"\n', re.MULTILINE)
_PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")


@dataclass(frozen=True, slots=True)
class FetchedFile:
    """A file in content/ whose front matter carries fetch's hash."""

    path: Path
    id: str
    feed: str
    date: datetime | None
    updated: datetime | None
    intact: bool  # the hash matches: nobody changed the file since fetch wrote it

    @property
    def changed_at(self) -> datetime | None:
        return self.updated or self.date


def entry_text(entry: FeedEntry, *, category: str, feed_url: str, published: datetime) -> str:
    """The whole file for one entry, hash included."""
    values: dict[str, Any] = {"title": entry.title, "date": _iso(published)}
    if entry.updated is not None:
        values["updated"] = _iso(entry.updated)
    values["category"] = category
    if entry.link:
        values["source_url"] = entry.link
    values |= {"authors": list(entry.authors), "tags": list(entry.tags),
               "summary": entry.summary, "id": entry.id, "feed": feed_url}
    header = "".join(f"{key}: {_yaml(value)}\n" for key, value in values.items())
    unhashed = f"---\n{header}---\n\n{markdown_safe_html(entry.content_html)}"
    hash_line = f'{HASH_KEY}: "{_digest(unhashed)}"\n'
    return f"---\n{header}{hash_line}---\n\n{markdown_safe_html(entry.content_html)}"


def markdown_safe_html(fragment: str) -> str:
    """The HTML as one raw HTML block, which neither Markdown engine reads as Markdown.

    A `<div>` opens the block. CommonMark ends such a block at the first blank line, after which
    `*`, `_` or indented lines would be Markdown again, so there is none: blank lines between
    elements are dropped, and the line breaks inside `<pre>`, which must stay, become `&#10;`.
    """
    if not fragment:
        return ""
    parts = _PRE.split(fragment.replace("\r\n", "\n").replace("\r", "\n"))
    for index, part in enumerate(parts):
        parts[index] = (part.replace("\n", "&#10;") if index % 2
                        else _BLANK_LINES.sub("\n", part))
    return '<div class="fetched">\n' + "".join(parts).strip("\n") + "\n</div>\n"


def write_atomic(path: Path, text: str) -> None:
    """Into place whole, by a rename: neither a build nor the watcher reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".fetch-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_fetched(path: Path) -> FetchedFile | None:
    """The file as fetch wrote it, or None when it is not fetch's (no hash in front matter)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    if HASH_KEY.encode() not in raw[:16384]:  # most files are not fetch's: skip them cheaply
        return None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    header = _front_matter(content)
    match = _HASH_LINE.search(header or "")
    if header is None or match is None:
        return None
    try:
        data = yaml.load(header, Loader=YAML_LOADER)
    except yaml.YAMLError:
        data = None
    if not isinstance(data, dict) or not data.get("id"):
        return None
    unhashed = content.replace(match.group(0), "", 1)
    return FetchedFile(path, str(data["id"]), str(data.get("feed") or ""),
                       _date(data.get("date")), _date(data.get("updated")),
                       intact=_digest(unhashed) == match.group(1))


@dataclass(slots=True)
class Names:
    """File names taken in content/, so that a new file gets a URL of its own.

    Two articles on the same URL fail a build, and the URL comes from the permalink pattern, not
    from the folder: two feeds' "Weather" entries of one day collide across categories. So a
    name is checked against the URL that the pattern gives it. A file named without a date may
    be of any day: its slug is taken on every day.
    """

    content_dir: Path
    permalink: str
    urls: set[str] = field(default_factory=set)
    undated_slugs: set[str] = field(default_factory=set)

    def take(self, path: Path, category: str) -> None:
        day, slug = split_jekyll_name(path.stem)
        slug = slugify(slug)
        try:
            self.urls.add(self._url(date.fromisoformat(day or ""), slug, category))
        except ValueError:  # no date in the name, or no date that exists
            self.undated_slugs.add(slug)

    def choose(self, category: str, day: date, title: str, entry_id: str) -> Path:
        """content/<category>/<day>-<slug>.md, with -2, -3, ... when that is taken."""
        base = file_slug(title, entry_id)
        for number in range(1, 10_000):
            slug = base if number == 1 else f"{base}-{number}"
            path = self.content_dir / category / f"{day.isoformat()}-{slug}.md"
            url = self._url(day, slug, category)
            if url not in self.urls and slug not in self.undated_slugs and not path.exists():
                self.urls.add(url)
                return path
        raise RuntimeError(f"no free file name for {base!r} on {day}")  # pragma: no cover

    def _url(self, day: date, slug: str, category: str) -> str:
        if "{slug}" not in self.permalink:
            return str(self.content_dir / category / f"{day}-{slug}")  # URLs by id: never shared
        return self.permalink.format(year=f"{day.year:04d}", month=f"{day.month:02d}",
                                     day=f"{day.day:02d}", slug=slug, category=category,
                                     id="{id}")


def scan_content(content_dir: Path, root: Path, permalink: str
                 ) -> tuple[dict[str, FetchedFile], Names]:
    """The files fetch wrote, by entry id, and the names every article file takes."""
    names = Names(content_dir, permalink)
    fetched: dict[str, FetchedFile] = {}
    if not content_dir.is_dir():
        return fetched, names
    for source in discover(content_dir, root):
        if source.path.suffix.lower() == ".txt":
            continue  # an export's slug comes from its title, not its name
        names.take(source.path, slugify(source.folder or ""))
        if source.path.suffix == ".md":
            found = read_fetched(source.path)
            if found is not None and found.id not in fetched:
                fetched[found.id] = found
    return fetched, names


def file_slug(title: str, entry_id: str) -> str:
    """The title's slug as Digest makes one from a title: at most about 60 characters."""
    return short_slug(title) or "entry-" + hashlib.sha256(entry_id.encode()).hexdigest()[:8]


def _front_matter(content: str) -> str | None:
    if not content.startswith("---\n"):
        return None
    end = content.find("\n---\n", 3)
    return content[4:end + 1] if end != -1 else None


def _yaml(value: Any) -> str:
    """Double-quoted, on one line, whatever the text: YAML escapes what it cannot carry."""
    return yaml.safe_dump(value, default_style='"', default_flow_style=True, allow_unicode=True,
                          width=1 << 30).rstrip("\n")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _date(value: Any) -> datetime | None:
    try:
        return parse_date(value, UTC) if value else None
    except ValueError:
        return None


def _digest(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
