"""generator/memory.py: free heap pages go back to the system between stages."""

from __future__ import annotations

import ctypes
import sys

import pytest

from generator.memory import give_back


def resident_kib() -> int:
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_small_blocks_go_back_to_the_system():
    """What unpickling leaves: small blocks, most of them freed between some kept. The heap
    gives back only its free top by itself; the pages between kept blocks need a trim."""
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(1000) for _ in range(200_000)]  # 200 MB, under the mmap threshold
    for block in blocks:
        ctypes.memset(block, 1, 1000)
    kept = blocks[::10]
    for i, block in enumerate(blocks):
        if i % 10:
            libc.free(block)
    held = resident_kib()
    give_back()
    assert resident_kib() < held - 50_000  # of the 180 MB freed
    for block in kept:
        libc.free(block)
