"""The Jinja2 environment (autoescape on) and rendering planned pages to bytes."""

from __future__ import annotations

import gc
import hashlib
import traceback
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from types import BuiltinMethodType, FunctionType, MethodType

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.utils import internalcode
from markupsafe import Markup

from . import __version__
from .config import Config
from .dates import MONTH_NAMES
from .errors import BuildFailed, ContentError
from .fingerprints import fingerprint
from .metadata import news_article_json_ld
from .model import Category, Page, quick_pickle
from .output import Staging
from .paths import shown_path
from .render_tasks import CardTable, Latest, unpack
from .site import Site
from .text import opening_text, slugify
from .theme import FALLBACKS, read_templates, template_origin, theme_folders
from .urls import Urls

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class SiteInfo:
    """What every page may show about the site as a whole."""

    title: str
    description: str
    language: str
    base_url: str
    timezone: str
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


def cards(articles) -> tuple[str, ...]:  # noqa: ANN001 (any iterable of articles)
    """What a list shows of these articles, for a `{% cache %}` key: their cards' hashes. One
    call, where `map(attribute="card") | join` made two filter calls and a generator for
    every entry of every list, a tenth of a list page's rendering."""
    return tuple(article.card for article in articles)


def make_environment(templates: dict[str, str], compiled: str | None = None
                     ) -> jinja2.Environment:
    """The environment of these templates; with `compiled`, a folder where each template's
    compiled code is kept for the next process that needs it."""
    env = _Environment(
        # The templates travel with the job, so a worker anywhere renders what the
        # coordinator read, and each worker compiles them once.
        loader=_Sources(templates),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        extensions=[FragmentCache],
    )
    env.context_class = _Context
    env.template_class = _Template
    env.extend(plain_methods={})
    env.filters.update(long_date=long_date, short_date=short_date, clock=clock,
                       iso=iso_date, thousands=thousands, slugify=slugify, cards=cards,
                       opening_text=opening_text)
    if compiled is not None and _COMPILING is not None:
        env.bytecode_cache = _Compiled(compiled, env)
    return env


class _Environment(jinja2.Environment):
    """Jinja's environment, with each template's globals a dict rather than a ChainMap over
    the environment's. Every render and every include copies them into a new context, and a
    ChainMap is copied key by key in Python: 6 % of a page's rendering. The environment's
    globals are set before its first template loads (`_environment`), and never after."""

    def make_globals(self, d):  # noqa: ANN001 (Jinja's signature)
        return {**self.globals, **(d or {})}


class _Compiled(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept in the build cache's folder. Compiling the theme took 50 ms of
    each process that renders: of an edit's whole rebuild, and of every render worker.

    Jinja finds a template's code by its name and checks it against a hash of its source and
    its own format's and Python's versions, not against what else shapes the code: Jinja's
    version, Digest's, the environment's options, which filters take the context, and this
    module (the cache tag). Those are part of the name here. A folder that cannot be written,
    or a file that cannot be read back, means compiling, never a failed build."""

    def __init__(self, directory: str, env: jinja2.Environment) -> None:
        super().__init__(directory, "template-%s.jinja")
        # Whether a filter takes the context is compiled in, wherever the filter is defined.
        passed = sorted((name, str(getattr(f, "jinja_pass_arg", ""))) for name, f in
                        env.filters.items())
        self.shape = repr((jinja2.__version__, __version__, _COMPILING, passed,
                           env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
                           env.newline_sequence, sorted(env.extensions),
                           env.block_start_string, env.variable_start_string,
                           env.comment_start_string))

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        return super().get_cache_key(f"{name}\0{self.shape}", filename)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged file (a killed write, a full disk)
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _compiling() -> str | None:
    """This module's own code, for the name of compiled templates: what it changes in the
    environment (the cache tag, the filters) changes what templates compile to. None where it
    is not a file to read (a zipped install): every process then compiles."""
    try:
        return hashlib.blake2b(Path(__file__).read_bytes(), digest_size=8).hexdigest()
    except OSError:
        return None


_COMPILING = _compiling()


class _Context(jinja2.runtime.Context):
    """Jinja's context, with a shorter path for calling a method (`url.article(a)`, a page's
    most frequent call, twenty to forty a page) or a C function (`category_of`). Jinja asks
    every callable, twice, whether it wants the context passed, and for these each question is
    an attribute lookup that fails. A method's answer is its function's, which never changes:
    asked once per function, kept in the environment (a Python function lives as long as its
    code). A C function has no attributes to answer with."""

    @internalcode  # as Jinja's own: left out of the tracebacks a template error shows
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        kind = type(__obj)
        if kind is MethodType and type(__obj.__func__) is FunctionType:
            plain = __self.environment.plain_methods.get(__obj.__func__)
            if plain is None:
                plain = not hasattr(__obj.__func__, "jinja_pass_arg")
                __self.environment.plain_methods[__obj.__func__] = plain
            if not plain:
                return super().call(__obj, *args, **kwargs)
        elif kind is not BuiltinMethodType:  # a C function can carry no attribute at all
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:  # as Jinja's own call: a StopIteration must not end a loop
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception")


# markupsafe 3 wraps its C escaping in Python, and builds each result through Markup's
# constructor, which asks every str for an `__html__` it never has: an eighth of a page's
# rendering. The same C function and the same Markup, without the question. (markupsafe 2's
# `escape` is the C function itself, and is kept.)
_escape_inner = getattr(markupsafe, "_escape_inner", None)
_new_str = str.__new__
if _escape_inner is not None and _escape_inner("<&>\"'") != str(markupsafe.escape("<&>\"'")):
    _escape_inner = None  # a later markupsafe whose private function means something else


def _escape(value: object) -> Markup:
    if type(value) is str:
        return _new_str(Markup, _escape_inner(value))
    return markupsafe.escape(value)


class _Template(jinja2.Template):
    """A template whose compiled code escapes with `_escape`."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):  # noqa: A002 (Jinja's name)
        template = super().from_code(environment, code, globals, uptodate)
        if _escape_inner is not None:
            # Its functions (root, blocks, macros) look `escape` up in this module at each call.
            template.root_render_func.__globals__["escape"] = _escape
        return template


class FragmentCache(Extension):
    """`{% cache key, ... %}...{% endcache %}`: the block's output is made once per key and
    reused, as Hugo's partialCached. The keys must name everything the block shows besides the
    environment's globals (which are fixed for a job): the lists give an entry the article's
    id and card, so an article listed on seven pages is rendered once per worker, not seven
    times. Each worker keeps the CACHED fragments it used last."""

    tags = {"cache"}
    CACHED = 16_384

    def __init__(self, environment: jinja2.Environment) -> None:
        super().__init__(environment)
        environment.extend(fragments=Latest(self.CACHED))
        self.tags_seen: dict[str | None, int] = {}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        # Which tag, in the key: two tags given the same values are two fragments. Named by
        # its template and its place there, never by the order this environment happened to
        # compile templates in: a template compiled by another process (`_Compiled`) keeps the
        # numbers it was given there.
        place = self.tags_seen[parser.name] = self.tags_seen.get(parser.name, 0) + 1
        key = [nodes.Const((parser.name, place)), parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            key.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_cached", [nodes.Tuple(key, "load")]),
                               [], [], body).set_lineno(lineno)

    def _cached(self, key: tuple, caller) -> str:
        fragments = self.environment.fragments
        made = fragments.get(key)
        if made is None:
            made = fragments.put(key, caller())
        return made


class _Sources(jinja2.BaseLoader):
    """Templates from memory, each named by its path so that errors can point at its lines."""

    def __init__(self, templates: dict[str, str]) -> None:
        self.templates = templates

    def get_source(self, environment: jinja2.Environment, name: str):  # type: ignore[override]
        if name not in self.templates:
            raise jinja2.TemplateNotFound(name)
        return self.templates[name], name, lambda: True

    def list_templates(self) -> list[str]:
        return sorted(self.templates)


@dataclass(frozen=True, slots=True)
class RenderJob:
    """Everything a render task needs besides its pages: small, and sent with every task, so a
    task runs in any process, forked, spawned, or on another machine."""

    templates: dict[str, str] = field(hash=False)
    templates_key: str
    site: SiteInfo
    categories: tuple[Category, ...]
    urls: Urls
    origins: dict[str, str] = field(hash=False)  # template name -> how errors name its file
    # Where compiled templates are kept (render._Compiled): the build cache's folder, for the
    # processes of this machine; None elsewhere.
    compiled: str | None = field(default=None, compare=False)

    @classmethod
    def of(cls, cfg: Config, site: Site, urls: Urls) -> RenderJob:
        folders = theme_folders(cfg)
        templates = read_templates(folders)
        key = fingerprint(sorted(templates.items()))
        info = SiteInfo(cfg.title, cfg.description, cfg.language, cfg.base_url, cfg.timezone,
                        cfg.search)
        origins = {name: shown_path(template_origin(folders, name), cfg.root)
                   for name in templates}
        return cls(templates, key, info, site.categories, urls, origins)

    @property
    def key(self) -> str:
        """Everything every page sees: when it changes, every page renders again."""
        return self.templates_key + fingerprint(self.site, self.categories, self.urls)


@quick_pickle
@dataclass(frozen=True, slots=True)
class Rendered:
    """A page rendered: its output path, its size, a hash of its bytes, whether it was staged;
    and its bytes, compressed, when a remote worker rendered it."""

    path: str
    size: int
    hash: str
    staged: bool
    data: bytes = b""


_ENVIRONMENTS: dict[str, jinja2.Environment] = {}  # per process: templates compiled once per job


def _environment(job: RenderJob) -> jinja2.Environment:
    """This process's environment for the job, made (and its templates compiled) once per job
    key. Its globals are never changed afterwards: a macro imported from a partial keeps the
    globals it was first imported with."""
    env = _ENVIRONMENTS.get(job.key)
    if env is None:
        _ENVIRONMENTS.clear()  # another job's values: its environment is no longer wanted
        env = _ENVIRONMENTS[job.key] = make_environment(job.templates, job.compiled)
        index = {c.id: c for c in job.categories}
        env.globals.update(
            url=job.urls, site=job.site, categories=job.categories,
            category_of=index.__getitem__,
            news_article_json_ld=partial(news_article_json_ld, urls=job.urls,
                                         site_title=job.site.title, base_url=job.site.base_url))
    return env


def render_packed(data: bytes, job: RenderJob, staging: Staging, table: CardTable
                  ) -> tuple[list[Rendered], list[ContentError]]:
    """render_chunk of a task packed by render_tasks.pack."""
    return render_chunk(unpack(data, table), job, staging)


def render_chunk(pages: list[Page], job: RenderJob, staging: Staging | None
                 ) -> tuple[list[Rendered], list[ContentError]]:
    """Render some pages and stage the changed ones; runs in a worker or in-process. Without
    a staging folder, each page's bytes come back, compressed, for the caller to stage."""
    env = _environment(job)
    done: list[Rendered] = []
    errors: list[ContentError] = []
    templates: dict[str, jinja2.Template] = {}  # a chunk's pages use a few templates each
    for page in pages:
        html = _html(page, env, templates, job, errors)
        if html is None:
            # A failed render leaves its frames in a reference cycle that holds the page's
            # context, body and all. With the collector paused through a build
            # (memory.collector_paused), a template that fails on every page would keep every
            # page here: the youngest generation holds the cycle, so collecting it is cheap.
            if not gc.isenabled():
                gc.collect(0)
            continue
        data = html.encode("utf-8", "replace")  # a lone surrogate never stops a build
        path = job.urls.output_path(page.url)
        if staging is None:
            done.append(Rendered(path, len(data), content_hash(data), False, zlib.compress(data)))
            continue
        try:
            staged = staging.put(path, data)
        except OSError as exc:
            errors.append(ContentError(path, None, f"cannot write: {exc.strerror or exc}"))
            continue
        except BuildFailed as exc:
            errors.extend(exc.errors)
            continue
        done.append(Rendered(path, len(data), content_hash(data), staged))
    return done, errors


def _html(page: Page, env: jinja2.Environment, templates: dict[str, jinja2.Template],
          job: RenderJob, errors: list[ContentError]) -> str | None:
    """The page's HTML; None, with the reason in `errors`, where its template fails."""
    try:
        template = templates.get(page.template)
        if template is None:
            names = [page.template, FALLBACKS[page.template]] \
                if page.template in FALLBACKS else [page.template]
            template = templates[page.template] = env.select_template(names)
        return template.render(page.context, page=page, canonical=job.urls.absolute(page.url))
    except jinja2.TemplateSyntaxError as exc:
        errors.append(ContentError(_template_path(job, exc.name or page.template),
                                   exc.lineno, f"template syntax: {exc.message}"))
    except jinja2.TemplatesNotFound:  # the page's own template, and its fallback
        errors.append(ContentError(_template_path(job, page.template), None,
                                   f"template not found: {page.template}"))
    except jinja2.TemplateNotFound as exc:  # one it includes or extends
        errors.append(ContentError(_template_path(job, page.template), None,
                                   f"template not found: {exc.name}"))
    except Exception as exc:  # a template's own logic failed: report where, keep going
        path, line = _template_frame(exc, job)
        errors.append(ContentError(path, line, f"while rendering {page.url}: "
                                               f"{type(exc).__name__}: {exc}"))
    return None


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _template_path(job: RenderJob, name: str) -> str:
    return job.origins.get(name) or f"templates/{name}"


def _template_frame(exc: BaseException, job: RenderJob) -> tuple[str, int | None]:
    """The innermost template line in the traceback (Jinja maps its frames to template lines)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename in job.templates:  # _Sources names a template's frames by its name
            return _template_path(job, frame.filename), frame.lineno
    return "templates", None
