"""Vectorised column helpers of the generator: hashing, fixed-width strings, decimals,
dates and weighted draws (numpy in, pyarrow out; no per-row Python)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.demo.layout import I64, Arr

# --------------------------------------------------------------------------- numeric helpers

_U64 = np.uint64


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64 finaliser (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + _U64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
        return z ^ (z >> _U64(31))


def _ascii_strings(matrix: npt.NDArray[np.uint8]) -> pa.Array:
    """Rows of a fixed-width ASCII byte matrix as a StringArray (no per-row Python)."""
    n, width = matrix.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(matrix)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))


_HEX_PAIRS = np.array(
    [[ord(f"{i:02x}"[0]), ord(f"{i:02x}"[1])] for i in range(256)], dtype=np.uint8
)


def _hex128(h1: npt.NDArray[np.uint64], h2: npt.NDArray[np.uint64]) -> pa.Array:
    n = len(h1)
    raw = np.empty((n, 2), dtype=">u8")
    raw[:, 0] = h1
    raw[:, 1] = h2
    return _ascii_strings(_HEX_PAIRS[raw.view(np.uint8).reshape(n, 16)].reshape(n, 32))


def _decimal(fen: I64, mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    """decimal128(18, 2) from integer fen, built straight from the 16-byte buffers."""
    n = len(fen)
    words = np.empty((n, 2), dtype=np.int64)
    words[:, 0] = fen
    words[:, 1] = np.where(fen < 0, -1, 0)
    validity = None
    null_count = 0
    if mask is not None:  # mask: True = null
        null_count = int(mask.sum())
        validity = pa.py_buffer(np.packbits(~mask, bitorder="little"))
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), n, [validity, pa.py_buffer(words)], null_count=null_count
    )


def _dates(days: Arr, mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)


def _digits(values: Arr, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values.astype(np.int64)), pa.string()), width, "0")


def _take(dictionary: pa.Array, idx: Arr, mask: npt.NDArray[np.bool_] | None = None) -> pa.Array:
    return dictionary.take(pa.array(idx.astype(np.int32), mask=mask))


def _join(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _choice(rng: np.random.Generator, weights: Sequence[float], n: int) -> I64:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def _uniform_days(rng: np.random.Generator, lo: I64, hi: I64 | int) -> I64:
    hi_arr = np.broadcast_to(np.asarray(hi, dtype=np.int64), lo.shape)
    span = np.maximum(hi_arr - lo, 0) + 1
    days: I64 = lo + (rng.random(len(lo)) * span).astype(np.int64)
    return days
