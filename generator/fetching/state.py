"""What `digest fetch` remembers between runs, in .digest-cache/fetch.json beside config.yaml.

Per feed, the ETag and Last-Modified of its last full answer, for a conditional request. Per
entry id, which feed gave it, when it was first seen (the date of an entry that has none, so
that it is not "now" at every run) and where fetch wrote it (so that a file the user deleted is
not written again). Like the build cache, it is safe to delete: the next run then downloads
every feed in full, and finds the files it wrote by their front matter. A file that cannot be
read is set aside with a warning, never trusted.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .download import Validators

STATE_VERSION = 1
STATE_FILE = "fetch.json"


@dataclass(frozen=True, slots=True)
class EntryRecord:
    feed: str  # the URL of the feed that gave the entry
    first_seen: datetime
    path: str | None = None  # under content/, as fetch wrote it; None until written


@dataclass(slots=True)
class FetchState:
    """Owned by one run: loaded at its start, changed as it goes, saved at its end."""

    file: Path
    feeds: dict[str, Validators] = field(default_factory=dict)
    entries: dict[str, EntryRecord] = field(default_factory=dict)
    warning: str | None = None

    @classmethod
    def load(cls, file: Path) -> FetchState:
        state = cls(file)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return state
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            state.warning = f"{file.name}: cannot be read ({exc}); starting afresh"
            return state
        try:
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"version {data.get('version')!r}")
            state.feeds = {url: Validators(v.get("etag"), v.get("last_modified"))
                           for url, v in data["feeds"].items()}
            state.entries = {key: EntryRecord(r["feed"], datetime.fromisoformat(r["first_seen"]),
                                              r.get("path"))
                             for key, r in data["entries"].items()}
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            state = cls(file, warning=f"{file.name}: not as expected ({exc}); starting afresh")
        return state

    def save(self) -> None:
        """Written whole to a temporary file that then replaces the old one: a run that is
        stopped half-way leaves the previous state, never a torn one."""
        data: dict[str, Any] = {
            "version": STATE_VERSION,
            "feeds": {url: {"etag": v.etag, "last_modified": v.last_modified}
                      for url, v in sorted(self.feeds.items())},
            "entries": {key: {"feed": r.feed, "first_seen": r.first_seen.isoformat(),
                              "path": r.path}
                        for key, r in sorted(self.entries.items())},
        }
        self.file.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=self.file.parent, prefix=".fetch-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, ensure_ascii=False)
                out.write("\n")
            os.replace(temp, self.file)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
