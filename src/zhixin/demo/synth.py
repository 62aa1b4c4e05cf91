"""Deterministic synthetic region (演示数据): enterprises and their quality records.

Everything here is invented demo data for a made-up slice of Fujian. The generator is
vectorised with numpy and pyarrow: enterprises are drawn in fixed blocks of ``_BLOCK`` rows,
each from its own random stream keyed by ``(seed, block)``, so the data depend only on the
seed and the enterprise's position, never on ``chunk_size``. Names are made unique across the
whole run by a small sequential registry (earlier enterprises keep their name; a later one
that collides takes a longer 字号).

This module assembles the parts and writes them out (Parquet, or a database): ``layout``
(marker, date range, schemas, the block), ``reference`` (regions, industries, words, issuers),
``arrays`` (vectorised column helpers), ``firms`` (enterprises), ``record_kinds`` (a generator
per record kind) and ``records`` (a block's records).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from zhixin.demo.firms import (
    _ORG_SPACE,
    _enterprise_block,
    _enterprise_table,
    _NameRegistry,
    _org_params,
)
from zhixin.demo.layout import (
    _BLOCK,
    _KIND_CODES,
    AS_OF,
    DEMO_MARK,
    ENTERPRISE_SCHEMA,
    I64,
    RECORD_SCHEMA,
    SOURCE_SYSTEM,
    _Block,
)
from zhixin.demo.records import _finish_records
from zhixin.demo.reference import _PREFIXES, _REGION_PREFIX
from zhixin.engine import key_hashes
from zhixin.engine.rule_keys import FIELD as RULE_KEY_FIELD
from zhixin.engine.rule_keys import RuleKeys, write_metadata
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import Base
from zhixin.records.models import QualityRecord

__all__ = [
    "AS_OF",
    "DEMO_MARK",
    "ENTERPRISE_SCHEMA",
    "RECORD_SCHEMA",
    "SOURCE_SYSTEM",
    "SynthSummary",
    "generate",
    "load_into_database",
    "write_parquet",
]

# the records file: the generated columns, each record's rule key (engine.rule_keys) and its
# natural key's hash (engine.key_hashes)
SNAPSHOT_RECORD_SCHEMA = RECORD_SCHEMA.append(RULE_KEY_FIELD).append(key_hashes.FIELD)


# --------------------------------------------------------------------------- public API


def generate(
    n_enterprises: int, *, seed: int = 20251, chunk_size: int = 200_000
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Yield ``(enterprises, records)`` tables of up to ``chunk_size`` enterprises each.

    Same seed → same rows, whatever the chunk size. Ids are 1-based and consecutive.
    """
    if n_enterprises < 0 or n_enterprises > _ORG_SPACE:
        raise ValueError("n_enterprises must be between 0 and 100,000,000")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    org = _org_params(seed)
    names = _NameRegistry()
    next_record = 1
    cached: _Block | None = None
    for start in range(0, n_enterprises, chunk_size):
        stop = min(n_enterprises, start + chunk_size)
        slices: list[tuple[_Block, int, int]] = []
        pos = start
        while pos < stop:
            b = pos // _BLOCK
            if cached is None or cached.start != b * _BLOCK:
                cached = _enterprise_block(seed, b, org)
            lo, hi = pos - cached.start, min(stop, cached.start + _BLOCK) - cached.start
            slices.append((cached, lo, hi))
            pos = cached.start + hi

        def cat(attr: str, sl: list[tuple[_Block, int, int]] = slices) -> I64:
            return np.concatenate([getattr(bk, attr)[lo:hi] for bk, lo, hi in sl])

        kind, region = cat("kind"), cat("region")
        prefix = np.where(kind == 0, _REGION_PREFIX[region], len(_PREFIXES) + region)
        tier = names.assign(prefix, cat("chars"), cat("word"), cat("suffix"))
        ent_parts: list[pa.Table] = []
        rec_parts: list[pa.Table] = []
        offset = 0
        for blk, lo, hi in slices:
            ent_parts.append(_enterprise_table(blk, lo, hi, tier[offset : offset + hi - lo]))
            offset += hi - lo
            rec, m = _finish_records(blk, lo, hi, next_record)
            next_record += m
            rec_parts.append(rec)
        yield pa.concat_tables(ent_parts), pa.concat_tables(rec_parts)


@dataclass(frozen=True)
class SynthSummary:
    enterprises: int
    records: int
    by_kind: dict[str, int]
    seconds: float


def _count_kinds(by_kind: dict[str, int], records: pa.Table) -> None:
    vc = pc.value_counts(records["kind"]).to_pylist()
    for item in vc:
        by_kind[item["values"]] = by_kind.get(item["values"], 0) + int(item["counts"])


def write_parquet(
    out_dir: Path,
    n_enterprises: int,
    *,
    seed: int = 20251,
    progress: Callable[[int, int], None] | None = None,
) -> SynthSummary:
    """Write ``enterprises.parquet``, ``records.parquet`` and ``manifest.json`` to ``out_dir``."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    by_kind = dict.fromkeys(_KIND_CODES, 0)
    n_ent = n_rec = 0
    keys = RuleKeys()  # each record's (kind, subtype) numbered: the engine's join key
    with (
        pq.ParquetWriter(out_dir / "enterprises.parquet", ENTERPRISE_SCHEMA) as ew,
        pq.ParquetWriter(out_dir / "records.parquet", SNAPSHOT_RECORD_SCHEMA) as rw,
    ):
        for ent, rec in generate(n_enterprises, seed=seed):
            ew.write_table(ent, row_group_size=ent.num_rows)
            rec = key_hashes.add_to(keys.add_to(rec))
            rw.write_table(rec, row_group_size=max(rec.num_rows, 1))
            n_ent += ent.num_rows
            n_rec += rec.num_rows
            _count_kinds(by_kind, rec)
            if progress is not None:
                progress(n_ent, n_enterprises)
        write_metadata(rw, keys)
    key_hashes.seal(out_dir / "records.parquet")
    seconds = time.perf_counter() - t0
    manifest = {
        "marker": DEMO_MARK,
        "seed": seed,
        "enterprises": n_ent,
        "records": n_rec,
        "by_kind": by_kind,
        "as_of": AS_OF.isoformat(),
        "generated_at": datetime.now(UTC).isoformat(),
        "seconds": round(seconds, 3),
        "source_system": SOURCE_SYSTEM,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return SynthSummary(n_ent, n_rec, by_kind, seconds)


_DB_BATCH = 20_000


def load_into_database(
    session: Session,
    n_enterprises: int,
    *,
    seed: int = 20251,
    progress: Callable[[int, int], None] | None = None,
) -> SynthSummary:
    """Bulk-insert the same synthetic data into ``enterprise`` and ``quality_record``.

    Core executemany, ids assigned by the database; the caller owns the transaction.
    """
    t0 = time.perf_counter()
    by_kind = dict.fromkeys(_KIND_CODES, 0)
    n_ent = n_rec = 0
    now = datetime.now(UTC)
    ent_t = Base.metadata.tables[Enterprise.__tablename__]
    rec_t = Base.metadata.tables[QualityRecord.__tablename__]
    for ent, rec in generate(n_enterprises, seed=seed, chunk_size=_DB_BATCH):
        rows = ent.drop_columns(["enterprise_id"]).to_pylist()
        for r in rows:
            r["source_system"] = SOURCE_SYSTEM
            r["created_at"] = now
            r["updated_at"] = now
        session.execute(insert(ent_t), rows)
        usccs = ent["uscc"].to_pylist()
        id_by_uscc: dict[str, int] = {}
        for i in range(0, len(usccs), 900):
            part = usccs[i : i + 900]
            for u, i_ in session.execute(
                select(ent_t.c.uscc, ent_t.c.id).where(ent_t.c.uscc.in_(part))
            ):
                id_by_uscc[u] = i_
        if rec.num_rows:
            recs = rec.drop_columns(["record_id", "enterprise_id", "uscc"]).to_pylist()
            for r, u in zip(recs, rec["uscc"].to_pylist(), strict=True):
                r["enterprise_id"] = id_by_uscc[u]
                r["extra"] = {}
            session.execute(insert(rec_t), recs)
        n_ent += ent.num_rows
        n_rec += rec.num_rows
        _count_kinds(by_kind, rec)
        if progress is not None:
            progress(n_ent, n_enterprises)
    session.flush()
    return SynthSummary(n_ent, n_rec, by_kind, time.perf_counter() - t0)
