"""Where the maps of reading and rendering run: in this process, a pool of workers, or any
`concurrent.futures.Executor` a factory makes (a Dask cluster's, a thread pool)."""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import chain, islice
from typing import TypeVar

T = TypeVar("T")
ExecutorFactory = Callable[[int], Executor]
TASKS_PER_WORKER = 4  # enough tasks that a slow one does not leave the other workers idle
SMALLEST_TASK = 8  # items: below this, sending a task costs more than the work in it
IN_FLIGHT_PER_WORKER = 2  # tasks sent ahead of the results taken: one running, one waiting


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def process_pool(jobs: int) -> Executor:
    """A pool of worker processes, started by a fork server that has imported the stages'
    modules, so a worker starts in milliseconds and holds only what its tasks carry.

    Not forked from this process: a forked worker shares the parent's whole heap, and the
    garbage collector and reference counts soon touch it page by page, each touch a private
    copy; at 100,000 articles that made each of two workers 900 MB (PSS) beside a 1.1 GB
    parent. A fork of a process that runs threads (`watch`, `serve`) would also copy any lock
    another thread holds, locked."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.readers", "generator.render"])
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                               initializer=_end_with, initargs=(os.getpid(),))


def _end_with(coordinator: int) -> None:
    """Make this worker exit when the process that started its pool does. A Ctrl-C that
    lands while the pool starts a worker can leave one the pool never learns of, waiting for
    a task that never comes; it would outlive `digest serve`, and keep the fork server alive."""
    try:
        handle = os.pidfd_open(coordinator)
    except (AttributeError, OSError):  # no pidfd (not Linux 5.3+), or the coordinator is gone
        return

    def wait() -> None:
        select.select([handle], [], [])  # readable once the coordinator has exited
        os._exit(0)

    threading.Thread(target=wait, name="digest-end-with-coordinator", daemon=True).start()


class StageExecutor(Executor):
    """The executor of one stage, made on its first map of at least two tasks: forked workers
    then see the state the stage set up, and a stage with little to do pays no start-up."""

    def __init__(self, jobs: int, factory: ExecutorFactory | None) -> None:
        self.jobs, self._factory = jobs, factory
        self._real: Executor | None = None
        # Workers that may run on other machines: they share no files with this process.
        self.remote = bool(getattr(factory, "remote", False))

    @property
    def parallel(self) -> bool:
        return self.jobs > 1 or self._factory is not None

    @property
    def started(self) -> bool:
        """Its workers exist: a task sent now pays no start-up."""
        return self._real is not None

    @property
    def own_processes(self) -> bool:
        """Its workers are processes of Digest's own pool on this machine: they share files
        with this process, not memory (threads share memory; Dask's workers, nothing)."""
        return self._factory is None and self.parallel

    def chunks(self, items: Sequence[T], largest: int) -> list[Sequence[T]]:
        """The items in tasks: a few per worker, each between SMALLEST_TASK and `largest`."""
        size = largest
        if self.parallel:
            wanted = -(-len(items) // (self.jobs * TASKS_PER_WORKER))
            size = max(SMALLEST_TASK, min(largest, wanted))
        return [items[i:i + size] for i in range(0, len(items), size)]

    def imap(self, fn: Callable[[T], object], tasks: Iterable[T]) -> Iterator:
        """fn over the tasks, results in order, made lazily: at most IN_FLIGHT_PER_WORKER
        tasks per worker are sent ahead of the results taken. So a task's inputs are made only
        when it is about to run, and only that many are in memory at once, here or on a
        cluster (`Executor.map` sends every task at once: at 100,000 articles a Dask client
        serialized every page's inputs up front). One task, or no parallelism: in process."""
        tasks = iter(tasks)
        head = list(islice(tasks, 2))
        if self._real is None and (len(head) < 2 or not self.parallel):
            yield from map(fn, chain(head, tasks))
            return
        window = IN_FLIGHT_PER_WORKER * max(1, self.jobs)
        pending: deque = deque()
        try:
            for task in chain(head, tasks):
                pending.append(self.submit(fn, task))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:  # the caller stopped early: nothing more is wanted
                future.cancel()

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[override]
        if self._real is None:
            self._real = (self._factory or process_pool)(self.jobs)
        return self._real.submit(fn, *args, **kwargs)

    def abandon(self) -> None:
        """Stop a local pool's workers now, mid-task: the build was interrupted (Ctrl-C,
        SIGTERM) and their work is not wanted. Waiting instead can hang for good: an interrupt
        that lands while the pool is starting its workers leaves one waiting for a task that
        its shutdown never sends (seen in `serve`'s stop test)."""
        processes = list((getattr(self._real, "_processes", None) or {}).values())
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._real is None:
            return
        if self.remote:  # Dask's executor knows no cancel_futures; it cancels on shutdown
            self._real.shutdown(wait=wait)
        else:
            self._real.shutdown(wait=wait, cancel_futures=cancel_futures)


@contextmanager
def stage_executor(jobs: int, factory: ExecutorFactory | None) -> Iterator[StageExecutor]:
    executor = StageExecutor(jobs, factory)
    try:
        yield executor
    except (KeyboardInterrupt, SystemExit):  # stopped: the workers' work is not wanted
        executor.abandon()
        _wait_for(executor)
        raise
    except BaseException:
        _wait_for(executor)
        raise
    _wait_for(executor)


def _wait_for(executor: StageExecutor) -> None:
    try:
        executor.shutdown(wait=True, cancel_futures=True)
    except (KeyboardInterrupt, SystemExit):  # stopped while waiting for the workers to end
        executor.abandon()
        raise


def executor_factory(spec: str, jobs: int) -> tuple[ExecutorFactory | None, Callable[[], None]]:
    """The factory `--executor SPEC` names, and what to call when the build is over.

    `process` (the default) is a local pool; `thread` a thread pool; `dask` a local Dask
    cluster of `jobs` worker processes; `dask://HOST:PORT` (or `tcp://HOST:PORT`) the Dask
    scheduler there. Dask is the optional extra `digest[dask]`."""
    if spec == "process":
        return None, lambda: None
    if spec == "thread":
        return ThreadPoolExecutor, lambda: None
    if spec == "dask" or spec.startswith(("dask://", "tcp://")):
        return _dask(spec, jobs)
    raise ValueError(f"unknown executor {spec!r} (process, thread, dask or dask://HOST:PORT)")


def _dask(spec: str, jobs: int) -> tuple[ExecutorFactory, Callable[[], None]]:
    try:
        import distributed
    except ImportError:
        raise ValueError("the dask executor needs Dask: pip install 'digest[dask]'") from None
    if spec == "dask":
        cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)
    else:
        cluster = None
        client = distributed.Client(spec.replace("dask://", "tcp://", 1), timeout=30)

    # Render tasks carry their pages' inputs by design (a few kB a page); Dask's advice to load
    # data on the workers instead does not apply, and would be printed into the build's output.
    warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)

    def factory(workers: int) -> Executor:
        # Not `pure`: Dask would hash every task's arguments to find repeats, and there are none.
        return client.get_executor(pure=False)

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    factory.remote = True  # type: ignore[attr-defined]
    return factory, close
