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


def read(raw: str, source: Source, cfg: Config) -> Article | list[ContentError]:
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
                errors.append(ContentError(source.shown, number,
                              f"Similar Readings announced {similar_wanted} items, found more"))
        elif section == "summary":
            summary.append(stripped)
        elif section == "statistics":
            stats.append((number, stripped))
        else:
            match = _DETAIL.match(stripped)
            if match is None:
                errors.append(ContentError(source.shown, number,
                              f"Details: expected `Key: value`, got {stripped!r}"))
            else:
                details.setdefault(match[1].strip().lower(), (match[2].strip(), number))

    counts = _read_statistics(stats, extra)
    dates = {}
    for key in ("date", "created", "updated", "last read"):
        if key in details:
            value, number = details[key]
            try:
                dates[key] = parse_date(value, cfg.tz)
            except ValueError as exc:
                errors.append(ContentError(source.shown, number, f"{key.title()}: {exc}"))
    for key, (value, _) in details.items():
        if key not in DETAIL_FIELDS:
            extra[key.replace(" ", "_")] = value
    if not body:
        errors.append(ContentError(source.shown, 1, "no body text before the first section"))
    date = _article_date(dates)
    if date is None and not errors:
        errors.append(ContentError(source.shown, None, "no Date or Created in Details"))
    if errors:
        return errors

    paragraphs = text.dedupe_paragraphs(body)
    plain = " ".join(paragraphs)
    summary_text = text.finish_summary(" ".join(summary)) if summary else text.excerpt(plain)
    title = text.derive_title(" ".join(summary), paragraphs)
    word_count = text.count_words(plain)
    if "word_count" in counts and counts["word_count"] != word_count:
        extra["export_word_count"] = counts["word_count"]
    return finish(
        source, cfg,
        title=title,
        slug_hint=None,
        category=details.get("category id", (None,))[0] or None,
        id=details.get("id", (None,))[0] or None,
        date=date,
        word_count=word_count,
        body_html="\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs),
        summary=summary_text,
        source_url=details.get("url", (None,))[0] or None,
        updated=dates.get("updated"),
        created=dates.get("created"),
        last_read=dates.get("last read"),
        read_count=counts.get("read_count"),
        similar=tuple(dict.fromkeys(similar)),
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
