"""generator/memory.py: free heap pages go back to the system between stages."""

from __future__ import annotations

import ctypes
import gc
import sys

import pytest
from conftest import copy_site

from generator.builder import Builder
from generator.config import load_config
from generator.errors import BuildFailed
from generator.memory import collector_paused, give_back


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


_MAPPED_APART = """
import ctypes
from generator.memory import give_back, settle_large_blocks
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks",
                "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
libc.mallinfo2.restype = Info
def mapped(size):
    before = libc.mallinfo2().hblkhd  # bytes in blocks mapped apart
    block = libc.malloc(size)
    now = libc.mallinfo2().hblkhd
    libc.free(block)
    return now - before >= size
# Where freeing the scoring's blocks leaves glibc's threshold, set here outright: freeing one
# raises it only if it was mapped, which depends on what the heap had free at the time.
libc.mallopt(-3, 32 << 20)
print(mapped(1 << 20), end=" ")
settle_large_blocks()
give_back()  # as the build does next: else the heap's free top serves the next block
print(mapped(1 << 20))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_large_blocks_are_mapped_apart_again_once_settled():
    """With glibc's threshold raised (as freeing a large mapped block raises it), a 1 MiB block
    comes from the heap, where kept ones fragment it. Settled, it is mapped apart (and returned
    whole when freed). In a process of its own: the setting lasts for the process."""
    import subprocess

    try:
        ctypes.CDLL("libc.so.6").mallinfo2
    except (OSError, AttributeError):
        pytest.skip("glibc 2.33 or later (mallinfo2)")
    out = subprocess.run([sys.executable, "-c", _MAPPED_APART], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "True"]


def test_the_cycle_collector_is_paused_through_an_update_and_as_it_was_after(
        tmp_path, monkeypatch):
    """A build's objects live until it ends: the collector would walk them again and again,
    finding next to nothing. It is on again after, even after a failed build."""
    assert gc.isenabled()
    seen = []
    real = Builder._update
    monkeypatch.setattr(Builder, "_update",
                        lambda self, clock: seen.append(gc.isenabled()) or real(self, clock))
    cfg = load_config(copy_site("basic", tmp_path) / "config.yaml")
    with Builder(cfg, jobs=1) as builder:
        builder.update()
        (tmp_path / "basic" / "content" / "broken.md").write_text("---\ntitle: [\n---\n")
        with pytest.raises(BuildFailed):
            builder.update()
    assert seen == [False, False] and gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()
