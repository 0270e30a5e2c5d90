"""Freed frames go back to use, not into idle heaps (glibc's malloc; elsewhere nothing).

glibc gives every thread that allocates under contention a heap (an "arena") of its
own, up to eight per core, and a block freed in a heap is reused only by allocations
in that heap. The analysis makes frame-sized buffers in four threads (reader, two pose
threads, writer), so each heap kept freed frames of its own beside the ones in use: on
a 20 s 1920x1080 clip the peak was 497 MB with the default, 449 MB with one heap, at the
same CPU time (tools/bench/bench_memory.py's clips, measured with MALLOC_ARENA_MAX).
So the process uses one heap (`M_ARENA_MAX` 1).

Blocks above the mmap threshold get a mapping of their own, returned when freed; by
default the threshold grows to the largest block freed so far (up to 32 MB), which puts
the 26 MB of a decoded 4K picture into the heap too. It is fixed at
`LARGE_BUFFER_BYTES` (16 MB): above any frame of 1920 px, below a 4K picture. A lower
value (4 MB) cost about 17 ms of system time a 1080p frame in page faults.
"""

from __future__ import annotations

import ctypes
import sys

LARGE_BUFFER_BYTES = 16 * 1024 * 1024
HEAPS = 1
# glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

_done = False


def share_one_heap() -> bool:
    """Apply the settings above (once per process, best before threads start). True when
    glibc took them; False on other C libraries and platforms, where nothing changes."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = (mallopt(_M_ARENA_MAX, HEAPS) == 1) & (
        mallopt(_M_MMAP_THRESHOLD, LARGE_BUFFER_BYTES) == 1)
    return _done
