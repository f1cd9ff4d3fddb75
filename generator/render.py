"""The Jinja2 environment (autoescape on) and rendering planned pages to bytes."""

from __future__ import annotations

import hashlib
import traceback
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

import jinja2

from .cache import Cache, fingerprint
from .config import Config
from .errors import BuildFailed, ContentError
from .executors import StageExecutor
from .metadata import news_article_json_ld
from .model import Page
from .output import Staging
from .site import Site
from .text import slugify
from .urls import Urls

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every page may show about the site as a whole."""

    title: str
    description: str
    language: str
    base_url: str
    timezone: str
    article_count: int
    search: bool


# Dates are formatted here rather than with strftime so that output never depends on the locale.
def long_date(value: date | datetime) -> str:
    return f"{DAY_NAMES[value.weekday()]} {value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


def short_date(value: date | datetime) -> str:
    return f"{value.day} {MONTH_NAMES[value.month - 1][:3]} {value.year}"


def clock(value: datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def iso_date(value: date | datetime) -> str:
    return value.isoformat()


def thousands(value: int) -> str:
    return f"{value:,}"


def make_environment(templates_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # a build reads each template once; no stat per include
    )
    env.filters.update(long_date=long_date, short_date=short_date, clock=clock,
                       iso=iso_date, thousands=thousands, slugify=slugify)
    return env


@dataclass(frozen=True, slots=True)
class RenderReport:
    rendered: int  # pages whose fingerprint changed (or whose file was missing)
    staged: int  # of those, pages whose bytes differed from output/
    kept: int  # pages left as they are: same fingerprint, file present


@dataclass(frozen=True, slots=True)
class _Job:
    """What a render worker needs. Workers are forked after it is set, so it is never sent."""

    pages: list[Page]
    cfg: Config
    globals: dict[str, Any]
    staging: Staging


_job: _Job | None = None
_env: tuple[int, jinja2.Environment] | None = None


def templates_key(templates_dir: Path) -> str:
    """A hash of every template's name and source (the theme's static files aside)."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(templates_dir.rglob("*")):
        relative = path.relative_to(templates_dir)
        if path.is_file() and relative.parts[0] != "static":
            digest.update(relative.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def render_all(pages: list[Page], cfg: Config, site: Site, urls: Urls, cache: Cache,
               staging: Staging, executor: StageExecutor | None = None) -> RenderReport:
    """Render every page whose fingerprint changed and stage the ones whose bytes changed.

    A page's fingerprint covers the template sources, the values every page sees and its own
    context, so an unchanged fingerprint means unchanged bytes. Template errors are collected
    from every page and raised together.
    """
    global _job
    site_globals = {
        "url": urls,
        "site": SiteInfo(cfg.title, cfg.description, cfg.language, cfg.base_url, cfg.timezone,
                         len(site.articles), cfg.search),
        "categories": site.categories,
    }
    common = fingerprint(templates_key(cfg.templates_dir), site_globals, cfg)
    todo: list[int] = []
    prints: dict[str, str] = {}
    for index, page in enumerate(pages):
        path = urls.output_path(page.url)
        prints[path] = fingerprint(common, page.url, page.template, page.context)
        cached = cache.pages.get(path)
        if cached is None or cached[0] != prints[path] or not _has_size(staging, path, cached[1]):
            todo.append(index)
    # Functions of values already in the fingerprint (the site, the config, the page's own
    # article): they add nothing to it, and are only called for pages that are rendered.
    site_globals["category_of"] = site.category
    site_globals["news_article_json_ld"] = partial(news_article_json_ld, urls=urls,
                                                   site_title=cfg.title, base_url=cfg.base_url)
    _job = _Job(pages, cfg, site_globals, staging)
    chunks = executor.chunks(todo, RENDER_CHUNK) if executor else [todo]
    results = executor.map(_render_chunk, chunks) if executor else map(_render_chunk, chunks)
    errors: dict[tuple[str, int | None], ContentError] = {}
    staged = 0
    done: dict[str, tuple[str, int, str]] = {}
    for rendered, chunk_errors in results:
        for index, changed, size, digest in rendered:
            path = urls.output_path(pages[index].url)
            done[path] = (prints[path], size, digest)
            staged += changed
        for error in chunk_errors:
            errors.setdefault((error.path, error.line), error)
    _job = None
    if errors:
        raise BuildFailed(list(errors.values()))
    if done or cache.pages.keys() != prints.keys():
        cache.pages = {path: done.get(path) or cache.pages[path] for path in prints}
        cache.dirty = True
    return RenderReport(len(todo), staged, len(pages) - len(todo))


RENDER_CHUNK = 128


def content_digest(data: bytes) -> str:
    """A hash of a page's bytes alone: unlike its fingerprint, it does not change with the
    folder the site is built in, so what is keyed on it can be written into the output."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _has_size(staging: Staging, path: str, size: int) -> bool:
    try:
        return (staging.root / path).stat().st_size == size
    except OSError:
        return False


def _render_chunk(indices: list[int]
                  ) -> tuple[list[tuple[int, bool, int, str]], list[ContentError]]:
    """Render some pages of the job and stage the changed ones; runs in a worker or in-process."""
    global _env
    job = _job
    if job is None:
        raise RuntimeError("render workers must be forked after the job is set "
                           "(see README: other executors)")
    if _env is None or _env[0] != id(job):
        env = make_environment(job.cfg.templates_dir)
        env.globals.update(job.globals)
        _env = (id(job), env)
    env = _env[1]
    urls: Urls = job.globals["url"]
    done: list[tuple[int, bool, int, str]] = []
    errors: list[ContentError] = []
    for index in indices:
        page = job.pages[index]
        try:
            template = env.get_template(page.template)
            html = template.render(page.context, page=page, canonical=urls.absolute(page.url))
        except jinja2.TemplateSyntaxError as exc:
            errors.append(ContentError(_template_path(job.cfg, exc.name or page.template),
                                       exc.lineno, f"template syntax: {exc.message}"))
            continue
        except jinja2.TemplateNotFound as exc:
            errors.append(ContentError(_template_path(job.cfg, page.template), None,
                                       f"template not found: {exc.name}"))
            continue
        except Exception as exc:  # a template's own logic failed: report where, keep going
            path, line = _template_frame(exc, job.cfg)
            errors.append(ContentError(path, line, f"while rendering {page.url}: "
                                                   f"{type(exc).__name__}: {exc}"))
            continue
        data = html.encode("utf-8", "replace")  # a lone surrogate never stops a build
        path = urls.output_path(page.url)
        try:
            done.append((index, job.staging.put(path, data), len(data), content_digest(data)))
        except OSError as exc:
            errors.append(ContentError(path, None, f"cannot write: {exc.strerror or exc}"))
        except BuildFailed as exc:
            errors.extend(exc.errors)
    return done, errors


def _template_path(cfg: Config, name: str) -> str:
    path = cfg.templates_dir / name
    try:
        return path.relative_to(cfg.root).as_posix()
    except ValueError:
        return path.as_posix()


def _template_frame(exc: BaseException, cfg: Config) -> tuple[str, int | None]:
    """The innermost template line in the traceback (Jinja maps its frames to template lines)."""
    templates = str(cfg.templates_dir)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.startswith(templates):
            return _template_path(cfg, Path(frame.filename).relative_to(templates).as_posix()), \
                frame.lineno
    return _template_path(cfg, "."), None
