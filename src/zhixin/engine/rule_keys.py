"""A snapshot's rule keys: each record's (kind, subtype) as a small integer, written with the
Parquet snapshot, so that the engine matches records to rules on one integer column.

A rule applies to a record by its kind and, often, its subtype; joining 28 million records with
the rule table on those two strings, and decoding them, is a good part of an evaluation's time
(docs/performance.md). The snapshot's writer (``zhixin synth``, ``zhixin export``) numbers the
distinct (kind, subtype) pairs as it meets them: the column ``rule_key`` (int32) holds each
record's number, and the file's key-value metadata :data:`METADATA_KEY` holds the pairs, in
number order, as JSON (``[[kind, subtype or null], …]``). The engine turns each rule's kind and
subtypes into the numbers of the pairs it admits (:func:`keys_of_rule`) and never reads the two
strings. A file without the column or the metadata (another writer's) is matched on the strings,
with identical results (tested).

The key is the writer's record of two columns it writes in the same pass; it says nothing the
strings do not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

COLUMN = "rule_key"
FIELD = pa.field(COLUMN, pa.int32())
METADATA_KEY = b"zhixin.rule_keys"

Pair = tuple[str, str | None]


class RuleKeys:
    """The (kind, subtype) pairs met so far, numbered 0, 1, … in the order met."""

    def __init__(self) -> None:
        self._number: dict[Pair, int] = {}

    @property
    def pairs(self) -> list[Pair]:
        return list(self._number)

    def column(
        self, kind: pa.ChunkedArray | pa.Array, subtype: pa.ChunkedArray | pa.Array
    ) -> pa.Array:
        """The rule key of each row (int32): a pair met before keeps its number."""
        if isinstance(kind, pa.ChunkedArray):
            kind = kind.combine_chunks()
        if isinstance(subtype, pa.ChunkedArray):
            subtype = subtype.combine_chunks()
        if kind.null_count:
            raise ValueError("记录的 kind 不得为空")
        k = pc.dictionary_encode(kind)
        s = pc.dictionary_encode(subtype, null_encoding="encode")  # null is a value of its own
        k_idx = np.asarray(k.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        s_idx = np.asarray(s.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
        width = len(s.dictionary) + 1
        local, inverse = np.unique(k_idx * width + s_idx, return_inverse=True)
        kinds, subtypes = k.dictionary.to_pylist(), s.dictionary.to_pylist()
        numbers = np.empty(len(local), dtype=np.int32)
        for i, code in enumerate(local.tolist()):
            pair = (kinds[code // width], subtypes[code % width])
            numbers[i] = self._number.setdefault(pair, len(self._number))
        return pa.array(numbers[inverse.reshape(-1)], pa.int32())

    def add_to(self, table: pa.Table) -> pa.Table:
        """``table`` with its ``rule_key`` column appended."""
        return table.append_column(FIELD, self.column(table["kind"], table["subtype"]))

    def metadata(self) -> dict[bytes, bytes]:
        """The file's key-value metadata entry for the pairs (to write once all rows are)."""
        return {METADATA_KEY: json.dumps(self.pairs, ensure_ascii=False).encode("utf-8")}


def write_metadata(writer: pq.ParquetWriter, keys: RuleKeys) -> None:
    """Record the pairs in the file being written (before the writer is closed)."""
    writer.add_key_value_metadata(keys.metadata())


def read_pairs(path: Path) -> list[Pair] | None:
    """The pairs of a snapshot's records file, or None when it has no rule keys."""
    meta = pq.read_metadata(path)
    if COLUMN not in meta.schema.names:
        return None
    raw = (meta.metadata or {}).get(METADATA_KEY)
    if raw is None:
        return None
    pairs = [(str(k), None if s is None else str(s)) for k, s in json.loads(raw.decode("utf-8"))]
    # every row's key must be one of the pairs: the row groups' statistics say so for free (a
    # file whose statistics do not is matched on the strings)
    column = meta.schema.names.index(COLUMN)
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(column).statistics
        if meta.row_group(i).num_rows == 0:
            continue
        if stats is None or not (stats.has_min_max and stats.has_null_count) or stats.null_count:
            return None
        if stats.min < 0 or stats.max >= len(pairs):
            return None
    return pairs


def keys_of_rule(pairs: Sequence[Pair], kind: str, subtypes: Iterable[object] | None) -> list[int]:
    """The keys of the pairs a rule admits: its kind, and one of ``subtypes`` when it names
    any (compared as strings, as the join on the strings compares them; a null subtype is
    never one of them)."""
    wanted = None if subtypes is None else {str(v) for v in subtypes}
    return [
        number
        for number, (k, s) in enumerate(pairs)
        if k == kind and (wanted is None or (s is not None and s in wanted))
    ]
