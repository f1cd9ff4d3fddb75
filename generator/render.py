"""The Jinja2 environment (autoescape on) and rendering planned pages to bytes."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import jinja2

from .config import Config
from .errors import BuildFailed, ContentError
from .model import Page
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
    )
    env.filters.update(long_date=long_date, short_date=short_date, clock=clock,
                       iso=iso_date, thousands=thousands, slugify=slugify)
    return env


def render_all(pages: list[Page], cfg: Config, site: Site, urls: Urls) -> dict[str, bytes]:
    """Every page rendered, by output path; template errors are collected and raised together."""
    env = make_environment(cfg.templates_dir)
    env.globals.update(
        url=urls,
        site=SiteInfo(cfg.title, cfg.description, cfg.language, cfg.base_url, cfg.timezone,
                      len(site.articles), cfg.search),
        categories=site.categories,
        category_of=site.category,
    )
    files: dict[str, bytes] = {}
    errors: dict[tuple[str, int | None, str], ContentError] = {}
    for page in pages:
        try:
            template = env.get_template(page.template)
            html = template.render(page.context, page=page, canonical=urls.absolute(page.url))
        except jinja2.TemplateSyntaxError as exc:
            error = ContentError(_template_path(cfg, exc.name or page.template), exc.lineno,
                                 f"template syntax: {exc.message}")
            errors.setdefault((error.path, error.line, error.message), error)
            continue
        except jinja2.TemplateNotFound as exc:
            error = ContentError(_template_path(cfg, page.template), None,
                                 f"template not found: {exc.name}")
            errors.setdefault((error.path, error.line, error.message), error)
            continue
        except Exception as exc:  # a template's own logic failed: report where, keep going
            path, line = _template_frame(exc, cfg)
            error = ContentError(path, line, f"while rendering {page.url}: "
                                             f"{type(exc).__name__}: {exc}")
            errors.setdefault((path, line, str(exc)), error)
            continue
        files[urls.output_path(page.url)] = html.encode("utf-8")
    if errors:
        raise BuildFailed(list(errors.values()))
    return files


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
