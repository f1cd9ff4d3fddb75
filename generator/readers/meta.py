"""What a reader found in a file's metadata, and the rules that turn each value into a field:
text stays text, URLs must be http(s), dates and counts are parsed by Digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .. import text
from ..config import Config
from ..dates import parse_date
from ..errors import ContentError, ContentWarning
from ..model import Article, evolve, quick_pickle
from ..redirects import Redirect

if TYPE_CHECKING:
    from . import Source

# Aliases as Jekyll, Hugo and Pelican spell them, to the one name an Article uses.
ALIASES = {
    "modified": "updated", "lastmod": "updated", "description": "summary", "excerpt": "summary",
    "url": "source_url", "link": "source_url", "source": "source_url", "uuid": "id",
    "author": "authors", "by": "authors", "tag": "tags", "similar_readings": "similar",
    "redirect": "redirect_to", "redirect_from": "aliases", "alias": "aliases",
}
KNOWN = {
    "title", "date", "updated", "category", "categories", "tags", "summary", "slug", "source_url",
    "id", "draft", "published", "status", "authors", "similar", "read_count", "last_read",
    "aliases", "redirect_to", "permalink",
}
URL_SCHEMES = ("http", "https")


@quick_pickle
@dataclass(frozen=True, slots=True)
class Parsed:
    """What reading one file gave: an Article (or None when the file is skipped or broken),
    the errors that stop the build, and the warnings that do not."""

    article: Article | None
    errors: tuple[ContentError, ...] = ()
    warnings: tuple[ContentWarning, ...] = ()
    redirects: tuple[Redirect, ...] = ()  # old URLs a redirect-only file asks for

    def without_body(self) -> Parsed:
        """What the builder and the store's `sources` keep: the body waits in its own table."""
        article = self.article
        if article is None or not article.body_html:
            return self
        return evolve(self, article=evolve(article, body_html=""))


@dataclass(slots=True)
class Meta:
    """What a reader found, with the line of each key so that errors can point at it."""

    source: Source
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[ContentError] = field(default_factory=list)
    warnings: list[ContentWarning] = field(default_factory=list)
    written: dict[str, str] = field(default_factory=dict)  # key -> the spelling the file used
    format: str = "yaml"  # "yaml", "toml" or "pelican": how a list written as text splits
    body_line: int = 1  # the file's line where the body starts
    redirects: list[Redirect] = field(default_factory=list)

    def add(self, key: str, value: Any, line: int) -> None:
        written = key.strip()
        key = normal_key(written)
        key = ALIASES.get(key, key)
        if key not in self.values:  # the first spelling wins; aliases never override it
            self.values[key] = value
            self.lines[key] = line
            self.written[key] = written

    def error(self, key: str | None, message: str, line: int | None = None) -> None:
        where = line if line is not None else self.lines.get(key or "", 1)
        self.errors.append(ContentError(self.source.shown, where, message))

    def warn(self, key: str | None, message: str, line: int | None = 0) -> None:
        where = line if line != 0 else self.lines.get(key or "", 1)
        self.warnings.append(ContentWarning(self.source.shown, where, message))

    def result(self, article: Article | None) -> Parsed:
        if self.errors:
            article = None
        return Parsed(article, tuple(self.errors), tuple(self.warnings), tuple(self.redirects))

    def skip(self, why: str) -> Parsed:
        """Not an article: a warning says why, and nothing else of the file is kept."""
        self.warn(None, f"skipped: {why}", line=None)
        return Parsed(None, (), tuple(self.warnings), tuple(self.redirects))


def normal_key(key: str) -> str:
    return key.strip().lower().replace("-", "_").replace(" ", "_")


def _clean(meta: Meta, key: str, value: str) -> str:
    cleaned, removed = text.strip_controls(value)
    if removed:
        meta.warn(key, f"{key}: {removed} control character(s) removed")
    return cleaned


def text_value(meta: Meta, key: str) -> str | None:
    value = _scalar_text(meta.values.get(key))
    if value is None:
        return None
    if not isinstance(value, str):
        meta.error(key, f"{key}: expected text, got {_kind(value)}")
        return None
    return text.collapse_spaces(_clean(meta, key, value))


def url_value(meta: Meta, key: str) -> str | None:
    """An absolute http(s) URL, or None with a warning: a `javascript:` or `data:` link must
    never reach an href."""
    value = text_value(meta, key)
    if not value:
        return None
    problem = url_problem(value)
    if problem:
        meta.warn(key, f"{key}: dropped {_shown_value(value)}: {problem}")
        return None
    return value


def url_problem(value: str) -> str | None:
    """Why a text is not a link Digest will print, or None."""
    scheme, colon, rest = value.partition(":")
    if not colon or not scheme.isascii() or not scheme.isalpha():
        return "not an absolute URL (it must start with http:// or https://)"
    if scheme.lower() not in URL_SCHEMES:
        return f"the scheme {scheme.lower()}: is not allowed (only http and https)"
    if not rest.startswith("//") or len(rest) < 3 or any(c.isspace() for c in value):
        return "not an absolute URL (it must start with http:// or https://)"
    return None


def _shown_value(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", bytes: "binary data"}
    return names.get(type(value), f"a {type(value).__name__}")


def list_value(meta: Meta, key: str, separator: str = ",", words: bool = False
               ) -> tuple[str, ...]:
    """A list, or text split at `separator`; at spaces too when `words` and the text has no
    separator in it (Jekyll's `tags: economy transport`)."""
    value = meta.values.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        items = value.split(separator) if separator in value or not words else value.split()
    elif isinstance(value, list):
        items = value
    else:
        items = [value]
    result = []
    for item in items:
        if item is None:
            continue
        item = _scalar_text(item)
        if not isinstance(item, str):
            meta.error(key, f"{key}: expected a list of text, found {_kind(item)} in it")
            return ()
        cleaned = text.collapse_spaces(_clean(meta, key, item))
        if cleaned and cleaned not in result:
            result.append(cleaned)
    return tuple(result)


def authors_value(meta: Meta) -> tuple[str, ...]:
    """Names from text, a list, or mappings with a `name` (as Jekyll themes write authors)."""
    value = meta.values.get("authors")
    items = value if isinstance(value, list) else [value]
    if any(isinstance(item, dict) for item in items):
        meta.values["authors"] = [item.get("name") if isinstance(item, dict) else item
                                  for item in items]
    return list_value(meta, "authors")


def _scalar_text(value: Any) -> Any:
    """A number or date that a typed format (TOML) wrote where text belongs, as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


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
    if not isinstance(value, str):
        meta.error(key, f"{key}: expected true or false, got {_kind(value)}")
        return None
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
    digits = str(value).replace(",", "").replace("_", "").strip() if isinstance(value, str) else ""
    if not digits.isascii() or not digits.isdigit() or len(digits) > 15:
        meta.error(key, f"{key}: expected a whole number, got {_shown_value(str(value))}")
        return None
    return int(digits)


# Every key an article may use, in any spelling Digest reads: what a misspelling is compared with.
SPELLINGS = tuple(sorted(KNOWN | ALIASES.keys()))


def warn_misspelled(meta: Meta, extra: dict[str, Any]) -> None:
    """An unknown key one or two edits from a known one is most likely a typo of it."""
    for key in extra:
        guess = closest_key(key)
        if guess:
            meta.warn(key, f"unknown key {meta.written.get(key, key)!r}: did you mean {guess!r}? "
                           "(kept as an extra field)")


def closest_key(key: str) -> str | None:
    """The known key within one edit (two for keys longer than five letters), if exactly one."""
    if len(key) < 3:
        return None
    limit = 1 if len(key) <= 5 else 2
    found = [(edits, known) for known in SPELLINGS
             if abs(len(known) - len(key)) <= limit
             and (edits := text.edit_distance(key, known, limit)) <= limit]
    if not found:
        return None
    found.sort()
    return found[0][1]
