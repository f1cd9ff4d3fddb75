"""Turning one file's metadata and body into an Article: the rules both Markdown formats share,
and what real archives from Jekyll, Hugo and Pelican hold (file-name dates, page bundles,
redirects, other generators' template code)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import text
from ..config import Config
from ..dates import parse_date
from ..markdown import render_markdown
from ..model import Article
from ..redirects import Redirect
from .meta import (
    KNOWN,
    Meta,
    Parsed,
    authors_value,
    bool_value,
    date_value,
    int_value,
    list_value,
    text_value,
    url_problem,
    url_value,
    warn_misspelled,
)

if TYPE_CHECKING:
    from . import Source

# Template code of other generators: Liquid/Jinja tags and output, Hugo shortcodes, WordPress
# captions. Bounded, so that a body of unclosed braces costs no more than a line's length.
_FOREIGN = re.compile(r"\{%-?[^\n]{0,300}?-?%\}|\{\{[<%][^\n]{0,300}?[>%]\}\}"
                      r"|\{\{-?\s*[\w.$]+[^\n]{0,300}?\}\}|\[/?caption\b[^\]\n]{0,300}\]")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
MDX_SUFFIX = ".mdx"


def article_from_markdown(meta: Meta, body: str, cfg: Config) -> Parsed:
    """The shared second half of both Markdown readers."""
    source = meta.source
    path = PurePosixPath(source.shown)
    stem = path.stem
    if stem == "_index":
        return meta.skip("a Hugo section page (_index), not an article")
    if stem == "index" and path.parent.name:  # a page bundle: its folder names it
        stem = path.parent.name
    name_date, name_slug = text.split_jekyll_name(stem)
    if "redirect_to" in meta.values and not body.strip():
        return _redirect_stub(meta, path, name_date, name_slug)
    body = _prepared_body(meta, body, path.suffix.lower())
    rendered = render_markdown(body, cfg.markdown_engine)
    if rendered.warning:
        meta.warn(None, rendered.warning, line=meta.body_line)
    plain = text.html_to_text(rendered.html)

    summary = text_value(meta, "summary")
    if summary is None and rendered.summary_html is not None:
        summary = text.html_to_text(rendered.summary_html)
    summary = text.finish_summary(summary) if summary else text.excerpt(plain)

    title = text_value(meta, "title")
    derived = not title
    if derived:  # a headline of the summary's words: lists show the rest of it
        title = text.derive_title(summary, [plain])
    date = _article_date(meta, name_date, cfg)
    if date is None and not meta.errors and "pages" in path.parts[:-1]:
        return meta.skip("a page without a date (in a pages/ folder), not an article")
    if date is None and not meta.errors:
        meta.error(None, "date: missing (add `date: 2023-09-27` or name the file "
                         "2023-09-27-name.md)", line=1)
    words = meta.format != "pelican"  # Jekyll splits `tags: a b` on spaces; Pelican on commas
    categories = list_value(meta, "categories", words=words)
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
        teaser=text.teaser(summary, title, derived),
        slug_hint=text_value(meta, "slug") or name_slug,
        category=category,
        updated=date_value(meta, "updated", cfg),
        tags=list_value(meta, "tags", words=words),
        source_url=_source_url(meta),
        id=text_value(meta, "id"),
        authors=authors_value(meta),
        similar=list_value(meta, "similar", separator=";"),
        read_count=int_value(meta, "read_count"),
        last_read=date_value(meta, "last_read", cfg),
        draft=is_draft,
        aliases=_old_urls(meta),
        extra=extra,
    )
    if meta.errors or date is None:
        return meta.result(None)
    return meta.result(finish(source, cfg, date=date, body_html=rendered.html,
                              word_count=text.count_collapsed_words(plain), **fields))


def _article_date(meta: Meta, name_date: str | None, cfg: Config) -> datetime | None:
    """The front matter's date wins over the file name's, which stands in when the front
    matter has none or one that cannot be read; each guess is a warning."""
    named = None
    if name_date:
        try:
            named = parse_date(name_date, cfg.tz)
        except ValueError as exc:
            meta.error(None, f"the file name's date: {exc}", line=1)
            return None
    written = meta.values.get("date")
    if written in (None, ""):
        return named
    try:
        date = parse_date(written, cfg.tz)
    except ValueError as exc:
        if named is None:
            meta.error("date", f"date: {exc}")
            return None
        meta.warn("date", f"date: {exc}; the file name's date {name_date} is used")
        return named
    if named is not None and abs((date.astimezone(cfg.tz).date() - named.date()).days) > 1:
        meta.warn("date", f"date: {date.date()} is more than a day from the file name's "
                          f"{name_date}; the front matter's date is used")
    return date


def _source_url(meta: Meta) -> str | None:
    """Hugo's `url:` is the page's own path, not a source: that one becomes an old URL."""
    value = meta.values.get("source_url")
    if isinstance(value, str) and value.strip().startswith("/") \
            and meta.written.get("source_url", "").lower() == "url":
        return None
    return url_value(meta, "source_url")


def _old_urls(meta: Meta) -> tuple[str, ...]:
    """The URLs the article had before (Hugo's aliases, Jekyll's redirect_from and permalink,
    Hugo's `url`): each becomes a redirect page to where it is now."""
    old = list(list_value(meta, "aliases"))
    for key in ("permalink", "source_url"):
        value = meta.values.get(key)
        if isinstance(value, str) and value.strip().startswith("/") and (
                key == "permalink" or meta.written.get(key, "").lower() == "url"):
            old.append(value.strip())
    return tuple(dict.fromkeys(old))


def _redirect_stub(meta: Meta, path: PurePosixPath, name_date: str | None,
                   name_slug: str) -> Parsed:
    """A file that only says where its page went: a redirect page at its old URL. That URL is
    its `permalink`, else the one Jekyll gives such a file by default."""
    target = text_value(meta, "redirect_to") or ""
    problem = None if target.startswith("/") else url_problem(target)
    if problem:
        meta.warn("redirect_to", f"redirect_to: {target[:60]!r} is not a URL: {problem}")
        return meta.skip("a redirect-only file with no usable target")
    old = text_value(meta, "permalink")
    if not old:
        folders = "/".join(list_value(meta, "categories", words=True))
        dated = name_date.replace("-", "/") + "/" if name_date else ""
        old = f"/{folders}/{dated}{name_slug}.html".replace("//", "/")
    meta.redirects.append(Redirect(old, target, meta.source.shown, meta.lines.get("redirect_to")))
    return meta.skip(f"a redirect-only file, made a redirect page from {old} to {target}")


def _prepared_body(meta: Meta, body: str, suffix: str) -> str:
    """MDX's import and export lines dropped; other generators' template code shown as text."""
    lines = body.split("\n")
    if suffix == MDX_SUFFIX:
        lines, dropped = _without_mdx_statements(lines)
        meta.warn(None, f"MDX read as Markdown: {text.plural(dropped, 'import/export line')} "
                        "dropped, components shown as their text", line=1)
    fenced = False
    first = None
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and ("{" in line or "[caption" in line) and _FOREIGN.search(line):
            first = first or (number, _FOREIGN.search(line).group())
            # Entities, so that a shortcode's <...> can never be read as an HTML tag.
            lines[number] = _FOREIGN.sub(lambda m: m.group().replace("<", "&lt;")
                                         .replace(">", "&gt;"), line)
    if first is not None:
        body_line = meta.body_line + first[0]
        meta.warn(None, f"template code of another generator ({first[1][:40]}) is shown as "
                        "text", line=body_line)
    return "\n".join(lines)


def _without_mdx_statements(lines: list[str]) -> tuple[list[str], int]:
    kept, dropped, depth, fenced = [], 0, 0, False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        if depth or (not fenced and line.startswith(("import ", "export "))):
            depth = max(0, depth + line.count("{") + line.count("(") - line.count("}")
                        - line.count(")"))
            dropped += 1
            continue
        kept.append(line)
    return kept, dropped


def finish(
    source: Source, cfg: Config, *, title: str, slug_hint: str | None, category: str | None,
    id: str | None, date: datetime, word_count: int, **fields: Any,
) -> Article:
    """Category, slug and id fallbacks that every format shares; dates in the site's zone."""
    label = category or source.folder or cfg.default_category
    category_id = text.slugify(label) or cfg.default_category
    slug = text.slugify(slug_hint or "") or text.short_slug(title) or text.slugify(id or "") \
        or "article"
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
