"""The `fetch:` section of config.yaml: which feeds to fetch and how, checked at load."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..text import slugify

Errors = list[tuple[tuple[str, ...], str]]  # (key path from the top of config.yaml, message)

_HTTP_URL = re.compile(r"^https?://[^/\s?#]+[^\s]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FetchSource:
    url: str  # the feed's URL, http or https
    category: str  # category id (slug form): the folder under content/ its entries go to
    name: str = ""  # how people call the source; the OPML outline's title


@dataclass(frozen=True, slots=True)
class FetchConfig:
    sources: tuple[FetchSource, ...] = ()
    keep_days: int | None = None  # None: fetched articles are kept for ever
    timeout: float = 20.0  # seconds for one feed's whole download
    max_bytes: int = 20_000_000  # a feed larger than this is refused (20 MB)
    workers: int = 8  # feeds downloaded at once


# key: (type, help), in the style of config.KEYS, for the README's table.
FETCH_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "sources": (list, ("The feeds to fetch: a list of `url` (the feed), `category` (id), "
                      "optional `name`.")),
    "keep_days": (int, "Remove fetched articles older than this many days (default: keep all)."),
    "timeout": ((int, float), "Seconds one feed's download may take (default 20)."),
    "max_bytes": (int, "A feed larger than this many bytes is refused (default 20000000)."),
    "workers": (int, "Feeds downloaded at once (default 8)."),
}
SOURCE_KEYS = ("url", "category", "name")
_MINIMUM = {"keep_days": 1, "max_bytes": 1, "workers": 1}


def fetch_config_from_mapping(data: Any) -> tuple[FetchConfig, Errors]:
    """The `fetch:` section; errors are (key path from the top, message)."""
    if data is None:
        return FetchConfig(), []
    if not isinstance(data, dict):
        return FetchConfig(), [(("fetch",), ("fetch: expected a mapping with sources, keep_days, "
                                            "timeout, max_bytes, workers"))]
    errors: Errors = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        path = ("fetch", str(key))
        if key not in FETCH_KEYS:
            known = ", ".join(sorted(FETCH_KEYS))
            errors.append((path, f"fetch: unknown key {key!r} (known keys: {known})"))
        elif key == "sources":
            sources, source_errors = sources_from_list(value)
            errors += source_errors
            values[key] = sources
        elif key == "keep_days" and value is None:
            values[key] = None  # written but empty: the default, keep everything
        elif key == "timeout":
            if not _is_number(value) or value <= 0:
                errors.append((path, (f"fetch.timeout: expected a number of seconds above 0, "
                                     f"got {value!r}")))
            else:
                values[key] = float(value)
        elif not _is_number(value) or isinstance(value, float):
            errors.append((path, f"fetch.{key}: expected a whole number, got {value!r}"))
        elif value < _MINIMUM[key]:
            errors.append((path, f"fetch.{key}: must be at least {_MINIMUM[key]}"))
        else:
            values[key] = value
    return FetchConfig(**values), errors


def sources_from_list(data: Any) -> tuple[tuple[FetchSource, ...], Errors]:
    top = ("fetch", "sources")
    if not isinstance(data, list):
        return (), [(top, "fetch.sources: expected a list of entries with url and category")]
    sources: list[FetchSource] = []
    errors: Errors = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        where = top + (str(index),)
        label = f"fetch.sources[{index + 1}]"
        if not isinstance(item, dict):
            errors.append((where, (f"{label}: expected a mapping with url, category and "
                                  f"optionally name")))
            continue
        problems = [(where + (str(k),), (f"{label}: unknown key {k!r} (known keys: "
                                        f"{', '.join(SOURCE_KEYS)})"))
                    for k in item if k not in SOURCE_KEYS]
        for key in SOURCE_KEYS:
            value = item.get(key)
            if value is None and key != "name":
                problems.append((where, f"{label}: {key} is missing"))
            elif value is not None and not isinstance(value, str):
                problems.append((where + (key,), f"{label}.{key}: expected text, got {value!r}"))
        url, category = item.get("url"), item.get("category")
        if isinstance(url, str) and not _HTTP_URL.match(url.strip()):
            problems.append((where + ("url",), (f"{label}.url: expected an http(s) URL, "
                                               f"got {url!r}")))
        if isinstance(category, str) and not slugify(category):
            problems.append((where + ("category",), f"{label}.category: needs letters or digits"))
        if not problems and url.strip() in seen:
            problems.append((where + ("url",), f"{label}.url: {url} is listed twice"))
        errors += problems
        if not problems:
            seen.add(url.strip())
            sources.append(FetchSource(url.strip(), slugify(category), item.get("name") or ""))
    return tuple(sources), errors


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
