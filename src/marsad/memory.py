"""Process-wide allocator bounds, so that a process's memory follows the data it holds."""

from __future__ import annotations

import ctypes
import sys

#: glibc's ``mallopt`` parameter for the arena cap (``M_ARENA_MAX`` in malloc.h).
_M_ARENA_MAX = -8
#: malloc arenas allowed per process. glibc's default is eight per core, each reserving 64 MB of
#: address space and keeping what it freed; the threads that allocate here (rensa's Rust pool,
#: BLAS, the server's threads) gain nothing measurable from more. Measured on a 10 MB HTML page's
#: ingest: it needed ~100 MB less address space with 2 (passes under a 900 MB cap, not before).
MALLOC_ARENAS = 2


def bound_allocator() -> bool:
    """Cap glibc's malloc arenas for this process; return whether the cap applied (False off glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc only: musl has no mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, MALLOC_ARENAS))
