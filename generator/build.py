"""`build`: one Builder, opened on the cache, brought up to date, saved. The pipeline itself is
`Builder.update` (generator/builder.py); `digest related` reads the site through a Builder too."""

from __future__ import annotations

from .builder import Builder, BuildReport, Stopwatch
from .config import Config
from .errors import BuildFailed
from .executors import ExecutorFactory
from .progress import Progress
from .related import Related
from .site import Site

__all__ = ["BuildReport", "Builder", "Stopwatch", "build", "load_site"]


def build(cfg: Config, jobs: int = 1, executor_factory: ExecutorFactory | None = None,
          use_cache: bool = True, progress: Progress | None = None) -> BuildReport:
    with Builder(cfg, jobs, executor_factory, use_cache, progress, keep=False) as builder:
        return builder.update()


def load_site(cfg: Config) -> tuple[Site, Related]:
    """The site and its related reading with the reasons for each item (pages show none)."""
    with Builder(cfg) as builder:
        site, read = builder.load()
        if read.errors:
            raise BuildFailed(read.errors, tuple(read.warnings))
        return site, builder.related_with_reasons(site, read)
