"""The reading tracker's plain-text export.

Its sections, in order, each optional: the body (a paragraph a line, sometimes repeated);
`Similar Readings (N items)` and N titles; `Summary` and its text; `Statistics`, whose values and
labels are glued together (`239` / `Words1` / `Read CountDetails`); `Details` and `Key: value`
lines. The export has no title: one is derived from the summary.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from .. import text
from ..config import Config
from ..dates import parse_date
from ..errors import ContentError
from ..model import Article
from .common import finish

if TYPE_CHECKING:
    from . import Source

_SIMILAR = re.compile(r"^Similar Readings\s*\((\d+)\s+items?\)\s*$", re.IGNORECASE)
_STAT = re.compile(r"(\d[\d,]*)\s*([A-Za-z][A-Za-z ]*?)\s*(?=\d|$)")
_DETAIL = re.compile(r"^([A-Za-z][\w ]*?)\s*:\s*(.*)$")
STAT_FIELDS = {"words": "word_count", "read count": "read_count"}
DETAIL_FIELDS = {"id", "category id", "url", "date", "created", "updated", "last read"}


@dataclass(frozen=True, slots=True)
class Export:
    """What one export file says, before it becomes an Article: the fields `digest import`
    writes as front matter, and the reader turns into an Article."""

    paragraphs: tuple[str, ...]  # the body, repeated paragraphs dropped
    similar: tuple[str, ...]
    summary: str  # as the tracker wrote it, possibly cut mid-sentence; "" when it has none
    word_count: int | None  # the Statistics' count, of the body as exported (repeats included)
    read_count: int | None
    details: dict[str, str]  # the known Details keys, lower-cased: id, category id, url, ...
    dates: dict[str, datetime]  # date, created, updated, last read
    extra: dict[str, object]  # other Details keys and statistics, as the reader keeps them

    @property
    def title(self) -> str:
        """The export has no title: the summary's first sentence, else the body's."""
        return text.derive_title(self.summary, list(self.paragraphs))

    @property
    def date(self) -> datetime:
        return _article_date(self.dates)


def read(raw: str, source: Source, cfg: Config) -> Article | list[ContentError]:
    parsed = parse(raw, source.shown, cfg.tz)
    if isinstance(parsed, list):
        return parsed
    plain = " ".join(parsed.paragraphs)
    word_count = text.count_words(plain)
    extra = dict(parsed.extra)
    if parsed.word_count is not None and parsed.word_count != word_count:
        extra["export_word_count"] = parsed.word_count
    summary = text.finish_summary(parsed.summary) if parsed.summary else text.excerpt(plain)
    return finish(
        source, cfg,
        title=parsed.title,
        slug_hint=None,
        category=parsed.details.get("category id") or None,
        id=parsed.details.get("id") or None,
        date=parsed.date,
        word_count=word_count,
        body_html="\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in parsed.paragraphs),
        summary=summary,
        source_url=parsed.details.get("url") or None,
        updated=parsed.dates.get("updated"),
        created=parsed.dates.get("created"),
        last_read=parsed.dates.get("last read"),
        read_count=parsed.read_count,
        similar=parsed.similar,
        extra=extra,
    )


def parse(raw: str, shown: str, tz: tzinfo) -> Export | list[ContentError]:
    """The sections of one export; errors name `shown` and their line."""
    errors: list[ContentError] = []
    body: list[str] = []
    similar: list[str] = []
    similar_wanted = 0
    summary: list[str] = []
    stats: list[tuple[int, str]] = []
    details: dict[str, tuple[str, int]] = {}
    extra: dict[str, object] = {}
    section = "body"

    for number, line in enumerate(raw.split("\n"), start=1):
        stripped = line.strip()
        header = _section_header(stripped, section)
        if header:
            section, similar_wanted = header
            if section == "details" and stripped.lower() != "details":
                stats.append((number, stripped[: -len("Details")]))  # "Read CountDetails"
            continue
        if not stripped:
            continue
        if section == "body":
            body.append(stripped)
        elif section == "similar":
            if len(similar) < similar_wanted:
                similar.append(stripped)
            else:  # more lines than announced: they belong to no section we know
                errors.append(ContentError(shown, number,
                              f"Similar Readings announced {similar_wanted} items, found more"))
        elif section == "summary":
            summary.append(stripped)
        elif section == "statistics":
            stats.append((number, stripped))
        else:
            match = _DETAIL.match(stripped)
            if match is None:
                errors.append(ContentError(shown, number,
                              f"Details: expected `Key: value`, got {stripped!r}"))
            else:
                details.setdefault(match[1].strip().lower(), (match[2].strip(), number))

    counts = _read_statistics(stats, extra)
    dates = {}
    for key in ("date", "created", "updated", "last read"):
        if key in details:
            value, number = details[key]
            try:
                dates[key] = parse_date(value, tz)
            except ValueError as exc:
                errors.append(ContentError(shown, number, f"{key.title()}: {exc}"))
    for key, (value, _) in details.items():
        if key not in DETAIL_FIELDS:
            extra[key.replace(" ", "_")] = value
    if not body:
        errors.append(ContentError(shown, 1, "no body text before the first section"))
    if _article_date(dates) is None and not errors:
        errors.append(ContentError(shown, None, "no Date or Created in Details"))
    if errors:
        return errors
    return Export(
        paragraphs=tuple(text.dedupe_paragraphs(body)),
        similar=tuple(dict.fromkeys(similar)),
        summary=" ".join(summary),
        word_count=counts.get("word_count"),
        read_count=counts.get("read_count"),
        details={key: value for key, (value, _) in details.items() if key in DETAIL_FIELDS},
        dates=dates,
        extra=extra,
    )


def _section_header(line: str, current: str) -> tuple[str, int] | None:
    """The section a line opens, with the number of items it announces, or None."""
    match = _SIMILAR.match(line)
    if match and current == "body":
        return "similar", int(match[1])
    if line == "Summary" and current in {"body", "similar"}:
        return "summary", 0
    if line == "Statistics" and current in {"body", "similar", "summary"}:
        return "statistics", 0
    if line == "Details" and current != "details":
        return "details", 0
    if current == "statistics" and line.endswith("Details"):
        return "details", 0
    return None


def _read_statistics(stats: list[tuple[int, str]], extra: dict[str, object]) -> dict[str, int]:
    """`239`, `Words1`, `Read Count` -> {word_count: 239, read_count: 1}: values precede labels."""
    joined = " ".join(piece for _, piece in stats)
    counts: dict[str, int] = {}
    for value, label in _STAT.findall(joined):
        name = label.strip().lower()
        number = int(value.replace(",", ""))
        if name in STAT_FIELDS:
            counts[STAT_FIELDS[name]] = number
        elif name:
            extra[name.replace(" ", "_")] = number
    return counts


def _article_date(dates: dict):
    """`Date` is the article's day; when it has no time, `Created` on that day gives the time."""
    date, created = dates.get("date"), dates.get("created")
    if date is None:
        return created
    midnight = date.hour == date.minute == date.second == 0
    if midnight and created is not None and created.date() == date.date():
        return created
    return date
