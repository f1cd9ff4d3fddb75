"""`digest init`: a new site anyone can start, and `--eject`: the built-in theme as your own.

A new site is a commented `config.yaml` and `content/` with one example article in each format
Digest reads. Nothing that is already there is ever overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from . import dates
from .theme import BUILTIN

CONFIG = """\
# Your digest's settings. Every key is described in Digest's README (config.yaml);
# `digest build` tells you, with its line, when one is wrong.
title: My Digest
description: What I read, newest first, from the sources I follow.
base_url: https://example.org/          # where the site will be served from
language: en
timezone: {timezone}                    # dates without an offset are in this zone
per_page: 20

# Your sources: each article's category is one of these ids (or its folder under content/).
categories:
  example:
    name: Example Source
    description: Where the example articles come from.
    url: https://example.org/

related:
  count: 5      # Similar readings under each article

search: true    # full-text search with Pagefind (no server needed)
# theme: my-theme   # a folder of templates that overrides the built-in theme
"""

MARKDOWN = """\
---
title: Welcome to your digest
date: {date}
category: example
tags: [welcome, digest]
summary: The front page shows what you read, newest first, grouped by day.
source_url: https://example.org/welcome
---
This is an article in Markdown with YAML front matter, the way Jekyll and Hugo write it.
Edit it, or add your own files next to it: one file per article.

<!--more-->

Every article needs a date; its category is its `category`, else its folder.
"""

PELICAN = """\
Title: Articles can also have Pelican headers
Date: {date}
Category: example
Tags: digest, formats
Summary: `Key: value` lines, then a blank line, then the body.

This article uses the header lines Pelican writes. The header ends at the first blank line.
"""

TRACKER = """\
The reading tracker exports one plain-text file per article, with no title: Digest takes one from its summary.
Its sections follow the body, each optional.
Summary
A reading-tracker export becomes an article like any other, with its statistics and similar readings.
Statistics
42
Words1
Read CountDetails
ID: example-tracker-1
Category ID: example
URL: https://example.org/tracker-example
Date: {date}
"""


@dataclass(slots=True)
class Scaffold:
    """What `init` or `--eject` did: the files written, and those kept because they existed."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def put(self, path: Path, text: str | bytes) -> None:
        if path.exists():
            self.kept.append(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as handle:  # never over a file that appeared meanwhile
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
        self.written.append(path)


def init_site(folder: Path, timezone: str = "UTC") -> Scaffold:
    """config.yaml and content/ with an example article in each format, dated today."""
    scaffold = Scaffold()
    now = dates.now(dates.UTC)
    day = now.date().isoformat()
    scaffold.put(folder / "config.yaml", CONFIG.format(timezone=timezone))
    content = folder / "content"
    scaffold.put(content / "example" / f"{day}-welcome.md",
                 MARKDOWN.format(date=now.replace(microsecond=0).isoformat()))
    scaffold.put(content / "example" / "pelican-headers.md",
                 PELICAN.format(date=(now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")))
    scaffold.put(content / "tracker" / "example.txt",
                 TRACKER.format(date=(now - timedelta(days=1)).date().isoformat()))
    return scaffold


def eject_theme(templates: Path) -> Scaffold:
    """The built-in theme's templates and static files, copied into `templates` to edit."""
    scaffold = Scaffold()
    for path in sorted(BUILTIN.rglob("*")):
        relative = path.relative_to(BUILTIN)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            scaffold.put(templates / relative, path.read_bytes())
    return scaffold
