"""Memory settings for the engine's large numpy arrays, held while an evaluation runs.

The fold's arrays reach tens of MiB each (5M rule matches × 8 bytes), above glibc's largest
threshold for serving an allocation from the heap (32 MiB): each would be a fresh ``mmap``,
faulted in page by page and unmapped when freed, with numpy asking for transparent huge pages —
on a small VM the kernel's faulting costs more than numpy's work. With :func:`large_arrays` held,
allocations of any size come from the heap, a freed array's pages are kept for the next one, and
numpy asks for no huge pages (the figures: docs/performance.md). On leaving, glibc's initial
thresholds are put back (fixed from then on: its adaptive threshold cannot be switched back on)
and the freed heap is handed back to the system (``malloc_trim``), so a long-lived process (the
web server runs evaluations too) does not keep an evaluation's peak.

Written by hand: neither numpy nor the standard library exposes ``mallopt``; glibc's is called
through :mod:`ctypes`. Elsewhere (musl, macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# glibc's <malloc.h>
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
GLIBC_DEFAULT_THRESHOLD = 128 * 1024  # both thresholds' defaults
HEAP_UP_TO = 1 << 30  # allocations up to 1 GiB from the heap (glibc's limit is 32 MiB by default)
KEEP_FREED = (1 << 31) - 1  # never trim the heap while held

_lock = threading.Lock()
_depth = 0
_hugepages_before: bool | None = None


def _glibc() -> Any | None:
    try:
        lib = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    if not (hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim")):
        return None
    return lib


_LIBC = _glibc()


def _set_numpy_hugepages(enabled: bool) -> bool | None:
    """numpy's madvise(MADV_HUGEPAGE) for new arrays on or off; the previous setting (None where
    this numpy has no such switch)."""
    try:
        from numpy._core import multiarray
    except ImportError:  # pragma: no cover - numpy 1.x
        return None
    switch = getattr(multiarray, "_set_madvise_hugepage", None)
    return None if switch is None else bool(switch(enabled))


def available() -> bool:
    """Whether the heap settings apply here (glibc)."""
    return _LIBC is not None


def _enter() -> None:
    global _hugepages_before
    _hugepages_before = _set_numpy_hugepages(False)
    if _LIBC is not None:
        _LIBC.mallopt(M_MMAP_THRESHOLD, HEAP_UP_TO)
        _LIBC.mallopt(M_TRIM_THRESHOLD, KEEP_FREED)


def _leave() -> None:
    if _LIBC is not None:
        _LIBC.mallopt(M_MMAP_THRESHOLD, GLIBC_DEFAULT_THRESHOLD)
        _LIBC.mallopt(M_TRIM_THRESHOLD, GLIBC_DEFAULT_THRESHOLD)
        _LIBC.malloc_trim(0)
    if _hugepages_before is not None:
        _set_numpy_hugepages(_hugepages_before)


@contextmanager
def large_arrays() -> Iterator[None]:
    """Hold the settings above for the duration (nestable, and shared by concurrent threads: the
    last to leave restores the defaults)."""
    global _depth
    with _lock:
        if _depth == 0:
            _enter()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _leave()
