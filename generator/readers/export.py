"""The reading tracker's plain-text export.

Its sections, in order, each optional: the body (a paragraph a line, sometimes repeated);
`Similar Readings (N items)` and N titles; `Summary` and its text; `Statistics`, whose values and
labels are glued together (`239` / `Words1` / `Read CountDetails`); `Details` and `Key: value`
lines. The export has no title: one is derived from the summary.
"""

from __future__ import annotations

import html
import re
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


def read(raw: str, source: Source, cfg: Config) -> Parsed:
    """Parts that cannot be read are warnings: the rest of the export still makes an article.
    Only an export with no usable date is an error; a text with no Details is no export."""
    warnings: list[ContentWarning] = []

    def warn(line: int | None, message: str) -> None:
        warnings.append(ContentWarning(source.shown, line, message))
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
        return Parsed(None, (), tuple(warnings))
    counts = _read_statistics(stats, extra)
    dates, errors = _read_dates(details, cfg, source.shown, warn)
    for key, (value, _) in details.items():
        if key not in DETAIL_FIELDS:
            extra[key.replace(" ", "_")] = value
    if not body and not summary:
        warn(None, "skipped: the export has neither body text nor a Summary")
        return Parsed(None, (), tuple(warnings))
    if not body:
        warn(1, "no body text before the first section; the page shows the summary only")
    date = _article_date(dates)
    if date is None and not errors:
        errors.append(ContentError(source.shown, None, "no Date or Created in Details"))
    if errors:
        return Parsed(None, tuple(errors), tuple(warnings))
    url, url_line = details.get("url", (None, None))
    if url and url_problem(url):
        warn(url_line, f"URL: dropped {url[:60]!r}: {url_problem(url)}")
        url = None

    paragraphs = text.dedupe_paragraphs(body)
    plain = " ".join(paragraphs)
    summary_text = text.finish_summary(" ".join(summary)) if summary else text.excerpt(plain)
    title = text.derive_title(" ".join(summary), paragraphs)
    word_count = text.count_words(plain)
    if "word_count" in counts and counts["word_count"] != word_count:
        extra["export_word_count"] = counts["word_count"]
    return Parsed(finish(
        source, cfg,
        title=title,
        slug_hint=None,
        category=details.get("category id", (None,))[0] or None,
        id=details.get("id", (None,))[0] or None,
        date=date,
        word_count=word_count,
        body_html="\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs),
        summary=summary_text,
        source_url=url or None,
        updated=dates.get("updated"),
        created=dates.get("created"),
        last_read=dates.get("last read"),
        read_count=counts.get("read_count"),
        similar=tuple(dict.fromkeys(similar)),
        extra=extra,
    ), (), tuple(warnings))


def _read_dates(details: dict[str, tuple[str, int]], cfg: Config, shown: str, warn
                ) -> tuple[dict, list[ContentError]]:
    """Each date of Details. One that cannot be read is left out with a warning, but for
    `Date` when no `Created` can stand in for it: an article needs a date."""
    dates, failed = {}, {}
    for key in ("date", "created", "updated", "last read"):
        if key in details:
            value, number = details[key]
            try:
                dates[key] = parse_date(value, cfg.tz)
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
