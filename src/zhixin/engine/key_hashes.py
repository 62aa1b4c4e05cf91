"""A snapshot's natural-key hashes: each record's 64-bit hash of its ``natural_key``, written
with the Parquet snapshot, so that the input check (``evaluation.service.check_parquet``) need
not decode and hash 28 million strings — a column no evaluation otherwise reads.

The writer (``zhixin synth``, ``zhixin export``) adds the column :data:`COLUMN` (int64: the
bits of DuckDB's unsigned ``hash(natural_key)``, so that every engine reads it) to
``records.parquet`` and, once the file is closed, *seals* it: the sidecar :data:`SEAL_NAME`
holds a SHA-256 of the bytes of the two columns' chunks as stored (compressed pages, every row
group in order, with each chunk's place and length). The check uses the column only while the
seal matches those bytes; otherwise it hashes the strings itself, as before. The rule: the
same bytes decode to the same values, row for row, so a sealed column agrees with the keys it
was computed from; a file rewritten after its seal (either column changed, rows reordered or
regrouped), a stale or missing sidecar, or a file without the column is checked on its
strings — never trusted. Checking the seal reads the natural keys' pages without decoding
them (SHA-256 runs at about 1.4 GB/s here; decoding and hashing the keys cost several times
as much: docs/performance.md).

Written by hand: Parquet has no checksum of a column's contents that its writers keep (page
CRCs are recomputed by whoever rewrites a file), and the file's own key-value metadata is
written before the last chunks are, so the seal lives beside the file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

COLUMN = "natural_key_hash"
FIELD = pa.field(COLUMN, pa.int64())
SOURCE = "natural_key"
SEAL_NAME = "records.keys.json"
_FORMAT = "zhixin natural-key hash seal 1"
_READ = 8 << 20  # bytes read at a time while digesting


def column(natural_key: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each natural key's hash: DuckDB's ``hash`` (a null key hashes too, as one value), its
    64 bits read as a signed integer."""
    import duckdb

    keys = pa.table({"k": natural_key})
    con = duckdb.connect()
    try:
        con.register("keys", keys)
        out = con.execute("SELECT hash(k) AS h FROM keys").to_arrow_table()["h"]
    finally:
        con.close()
    bits = np.asarray(out.combine_chunks().to_numpy(zero_copy_only=False), dtype=np.uint64)
    return pa.array(bits.view(np.int64), pa.int64())


def add_to(table: pa.Table) -> pa.Table:
    """``table`` with its natural-key hash column appended."""
    return table.append_column(FIELD, column(table[SOURCE]))


def _digest(path: Path) -> str | None:
    """SHA-256 of the stored chunks of the key and hash columns (None: no such columns)."""
    meta = pq.read_metadata(path)
    names = meta.schema.names
    if SOURCE not in names or COLUMN not in names:
        return None
    wanted = [names.index(SOURCE), names.index(COLUMN)]
    h = hashlib.sha256(_FORMAT.encode())
    with open(path, "rb") as f:
        for i in range(meta.num_row_groups):
            rg = meta.row_group(i)
            for j in wanted:
                cc = rg.column(j)
                start = cc.data_page_offset
                if cc.has_dictionary_page and cc.dictionary_page_offset is not None:
                    start = min(start, cc.dictionary_page_offset)
                length = cc.total_compressed_size
                h.update(f"|{i}:{j}:{rg.num_rows}:{start}:{length}|".encode())
                f.seek(start)
                left = length
                while left > 0:
                    piece = f.read(min(left, _READ))
                    if not piece:
                        return None  # a truncated file: no seal holds
                    h.update(piece)
                    left -= len(piece)
    return h.hexdigest()


def seal(path: Path) -> None:
    """Record the closed file's key and hash chunks in the sidecar beside it."""
    path = Path(path)
    digest = _digest(path)
    if digest is None:
        raise ValueError(f"{path} 没有 {SOURCE} 与 {COLUMN} 两列")
    body = {"format": _FORMAT, "file": path.name, "column": COLUMN, "sha256": digest}
    (path.parent / SEAL_NAME).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")


def _sealed(path: Path) -> bool:
    try:
        body: Any = json.loads((path.parent / SEAL_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(body, dict) or body.get("format") != _FORMAT:
        return False
    if body.get("file") != path.name or body.get("column") != COLUMN:
        return False
    return bool(body.get("sha256")) and _digest(path) == body["sha256"]


def read_sealed(path: Path) -> np.ndarray | None:
    """Every record's natural-key hash (int64, in file order), or None when the file has no
    hash column whose seal still holds (then the caller hashes the keys itself)."""
    path = Path(path)
    if not _sealed(path):
        return None
    values = pq.read_table(path, columns=[COLUMN])[COLUMN]
    if values.null_count or values.type != pa.int64():
        return None
    return np.asarray(values.combine_chunks().to_numpy(zero_copy_only=False), dtype=np.int64)
