"""The render stage's dispatch: pages sent in tasks to the workers, their results and errors
gathered, and the pages that need no related reading sent ahead.

A build renders the lists of sources, tags and dates while this process does related reading
(`Rendering.start`), which runs on one core only: the workers fill the others. Then the pages
that related reading shapes follow (`Rendering.finish`). Only this machine's own pool of
worker processes takes pages ahead, and only with the cards in a table (render_tasks): then
each task is small, and all can be made at once. Elsewhere the early pages render with the
rest, in plan order, as the pool is then made for them.

While related reading runs, one worker fewer than the pool has renders ahead (`_Ahead`): with
one task per core, related reading keeps its core. With every worker busy, three processes
shared two cores, related reading took twice as long, and the build gained nothing.
"""

from __future__ import annotations

import math
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from dataclasses import replace
from functools import partial
from itertools import chain
from pathlib import Path

from .errors import BuildFailed, ContentError
from .executors import StageExecutor
from .model import Article, Page
from .output import Staging
from .progress import Progress
from .related_index import stamp_of
from .render import Rendered, RenderJob, render_chunk, render_packed
from .render_tasks import CardTable, pack, places_of

RENDER_CHUNK = 128  # pages per task, at most
# Pages per task sent ahead, at most: each ahead task waits for the one before it to end, and
# for this process's thread to send it; with 128-page tasks the worker idled a sixth of the time.
EARLY_CHUNK = 4 * RENDER_CHUNK
# Pages sent ahead only when there are this many: a pool started for a handful of pages (an
# edit's tag and day lists) costs more than it saves.
EARLY_LEAST = 2 * RENDER_CHUNK
# ...and only for sites up to this many articles, or whose related reading reaches no further
# (`fits_ahead`). The worker that renders ahead is alive through related reading, whose peak
# grows with the pairs it scores: each article with the older ones within its horizon. At
# 100,000 articles, 300 a day (9,000 in a 30-day horizon: 860 million pairs), the tree's peak
# with lists ahead was 1,046 MiB while related reading held all its index and the lists
# (`related_lists.once` now lets the index go first), and is now 891 MiB there and 908 MiB at
# the end of rendering, as without lists ahead; after reading, the build took 90.9 s against
# 106.2 s with the lists after related reading. The limit leaves that site a sixth of room:
# past it, what grows is the pairs kept, 69 MiB of the coordinator there.
EARLY_MOST_ARTICLES = 50_000
EARLY_MOST_REACH = 1_000_000_000
# At most this many pages, with no pool started yet, render in this process. Starting the pool
# (the fork server's imports, each worker's templates) and writing the card table took an
# edit's 17 pages 0.42 s at 10,000 articles, here 0.08 s; a page takes under 1 ms, so the pool
# pays off only past several hundred pages.
IN_PROCESS_MOST = 2 * RENDER_CHUNK


def fits_ahead(cards: Sequence[Article], horizon_days: float) -> bool:
    """Whether lists may render while related reading runs, for its memory: up to
    EARLY_MOST_ARTICLES articles, or while the pairs of an article and an older one within its
    horizon (0 days: any) are at most EARLY_MOST_REACH. Counted, not estimated from the site's
    span: an archive's few old articles would make a dense recent year look sparse."""
    count = len(cards)
    if count <= EARLY_MOST_ARTICLES:
        return True
    if horizon_days <= 0:
        return count * (count - 1) // 2 <= EARLY_MOST_REACH
    import numpy as np  # as related reading's pairs do: only for a site this large

    days = np.sort(np.fromiter(map(stamp_of, cards), dtype=np.float64, count=count))
    # As related_pairs.pair_blocks reaches back: the first article inside each one's horizon.
    firsts = np.searchsorted(days, days - horizon_days, side="left")
    return int((np.arange(count) - firsts).sum()) <= EARLY_MOST_REACH


class Rendering:
    """One render stage: the card table it writes (once, removed when it ends), the tasks sent
    ahead and the pages still to send.

    `prepare` completes a chunk of pages just before it is sent (the builder gives article
    pages their bodies there), so only the chunks in flight hold what it adds. `order` is the
    sort key of the order pages are sent in (pages.newest_shown). `cards`, the
    site's articles without bodies, go to the pool's worker processes once, through a file in
    `scratch` (render_tasks), not in every task; threads and Dask's workers get whole tasks."""

    def __init__(self, job: RenderJob, staging: Staging, executor: StageExecutor | None = None,
                 progress: Progress | None = None,
                 prepare: Callable[[list[Page]], list[Page]] | None = None,
                 cards: Sequence[Article] = (), scratch: Path | None = None,
                 order: Callable[[Page], int] | None = None, horizon_days: float = 0.0
                 ) -> None:
        self.job, self.staging, self.executor, self.progress = job, staging, executor, progress
        self.prepare, self.order = prepare, order
        self.cards, self.scratch = cards, scratch
        # A worker on another machine cannot write into this one's staging folder: its pages
        # come back compressed, and are staged here.
        self.remote = executor is not None and executor.remote
        if scratch is not None and not self.remote:
            self.job = replace(job, compiled=str(scratch))
        self.table: CardTable | None = None
        self.places: dict[int, int] = {}
        self.ahead: _Ahead | None = None
        self.early_pages = 0
        self.later: list[Page] = []  # pages given to `start` that could not go ahead
        self.horizon_days = horizon_days
        self._fits_ahead: bool | None = None

    def __enter__(self) -> Rendering:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self.ahead is not None:  # after a failure, what has not started is not wanted
                self.ahead.stop()
        finally:  # even when a second Ctrl-C cuts the stop short: `serve` lives on
            if self.table is not None:
                self.table.remove()

    def can_go_ahead(self) -> bool:
        """Whether pages given to `start` may go ahead (if there are EARLY_LEAST of them)."""
        executor = self.executor
        if executor is None or not executor.own_processes or self.scratch is None \
                or not self.cards:
            return False
        if self._fits_ahead is None:  # counted once, and only where the rest allows it
            self._fits_ahead = fits_ahead(self.cards, self.horizon_days)
        return self._fits_ahead

    def will_send(self, count: int) -> bool:
        """Whether `start` would send this many pages ahead (if the card table can be had)."""
        return count >= EARLY_LEAST and self.can_go_ahead()

    def start(self, pages: list[Page]) -> None:
        """Send these pages to the workers now, to render while this process works on."""
        executor = self.executor
        if not self.will_send(len(pages)) or not self._table():
            self.later.extend(pages)
            return
        task = partial(render_packed, job=self.job, staging=self.staging, table=self.table)
        tasks = list(self._tasks(executor.chunks(self._ordered(pages), EARLY_CHUNK)))
        self.ahead = _Ahead(executor, task, tasks, max(1, executor.jobs - 1))
        self.early_pages = len(pages)
        self.ahead.start()  # once it is known here, where __exit__ stops it

    def finish(self, pages: list[Page]) -> list[Rendered]:
        """Render these pages and those `start` kept back, then gather everything. Template
        errors are collected from every page and raised together; where pages fail at the same
        line, the error named first by its message is the one reported, whatever order the
        pages were rendered in: the same error as a build without pages sent ahead, or with
        any number of workers."""
        pages = self._ordered(pages + self.later)
        executor = self.executor
        if executor is None or (self.ahead is None and not executor.started
                                and len(pages) <= IN_PROCESS_MOST):
            here = partial(render_chunk, job=self.job, staging=self.staging)
            return self._gathered(map(here, self._prepared([pages])), len(pages))
        chunks = executor.chunks(pages, RENDER_CHUNK)
        table = executor.own_processes and (len(chunks) > 1 or self.table is not None) \
            and self._table()
        if table:
            task = partial(render_packed, job=self.job, staging=self.staging, table=self.table)
        else:
            task = partial(render_chunk, job=self.job,
                           staging=None if self.remote else self.staging)
        tasks = self._tasks(chunks) if table else self._prepared(chunks)
        early = self.ahead.release() if self.ahead is not None else []
        return self._gathered(chain(executor.imap(task, tasks),
                                    (future.result() for future in early)),
                              len(pages) + self.early_pages, self.remote)

    def _ordered(self, pages: list[Page]) -> list[Page]:
        return sorted(pages, key=self.order) if self.order is not None else pages

    def _table(self) -> bool:
        """The card table, written on first need; False where there is none to be had."""
        if self.table is None and self.cards and self.scratch is not None:
            try:
                self.table = CardTable.write(self.cards, self.scratch)
            except OSError:  # no room for the table: the tasks carry their cards
                self.scratch = None
            else:
                self.places = places_of(self.cards)
        return self.table is not None

    def _prepared(self, chunks: Iterable[Sequence[Page]]) -> Iterable[list[Page]]:
        return (self.prepare(list(c)) if self.prepare else list(c) for c in chunks)

    def _tasks(self, chunks: Iterable[Sequence[Page]]) -> Iterable[bytes]:
        return (pack(pages, self.places) for pages in self._prepared(chunks))

    def _gathered(self, results, total: int, compressed: bool = False) -> list[Rendered]:
        """The rendered pages, staged here where they came back `compressed` (from workers
        on other machines), and every error."""
        errors: dict[tuple[str, int | None], ContentError] = {}
        done: list[Rendered] = []
        for rendered, chunk_errors in results:
            if compressed:
                rendered = [_stage(self.staging, page) for page in rendered]
            done.extend(rendered)
            if self.progress is not None:
                self.progress("render", len(done), total)
            for error in chunk_errors:
                kept = errors.setdefault((error.path, error.line), error)
                if error.message < kept.message:
                    errors[error.path, error.line] = error
        if errors:
            raise BuildFailed(list(errors.values()))
        return done


def _stage(staging: Staging, page: Rendered) -> Rendered:
    return Rendered(page.path, page.size, page.hash,
                    staging.put(page.path, zlib.decompress(page.data)))


class _Ahead:
    """Tasks sent ahead by a thread of their own, at most `width` running at once until
    `release`, which sends the rest at once. The thread only waits and sends: the tasks are
    made (packed) before it starts, in the coordinator's own thread, and each is let go once
    sent."""

    def __init__(self, executor: StageExecutor, task: Callable, tasks: list[bytes],
                 width: int) -> None:
        self.executor, self.task, self.width = executor, task, width
        self.tasks = deque(tasks)
        self.futures: list[Future] = []
        self.error: BaseException | None = None
        self.stopped = False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._send, name="digest-render-ahead",
                                       daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _send(self) -> None:
        try:
            while self.tasks:
                with self.changed:
                    self.changed.wait_for(lambda: self.stopped or sum(
                        not f.done() for f in self.futures) < self.width)
                    if self.stopped:
                        return
                    future = self.executor.submit(self.task, self.tasks.popleft())
                    self.futures.append(future)
                future.add_done_callback(self._done)
        except BaseException as exc:  # noqa: BLE001 - the pool broke: raised by release
            self.error = exc

    def _done(self, _: Future) -> None:
        with self.changed:
            self.changed.notify_all()

    def release(self) -> list[Future]:
        """Every task sent, no longer held back; their futures, in order."""
        with self.changed:
            self.width = math.inf
            self.changed.notify_all()
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.futures

    def stop(self) -> None:
        with self.changed:
            self.stopped = True
            self.changed.notify_all()
        if self.thread.is_alive():
            self.thread.join()
        for future in self.futures:
            future.cancel()
