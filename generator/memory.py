"""Giving memory back to the system between stages.

Reading unpickles tens of thousands of results and the related index builds and drops large
temporaries; glibc keeps the freed pages in its heap, so at 25,000 articles a third of the main
process's resident memory after reading was free space no later stage reused. `malloc_trim`
returns it. Elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


def _libc():
    """The process's own symbols, libc's among them: `ctypes.util.find_library` would run
    `ldconfig` in a subprocess on every call, twice an update in `serve`."""
    return ctypes.CDLL(None) if sys.platform.startswith("linux") else None


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the duration, as it was after.

    A build loads its site from the store: millions of objects that live until it ends, and
    few cycles among them. Each time the objects grow by a quarter, the collector walks them
    all, and finds next to nothing: at 10,000 articles it was a quarter of an edit's rebuild
    (0.65 of 2.65 s) and 0.4 s of a cold one. All the cycles a cold build of 10,000 articles
    leaves are 6,000 objects (6 MiB): they wait for the collector, on again after the build."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def give_back() -> None:
    """Return the C heap's free pages to the system, where the C library can (glibc)."""
    try:
        trim = _libc().malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)


def settle_large_blocks() -> None:
    """Large blocks (128 KiB and more) mapped apart again, as glibc does at first.

    Freeing a large mapped block raises glibc's threshold for mapping to its size, so the
    scoring of related pairs, which frees blocks of megabytes, left it at megabytes: the build's
    later large blocks, many of them kept until the end (the related lists, the page plan's
    tables), then came from the heap between freed ones, and at 100,000 articles the heap held
    24 MiB more through rendering, the build's peak. Mapped apart, each is returned whole
    when freed. The setting lasts for the process, and during the scoring it cost a third more
    time (every block's arrays mapped and faulted in anew): so only a one-shot build, which
    scores no more pairs, makes it once related reading is done, not `watch` or `serve`."""
    try:
        _libc().mallopt(_M_MMAP_THRESHOLD, 128 * 1024)
    except (OSError, AttributeError):  # not glibc
        pass


_M_MMAP_THRESHOLD = -3  # glibc's malloc.h
