"""engine.memory: while an evaluation runs, a freed large array's memory serves the next one."""

from __future__ import annotations

import resource

import numpy as np
import pytest

from zhixin.engine import memory

pytestmark = pytest.mark.skipif(not memory.available(), reason="glibc's mallopt only")

MIB_64 = 64 << 20  # above glibc's largest adaptive mmap threshold (32 MiB)


def _faults_of_a_large_array() -> int:
    """Minor page faults taken to allocate and fill 64 MiB (then freed)."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.ones(MIB_64 // 8, dtype=np.int64)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    del a
    return faults


def _hugepages() -> bool | None:
    previous = memory._set_numpy_hugepages(True)
    memory._set_numpy_hugepages(bool(previous))
    return previous


def test_freed_arrays_are_reused_only_while_held() -> None:
    outside = _hugepages()
    with memory.large_arrays():
        assert _hugepages() is False  # no huge pages asked for
        _faults_of_a_large_array()
        # the freed 64 MiB stayed in the heap: the next array faults nothing in
        assert _faults_of_a_large_array() < 64
        with memory.large_arrays():  # nested (another evaluation on another thread)
            assert _faults_of_a_large_array() < 64
        assert _faults_of_a_large_array() < 64  # still held by the outer one
    assert _hugepages() == outside
    # defaults again: every large array is a fresh mapping, faulted in anew
    _faults_of_a_large_array()
    assert _faults_of_a_large_array() >= 32  # 64 MiB in 2 MiB pages at the very least
