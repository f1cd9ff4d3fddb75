"""What a setting's text is read as, and the checks some settings need beyond their type.

config.yaml is read as text (`yaml_text.TextLoader`): `title: no` is the title "no". Each kind
here turns text into a value by the field's type, and the schema names a check where a setting
needs more (a URL's shape, a known time zone): a check returns the value to keep, or raises
`Invalid` with a message that the validator prefixes with the setting's name.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..markdown import engine_available
from ..text import slugify
from .options import Invalid, Kind, Setting

PERMALINK_FIELDS = ("year", "month", "day", "slug", "category", "id")
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "k": 1024, "mb": 1024 ** 2, "m": 1024 ** 2,
               "gb": 1024 ** 3, "g": 1024 ** 3}
_WHOLE = re.compile(r"[+-]?\d+(?:_\d+)*")  # YAML 1.1 wrote 20_000_000 as a number too
_NUMBER = re.compile(r"[+-]?(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_BOOLEANS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
_BASE_URL = re.compile(r"^https?://[^/\s]+(/\S*)?$")
_FEED_URL = re.compile(r"^https?://[^/\s?#]+[^\s]*$", re.IGNORECASE)


def _whole(text: str) -> int | None:
    return int(text) if _WHOLE.fullmatch(text.strip()) else None


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text.strip()) else None


def _text(text: str) -> str:
    return text


def parse_size(value: int | str) -> int | None:
    """Bytes from 1048576, "1 MB", "500kB" (binary units, as file managers count); None if not."""
    if isinstance(value, int):
        return value if value > 0 else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", value)
    if not match or match[2].lower() not in _SIZE_UNITS:
        return None
    size = int(float(match[1]) * _SIZE_UNITS[match[2].lower()])
    return size if size > 0 else None


TEXT = Kind("text", "text", _text)
WHOLE = Kind("a whole number", "whole number", _whole)
NUMBER = Kind("a number", "number", _number)
BOOL = Kind("true or false", "true/false", lambda text: _BOOLEANS.get(text.strip().lower()))
SIZE = Kind("a size such as 10 MB or 500 kB", "bytes, or a size such as `10 MB`", parse_size)
_KINDS: dict[type, Kind] = {str: TEXT, int: WHOLE, float: NUMBER, bool: BOOL}


def kind_of(setting: Setting) -> Kind:
    """What a setting's text is read as: the kind its Option names, else its type's."""
    return setting.option.kind or _KINDS[setting.value_type]


def base_url(url: str) -> str:
    """An absolute http(s) URL, kept with a slash at the end: links are made relative to it."""
    if not _BASE_URL.match(url):
        raise Invalid(f"must be an absolute http(s) URL such as https://example.org/, got {url!r}")
    return url if url.endswith("/") else url + "/"


def time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"unknown time zone {name!r}") from None
    return name


def category_or_general(name: str) -> str:
    return slugify(name) or "general"


def permalink(pattern: str) -> str:
    if not pattern.startswith("/") or not pattern.endswith("/"):
        raise Invalid(f"must start and end with '/', got {pattern!r}")
    names = re.findall(r"\{([^}]*)\}", pattern)
    unknown = [n for n in names if n not in PERMALINK_FIELDS]
    if unknown:
        raise Invalid(f"unknown field {{{unknown[0]}}} (known: {', '.join(PERMALINK_FIELDS)})")
    if "slug" not in names and "id" not in names:
        raise Invalid("must contain {slug} or {id}, or every article would get the same URL")
    return pattern


def installed_engine(engine: str) -> str:
    if not engine_available(engine):
        raise Invalid(f"{engine} needs cmarkgfm: pip install 'digest[fast]'")
    return engine


def theme_folder(folder: str) -> str:
    """A folder's path; whether it is there is checked when a build starts."""
    if not folder.strip():
        raise Invalid("expected a folder's path, relative to config.yaml")
    return folder.strip()


def above_zero(value: float) -> float:
    if value <= 0:
        raise Invalid(f"must be above 0, got {value:g}")
    return value


def feed_url(url: str) -> str:
    if not _FEED_URL.match(url.strip()):
        raise Invalid(f"expected an http(s) URL, got {url!r}")
    return url.strip()


def category_id(name: str) -> str:
    """A category as the folder under content/ names it (slug form)."""
    if not slugify(name):
        raise Invalid("needs letters or digits")
    return slugify(name)


def category_ids(categories: dict[str, Any]) -> dict[str, Any]:
    """Categories by their id in slug form, as articles name them: `BBC` is `bbc`."""
    Invalid.check([((cat_id,), "needs letters or digits")
                   for cat_id in categories if not slugify(cat_id)])
    return {slugify(cat_id): spec for cat_id, spec in categories.items()}


def distinct_urls(sources: tuple[Any, ...]) -> tuple[Any, ...]:
    """Each feed once: a second entry would fetch the same articles twice."""
    first: dict[str, int] = {}
    for index, source in enumerate(sources):
        first.setdefault(source.url, index)
    Invalid.check([((index, "url"), f"{source.url} is listed twice")
                   for index, source in enumerate(sources) if first[source.url] != index])
    return sources
