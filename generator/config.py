"""The site's settings: typed, validated at load, every error reported with its line in config.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import ConfigError, ContentError
from .feeds import FEEDS_KEYS, FeedsConfig, feeds_config_from_mapping
from .fetching.settings import FetchConfig, fetch_config_from_mapping
from .markdown import ENGINES, engine_available
from .related import RelatedConfig, related_config_from_mapping
from .text import slugify

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PERMALINK_FIELDS = ("year", "month", "day", "slug", "category", "id")
DEFAULT_ARTICLE_PERMALINK = "/{year}/{month}/{day}/{slug}/"
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024
_SIZE_UNITS = {"": 1, "b": 1, "kb": 1024, "k": 1024, "mb": 1024 ** 2, "m": 1024 ** 2,
               "gb": 1024 ** 3, "g": 1024 ** 3}


@dataclass(frozen=True, slots=True)
class CategoryConfig:
    name: str
    description: str = ""
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Config:
    """Everything a build needs to know that is not content. Paths are absolute."""

    root: Path
    content_dir: Path
    output_dir: Path
    templates_dir: Path
    title: str = "Digest"
    description: str = ""
    base_url: str = "http://127.0.0.1:8000/"
    language: str = "en"
    timezone: str = "UTC"
    per_page: int = 20
    default_category: str = "general"
    article_permalink: str = DEFAULT_ARTICLE_PERMALINK
    categories: dict[str, CategoryConfig] = field(default_factory=dict, hash=False)
    search: bool = True
    markdown_engine: str = "python-markdown"
    feeds: FeedsConfig = FeedsConfig()
    related: RelatedConfig = RelatedConfig()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    fetch: FetchConfig = FetchConfig()
    drafts: bool = False
    strict: bool = False  # warnings are errors (`--strict`)
    force: bool = False  # write into a non-empty folder that no Digest build wrote (`--force`)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """The path part of base_url: "/" at the root of a host, "/news/" under a sub-path."""
        path = re.sub(r"^[a-z]+://[^/]+", "", self.base_url)
        return path or "/"

    def with_base_url(self, url: str) -> Config:
        problem = _check_base_url(url)
        if problem:
            raise ConfigError([ContentError("--base-url", None, problem)], usage=True)
        return replace(self, base_url=_with_slash(url))


# key: (type, help). The README's table of keys is written from this.
KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "title": (str, "The site's name, shown in every page header and the browser tab."),
    "description": (str, "One sentence about the site, shown under the title and in search results."),
    "base_url": (str, "The absolute URL the site is served from, e.g. https://example.org/news/."),
    "language": (str, "The language of the pages (an HTML lang code such as en or fr-CA)."),
    "timezone": (str, "IANA time zone for dates written without an offset, and for grouping by day."),
    "per_page": (int, "Entries per page on the home, category, tag and archive lists."),
    "default_category": (str, "Category of an article that names none and is not in a folder."),
    "permalinks": (dict, "URL patterns; `article` may use {year} {month} {day} {slug} {category} {id}."),
    "categories": (dict, "Category id to {name, description, url}: the news sources' display data."),
    "feeds": (dict, "Feeds: " + "; ".join(f"{k}: {h}" for k, (_, h) in FEEDS_KEYS.items())),
    "markdown": (dict, "Markdown settings: engine: python-markdown (default) or commonmark "
                       "(cmark-gfm, much faster; pip install 'digest[fast]')."),
    "related": (dict, "Related reading and stories across sources: see the table of related.* keys."),
    "search": (bool, "Build the full-text search index (Pagefind) and the /search/ page."),
    "max_file_size": ((int, str), "A content file larger than this is skipped with a warning, "
                                  "before it is read: bytes, or a size such as `10 MB` "
                                  "(default 10 MB)."),
    "fetch": (dict, "`digest fetch`: the feeds to fetch into content/; see the fetch.* keys."),
}
CATEGORY_KEYS = {"name": str, "description": str, "url": str}


def load_config(
    path: Path, content_dir: Path | None = None, output_dir: Path | None = None
) -> Config:
    """Read and validate config.yaml; paths default to content/, output/ and templates/ beside it."""
    path = path.resolve()
    root = path.parent
    where = _display(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ContentError(where, None, "no such config file")], usage=True) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ContentError(where, None, f"cannot read: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=YAML_LOADER)
        data = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ContentError(where, line, f"invalid YAML: {problem}")]) from None
    except (ValueError, TypeError, RecursionError) as exc:  # a YAML constructor's own refusal
        raise ConfigError([ContentError(where, None, f"invalid YAML: {exc}")]) from None
    data = data if data is not None else {}
    lines = _key_lines(node)
    errors: list[ContentError] = []

    def err(keys: tuple[str, ...], message: str) -> None:
        errors.append(ContentError(where, lines.get(keys, 1), message))

    if not isinstance(data, dict):
        raise ConfigError([ContentError(where, 1, "must be a mapping of keys to values")])
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            err((str(key),), f"unknown key {key!r} (known keys: {known})")
            continue
        kind, _ = KEYS[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            err((key,), f"{key}: expected {_type_name(kind)}, got {_type_name(type(value))}")
            continue
        values[key] = value

    if "base_url" in values:
        problem = _check_base_url(values["base_url"])
        if problem:
            err(("base_url",), f"base_url: {problem}")
        values["base_url"] = _with_slash(values["base_url"])
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            err(("timezone",), f"timezone: unknown time zone {values['timezone']!r}")
    if "per_page" in values and values["per_page"] < 1:
        err(("per_page",), "per_page: must be at least 1")
    if "max_file_size" in values:
        size = parse_size(values["max_file_size"])
        if size is None:
            err(("max_file_size",), "max_file_size: expected a size such as 10 MB or 500 kB, "
                                    f"got {values['max_file_size']!r}")
            del values["max_file_size"]
        else:
            values["max_file_size"] = size
    if "default_category" in values:
        values["default_category"] = slugify(values["default_category"]) or "general"

    permalinks = values.pop("permalinks", {})
    for key, pattern in permalinks.items():
        if key != "article":
            err(("permalinks", str(key)), f"permalinks: unknown page kind {key!r} (known: article)")
            continue
        problem = _check_permalink(pattern)
        if problem:
            err(("permalinks", key), f"permalinks.article: {problem}")
        else:
            values["article_permalink"] = pattern

    categories: dict[str, CategoryConfig] = {}
    for cat_id, spec in values.pop("categories", {}).items():
        keys = ("categories", str(cat_id))
        if isinstance(spec, str):
            spec = {"name": spec}
        if not isinstance(spec, dict):
            err(keys, f"categories.{cat_id}: expected a mapping with name, description, url")
            continue
        bad = False
        for sub, value in spec.items():
            if sub not in CATEGORY_KEYS:
                err(keys + (str(sub),), f"categories.{cat_id}: unknown key {sub!r}")
                bad = True
            elif not isinstance(value, CATEGORY_KEYS[sub]):
                err(keys + (sub,), f"categories.{cat_id}.{sub}: expected text")
                bad = True
        if not bad:
            categories[slugify(str(cat_id))] = CategoryConfig(
                name=spec.get("name", str(cat_id)),
                description=spec.get("description", ""),
                url=spec.get("url"),
            )

    for key, value in values.pop("markdown", {}).items():
        if key != "engine":
            err(("markdown", str(key)), f"markdown: unknown key {key!r} (known keys: engine)")
        elif value not in ENGINES:
            err(("markdown", key), f"markdown.engine: expected one of {', '.join(ENGINES)}, "
                                   f"got {value!r}")
        elif not engine_available(value):
            err(("markdown", key), "markdown.engine: commonmark needs cmarkgfm: "
                                   "pip install 'digest[fast]'")
        else:
            values["markdown_engine"] = value

    feeds, feed_errors = feeds_config_from_mapping(values.pop("feeds", None))
    related, related_errors = related_config_from_mapping(values.pop("related", None))
    fetch, fetch_errors = fetch_config_from_mapping(values.pop("fetch", None))
    for keys, message in feed_errors + related_errors + fetch_errors:
        err(keys, message)

    if errors:
        raise ConfigError(errors)
    return Config(
        root=root,
        content_dir=(content_dir or root / "content").resolve(),
        output_dir=(output_dir or root / "output").resolve(),
        templates_dir=(root / "templates").resolve(),
        categories=categories,
        feeds=feeds,
        related=related,
        fetch=fetch,
        **values,
    )


def parse_size(value: int | str) -> int | None:
    """Bytes from 1048576, "1 MB", "500kB" (binary units, as file managers count); None if not."""
    if isinstance(value, int):
        return value if value > 0 else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", value)
    if not match or match[2].lower() not in _SIZE_UNITS:
        return None
    size = int(float(match[1]) * _SIZE_UNITS[match[2].lower()])
    return size if size > 0 else None


def _key_lines(node: yaml.Node | None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Line (1-based) of every mapping key, by its path of keys; a list item's path ends in its
    index ("0", "1", ...), so that an error in `fetch.sources` can name the entry's line."""
    lines: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = prefix + (str(key_node.value),)
            lines[path] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[prefix + (str(index),)] = item.start_mark.line + 1
            lines.update(_key_lines(item, prefix + (str(index),)))
    return lines


def _check_base_url(url: str) -> str | None:
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", url):
        return f"must be an absolute http(s) URL such as https://example.org/, got {url!r}"
    return None


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def _check_permalink(pattern: str) -> str | None:
    if not pattern.startswith("/") or not pattern.endswith("/"):
        return f"must start and end with '/', got {pattern!r}"
    names = re.findall(r"\{([^}]*)\}", pattern)
    unknown = [n for n in names if n not in PERMALINK_FIELDS]
    if unknown:
        return f"unknown field {{{unknown[0]}}} (known: {', '.join(PERMALINK_FIELDS)})"
    if "slug" not in names and "id" not in names:
        return "must contain {slug} or {id}, or every article would get the same URL"
    return None


def _type_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", dict: "a mapping", list: "a list",
             bool: "true/false", float: "a number", type(None): "nothing"}
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return names.get(kind, kind.__name__)


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
