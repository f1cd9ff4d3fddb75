"""Giving memory back to the system between stages.

Reading unpickles tens of thousands of results and the related index builds and drops large
temporaries; glibc keeps the freed pages in its heap, so at 25,000 articles a third of the main
process's resident memory after reading was free space no later stage reused. `malloc_trim`
returns it. Elsewhere (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import sys


def give_back() -> None:
    """Return the C heap's free pages to the system, where the C library can (glibc)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        # The process's own symbols, libc's among them: `ctypes.util.find_library` would run
        # `ldconfig` in a subprocess on every call, twice an update in `serve`.
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return
    trim(0)
