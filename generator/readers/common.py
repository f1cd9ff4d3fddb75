"""Turning one file's metadata and body into an Article: the rules both Markdown formats share."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import text
from ..config import Config
from ..dates import parse_date
from ..markdown import render_markdown
from ..model import Article
from .meta import (
    KNOWN,
    Meta,
    Parsed,
    bool_value,
    date_value,
    int_value,
    list_value,
    text_value,
    url_value,
    warn_misspelled,
)

if TYPE_CHECKING:
    from . import Source


def article_from_markdown(meta: Meta, body: str, cfg: Config) -> Parsed:
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
            date = _name_date(meta, name_date, cfg)
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
    warn_misspelled(meta, extra)
    if len(categories) > 1:
        extra.setdefault("categories", list(categories))
    fields = dict(
        title=title,
        summary=summary,
        slug_hint=text_value(meta, "slug") or name_slug,
        category=category,
        updated=date_value(meta, "updated", cfg),
        tags=list_value(meta, "tags"),
        source_url=url_value(meta, "source_url"),
        id=text_value(meta, "id"),
        authors=list_value(meta, "authors"),
        similar=list_value(meta, "similar", separator=";"),
        read_count=int_value(meta, "read_count"),
        last_read=date_value(meta, "last_read", cfg),
        draft=is_draft,
        extra=extra,
    )
    if meta.errors or date is None:
        return meta.result(None)
    return meta.result(finish(source, cfg, date=date, body_html=rendered.html,
                              word_count=text.count_words(plain), **fields))


def _name_date(meta: Meta, name_date: str, cfg: Config) -> datetime | None:
    try:
        return parse_date(name_date, cfg.tz)
    except ValueError as exc:
        meta.error(None, f"the file name's date: {exc}", line=1)
        return None


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
