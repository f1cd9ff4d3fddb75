"""Turning one file's metadata and body into an Article: the rules both Markdown formats share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import text
from ..config import Config
from ..dates import parse_date
from ..errors import ContentError
from ..markdown import render_markdown
from ..model import Article

if TYPE_CHECKING:
    from . import Source

# Aliases as Jekyll, Hugo and Pelican spell them, to the one name an Article uses.
ALIASES = {
    "modified": "updated", "lastmod": "updated", "description": "summary",
    "url": "source_url", "link": "source_url", "source": "source_url", "uuid": "id",
    "author": "authors", "tag": "tags", "similar_readings": "similar",
}
KNOWN = {
    "title", "date", "updated", "category", "categories", "tags", "summary", "slug", "source_url",
    "id", "draft", "published", "status", "authors", "similar", "read_count", "last_read",
}


@dataclass(slots=True)
class Meta:
    """What a reader found, with the line of each key so that errors can point at it."""

    source: Source
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)

    def add(self, key: str, value: Any, line: int) -> None:
        key = ALIASES.get(key.strip().lower().replace("-", "_"), key.strip().lower())
        if key not in self.values:  # the first spelling wins; aliases never override it
            self.values[key] = value
            self.lines[key] = line

    def error(self, key: str | None, message: str, line: int | None = None) -> None:
        where = line if line is not None else self.lines.get(key or "", 1)
        self.errors.append(ContentError(self.source.shown, where, message))


def text_value(meta: Meta, key: str) -> str | None:
    value = meta.values.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list)):
        meta.error(key, f"{key}: expected text, got a {type(value).__name__}")
        return None
    return text.collapse_spaces(str(value))


def list_value(meta: Meta, key: str, separator: str = ",") -> tuple[str, ...]:
    value = meta.values.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(separator)
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    result = []
    for item in items:
        if isinstance(item, (dict, list)):
            meta.error(key, f"{key}: expected a list of text, found a nested {type(item).__name__}")
            return ()
        cleaned = text.collapse_spaces(str(item))
        if cleaned and cleaned not in result:
            result.append(cleaned)
    return tuple(result)


def date_value(meta: Meta, key: str, cfg: Config) -> datetime | None:
    value = meta.values.get(key)
    if value is None or value == "":
        return None
    try:
        return parse_date(value, cfg.tz)
    except ValueError as exc:
        meta.error(key, f"{key}: {exc}")
        return None


def bool_value(meta: Meta, key: str) -> bool | None:
    value = meta.values.get(key)
    if value is None or isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"true", "yes", "on", "1"}:
        return True
    if lowered in {"false", "no", "off", "0"}:
        return False
    meta.error(key, f"{key}: expected true or false, got {value!r}")
    return None


def int_value(meta: Meta, key: str) -> int | None:
    value = meta.values.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    try:
        return int(str(value).replace(",", "").strip())
    except ValueError:
        meta.error(key, f"{key}: expected a whole number, got {value!r}")
        return None


def article_from_markdown(meta: Meta, body: str, cfg: Config) -> Article | list[ContentError]:
    """The shared second half of both Markdown readers."""
    source = meta.source
    rendered = render_markdown(body, cfg.markdown_engine)
    plain = text.html_to_text(rendered.html)
    path = PurePosixPath(source.shown)
    name_date, name_slug = text.split_jekyll_name(path.stem)

    summary = text_value(meta, "summary")
    if summary is None and rendered.summary_html is not None:
        summary = text.html_to_text(rendered.summary_html)
    summary = text.finish_summary(summary) if summary else text.excerpt(plain)

    title = text_value(meta, "title") or text.derive_title(summary, [plain])
    date = date_value(meta, "date", cfg)
    if date is None and "date" not in meta.lines:
        if name_date:
            date = parse_date(name_date, cfg.tz)
        else:
            meta.error(None, "date: missing (add `date: 2023-09-27` or name the file "
                             "2023-09-27-name.md)", line=1)
    categories = list_value(meta, "categories")
    category = text_value(meta, "category") or (categories[0] if categories else None)

    draft = bool_value(meta, "draft")
    published = bool_value(meta, "published")
    status = (text_value(meta, "status") or "").lower()
    if status and status not in {"draft", "hidden", "published", "public"}:
        meta.error("status", f"status: expected draft or published, got {status!r}")
    is_draft = bool(draft) or published is False or status in {"draft", "hidden"}

    extra = {k: v for k, v in meta.values.items() if k not in KNOWN}
    if len(categories) > 1:
        extra.setdefault("categories", list(categories))
    fields = dict(
        title=title,
        summary=summary,
        slug_hint=text_value(meta, "slug") or name_slug,
        category=category,
        updated=date_value(meta, "updated", cfg),
        tags=list_value(meta, "tags"),
        source_url=text_value(meta, "source_url"),
        id=text_value(meta, "id"),
        authors=list_value(meta, "authors"),
        similar=list_value(meta, "similar", separator=";"),
        read_count=int_value(meta, "read_count"),
        last_read=date_value(meta, "last_read", cfg),
        draft=is_draft,
        extra=extra,
    )
    if meta.errors or date is None:
        return meta.errors
    return finish(source, cfg, date=date, body_html=rendered.html,
                  word_count=text.count_words(plain), **fields)


def finish(
    source: Source, cfg: Config, *, title: str, slug_hint: str | None, category: str | None,
    id: str | None, date: datetime, word_count: int, **fields: Any,
) -> Article:
    """Category, slug and id fallbacks that every format shares; dates in the site's zone."""
    label = category or source.folder or cfg.default_category
    category_id = text.slugify(label) or cfg.default_category
    slug = text.slugify(slug_hint or "") or text.slugify(title) or text.slugify(id or "") or "article"
    local = cfg.tz
    for key in ("updated", "created", "last_read"):
        if fields.get(key) is not None:
            fields[key] = fields[key].astimezone(local)
    return Article(
        id=id or source.key,
        title=title,
        slug=slug,
        date=date.astimezone(local),
        category=category_id,
        category_label=label,
        source_path=source.shown,
        word_count=word_count,
        reading_minutes=text.reading_minutes(word_count),
        **fields,
    )
