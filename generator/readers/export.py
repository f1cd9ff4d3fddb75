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
from ..errors import ContentError, ContentWarning
from .common import finish
from .meta import Parsed, url_problem

if TYPE_CHECKING:
    from . import Source

_SIMILAR = re.compile(r"^Similar Readings\s*\((\d+)\s+items?\)\s*$", re.IGNORECASE)
_STAT = re.compile(r"(\d[\d,]*)\s*([A-Za-z][A-Za-z ]*?)\s*(?=\d|$)")
_DETAIL_KEY = re.compile(r"[A-Za-z][\w ]{0,40}")
STAT_LINE_MAX = 200  # a statistics line is a number and a label; longer ones are not read
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


@dataclass(frozen=True, slots=True)
class ExportParse:
    """One export read: its fields (None when it is no export, or has no date), errors and
    warnings, each naming the file and line."""

    export: Export | None
    errors: tuple[ContentError, ...] = ()
    warnings: tuple[ContentWarning, ...] = ()


def read(raw: str, source: Source, cfg: Config) -> Parsed:
    """Parts that cannot be read are warnings: the rest of the export still makes an article.
    Only an export with no usable date is an error; a text with no Details is no export."""
    result = parse(raw, source.shown, cfg.tz)
    parsed = result.export
    if parsed is None:
        return Parsed(None, result.errors, result.warnings)
    plain = " ".join(parsed.paragraphs)
    word_count = text.count_words(plain)
    extra = dict(parsed.extra)
    if parsed.word_count is not None and parsed.word_count != word_count:
        extra["export_word_count"] = parsed.word_count
    summary = text.finish_summary(parsed.summary) if parsed.summary else text.excerpt(plain)
    return Parsed(finish(
        source, cfg,
        title=parsed.title,
        slug_hint=None,
        category=parsed.details.get("category id") or None,
        id=parsed.details.get("id") or None,
        date=parsed.date,
        word_count=word_count,
        body_html="\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in parsed.paragraphs),
        summary=summary,
        teaser=text.teaser(summary, parsed.title, derived=True),
        source_url=parsed.details.get("url") or None,
        updated=parsed.dates.get("updated"),
        created=parsed.dates.get("created"),
        last_read=parsed.dates.get("last read"),
        read_count=parsed.read_count,
        similar=parsed.similar,
        extra=extra,
    ), (), result.warnings)


def parse(raw: str, shown: str, tz: tzinfo) -> ExportParse:
    """The sections of one export."""
    warnings: list[ContentWarning] = []

    def warn(line: int | None, message: str) -> None:
        warnings.append(ContentWarning(shown, line, message))

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
                stats.append((number, stripped[: -len("Details")][:STAT_LINE_MAX]))  # "Read CountDetails"
            continue
        if not stripped:
            continue
        if section == "body":
            body.append(stripped)
        elif section == "similar":
            if len(similar) < similar_wanted:
                similar.append(stripped)
            else:  # more lines than announced: they belong to no section we know
                warn(number, f"Similar Readings announced {text.plural(similar_wanted, 'item')}; "
                             f"this line is one more, and was left out")
        elif section == "summary":
            summary.append(stripped)
        elif section == "statistics":
            stats.append((number, stripped[:STAT_LINE_MAX]))
        else:
            key, colon, value = stripped.partition(":")
            if not colon or not _DETAIL_KEY.fullmatch(key.strip()):
                warn(number, f"Details: expected `Key: value`, got {stripped[:60]!r}; left out")
            else:
                details.setdefault(key.strip().lower(), (value.strip(), number))

    if section != "details":
        warn(None, "skipped: a .txt file that is not a reading-tracker export (no Details section)")
        return ExportParse(None, (), tuple(warnings))
    counts = _read_statistics(stats, extra)
    dates, errors = _read_dates(details, tz, shown, warn)
    for key, (value, _) in details.items():
        if key not in DETAIL_FIELDS:
            extra[key.replace(" ", "_")] = value
    if not body and not summary:
        warn(None, "skipped: the export has neither body text nor a Summary")
        return ExportParse(None, (), tuple(warnings))
    if not body:
        warn(1, "no body text before the first section; the page shows the summary only")
    if _article_date(dates) is None and not errors:
        errors.append(ContentError(shown, None, "no Date or Created in Details"))
    if errors:
        return ExportParse(None, tuple(errors), tuple(warnings))
    known = {key: value for key, (value, _) in details.items() if key in DETAIL_FIELDS}
    url = known.get("url")
    if url and url_problem(url):
        warn(details["url"][1], f"URL: dropped {url[:60]!r}: {url_problem(url)}")
        del known["url"]
    return ExportParse(Export(
        paragraphs=tuple(text.dedupe_paragraphs(body)),
        similar=tuple(dict.fromkeys(similar)),
        summary=" ".join(summary),
        word_count=counts.get("word_count"),
        read_count=counts.get("read_count"),
        details=known,
        dates=dates,
        extra=extra,
    ), (), tuple(warnings))


def _read_dates(details: dict[str, tuple[str, int]], tz: tzinfo, shown: str, warn
                ) -> tuple[dict, list[ContentError]]:
    """Each date of Details. One that cannot be read is left out with a warning, but for
    `Date` when no `Created` can stand in for it: an article needs a date."""
    dates, failed = {}, {}
    for key in ("date", "created", "updated", "last read"):
        if key in details:
            value, number = details[key]
            try:
                dates[key] = parse_date(value, tz)
            except ValueError as exc:
                failed[key] = (number, f"{key.title()}: {exc}")
    errors = []
    for key, (number, message) in failed.items():
        if key == "date" and "created" not in dates:
            errors.append(ContentError(shown, number, message))
        elif key == "date":
            warn(number, f"{message}; Created is used instead")
        else:
            warn(number, f"{message}; left out")
    return dates, errors


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
