"""A block's quality records: how many of each kind an enterprise has, the generated
values as Arrow columns, content hashes, known-at times and record ids."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.demo.arrays import _U64, _dates, _decimal, _hex128, _mix, _take
from zhixin.demo.layout import (
    _D_AS_OF,
    _KIND_CODES,
    _MAX_PER_KIND,
    _VALUE_COLUMNS,
    I64,
    RECORD_SCHEMA,
    SOURCE_SYSTEM,
    Cols,
    _Block,
)
from zhixin.demo.record_kinds import _GENERATORS, _Ctx
from zhixin.records.kinds import RECORD_KINDS

_KIND_ARR_R = pa.array(_KIND_CODES)
# expected counts per enterprise (大, 中, 小, 微) before the quality propensity
_RATES: dict[str, tuple[float, float, float, float]] = {
    "certification": (3.0, 2.0, 0.8, 0.2),
    "product_certification": (1.5, 0.8, 0.3, 0.08),
    "accreditation": (0.5, 0.15, 0.02, 0.004),
    "award": (1.0, 0.3, 0.06, 0.008),
    "title": (1.2, 0.6, 0.2, 0.03),
    "standard": (2.5, 0.8, 0.12, 0.008),
    "patent": (15.0, 4.5, 1.2, 0.18),
    "spot_check": (1.2, 0.8, 0.4, 0.12),
    "penalty": (0.04, 0.03, 0.02, 0.02),
    "list_entry": (0.004, 0.008, 0.015, 0.035),
}
_SCALED = {"certification", "product_certification", "accreditation", "award", "title"} | {
    "standard",
    "patent",
}
_CC_PROB = (0.55, 0.35, 0.12, 0.02)
_TYPES = {f.name: f.type for f in RECORD_SCHEMA}


def _to_arrow(name: str, value: Any) -> pa.Array:
    typ = _TYPES[name]
    if isinstance(value, tuple):
        a, b = value
        if isinstance(a, pa.Array):  # (dictionary, indices)
            return _take(a, b)
        mask = b  # (values, null mask)
    else:
        if isinstance(value, pa.Array):
            return value
        a, mask = value, None
    if typ == pa.date32():
        return _dates(a, mask)
    if typ == pa.decimal128(18, 2):
        return _decimal(a, mask)
    return pa.array(a, type=typ, mask=mask)


def _canonical(arr: pa.Array) -> pa.Array:
    """The importer's canonical text of a key value (None → "", bool → 1/0, date → ISO)."""
    if pa.types.is_boolean(arr.type):
        arr = pc.if_else(arr, "1", "0")
    elif not pa.types.is_string(arr.type):
        arr = pc.cast(arr, pa.string())
    return pc.fill_null(arr, "")


def _known_at(rng: np.random.Generator, t: pa.Table) -> pa.Array:
    """A little after the record's own date (year → its end), never after AS_OF."""
    m = t.num_rows
    base = pc.coalesce(
        t["valid_from"].combine_chunks().cast(pa.int32()),
        t["event_date"].combine_chunks().cast(pa.int32()),
        pc.cast(
            pc.multiply(pc.subtract(t["year"].combine_chunks().cast(pa.int32()), 1969), 365),
            pa.int32(),
        ),
    )
    bd = pc.fill_null(base, _D_AS_OF).to_numpy().astype(np.int64)
    kd = np.minimum(bd + rng.integers(1, 60, m), _D_AS_OF)
    known = (kd * 86_400 + rng.integers(8 * 3600, 18 * 3600, m)) * 1_000_000
    return pa.array(known, type=pa.timestamp("us", tz="UTC"))


_SOURCE_ARR = pa.array([SOURCE_SYSTEM])


def _content_hash(seed: int, gidx: I64, kno: int, ordinal: I64, cols: Cols) -> pa.Array:
    """A 128-bit digest (32 hex) of the row's identity and generated values, vectorised."""
    with np.errstate(over="ignore"):
        h = _mix(gidx.astype(np.uint64) * _U64(64) + _U64(kno) + _U64((seed & 0xFFFFFFFF) << 32))
        h = _mix(h ^ ordinal.astype(np.uint64))
        for name in sorted(cols):
            value = cols[name]
            if isinstance(value, tuple):
                a, b = value
                v = b if isinstance(a, pa.Array) else np.where(b, -1, a)
            elif isinstance(value, np.ndarray):
                v = value
            else:
                continue  # text built from draws already folded in
            h = _mix(h ^ np.asarray(v).astype(np.int64).astype(np.uint64))
        h2 = _mix(h ^ _U64(0xA5A5A5A5DEADBEEF))
    return _hex128(h, h2)


def _records_block(seed: int, b: int, blk: _Block) -> pa.Table:
    rng = np.random.default_rng(np.random.SeedSequence([seed, b, 2]))
    n = len(blk.kind)
    q = np.minimum(rng.lognormal(0.0, 1.1, n), 15.0)  # quality propensity, tail capped
    indiv = blk.kind == 1
    parts: list[pa.Table] = []
    for kno, code in enumerate(_KIND_CODES):
        if code == "contract_credit":
            has = rng.random(n) < np.array(_CC_PROB)[blk.size] * np.minimum(q, 3.0) / 1.5
            counts = np.where(has, rng.geometric(0.45, n), 0)  # runs of 1, 2, 3…
        else:
            lam = np.array(_RATES[code])[blk.size]
            if code in _SCALED:
                lam = lam * q * np.where(indiv, 0.3, 1.0)
            counts = rng.poisson(lam)
        counts = np.minimum(counts, _MAX_PER_KIND).astype(np.int64)
        m = int(counts.sum())
        if m == 0:
            continue
        owner = np.repeat(np.arange(n, dtype=np.int64), counts)
        starts = np.cumsum(counts) - counts
        ordinal = np.arange(m, dtype=np.int64) - np.repeat(starts, counts)
        cols = _GENERATORS[code](_Ctx(rng, owner, ordinal, blk))
        keep = np.ones(m, dtype=bool)
        if "_drop" in cols:
            keep &= ~cols.pop("_drop")
        if "_key" in cols:  # drop repeats of the kind's key fields within an enterprise
            key = owner * (1 << 40) + cols.pop("_key")
            _u, first = np.unique(key, return_index=True)
            dup = np.ones(m, dtype=bool)
            dup[first] = False
            keep &= ~dup
        data: dict[str, pa.Array] = {
            name: _to_arrow(name, cols[name]) if name in cols else pa.nulls(m, type=_TYPES[name])
            for name in _VALUE_COLUMNS
        }
        uscc = blk.uscc.take(pa.array(owner))
        # natural key: uscc|key field values, exactly as the importer forms it
        keys = [
            _canonical(data[RECORD_KINDS[code].field_by_key(k).target])
            for k in RECORD_KINDS[code].key_fields
        ]
        data["natural_key"] = pc.binary_join_element_wise(uscc, *keys, "|")
        data["uscc"] = uscc
        data["content_hash"] = _content_hash(seed, blk.start + owner, kno, ordinal, cols)
        table = pa.table(data)
        table = table.append_column("_owner", pa.array(owner))
        table = table.append_column("_kind", pa.array(np.full(m, kno, dtype=np.int8)))
        table = table.append_column("_ord", pa.array(ordinal))
        if not keep.all():
            table = table.filter(pa.array(keep))
        parts.append(table)
    if not parts:
        return pa.table(
            {name: pa.array([], _TYPES[name]) for name in _VALUE_COLUMNS}
            | {
                "natural_key": pa.array([], pa.string()),
                "uscc": pa.array([], pa.string()),
                "content_hash": pa.array([], pa.string()),
                "_owner": pa.array([], pa.int64()),
                "_kind": pa.array([], pa.int8()),
                "_ord": pa.array([], pa.int64()),
                "known_at": pa.array([], _TYPES["known_at"]),
            }
        )
    table = pa.concat_tables(parts).combine_chunks()
    table = table.append_column("known_at", _known_at(rng, table))
    order = np.lexsort(
        (
            table["_ord"].to_numpy(),
            table["_kind"].to_numpy(),
            table["_owner"].to_numpy(),
        )
    )
    return table.take(pa.array(order))


def _finish_records(blk: _Block, lo: int, hi: int, first_id: int) -> tuple[pa.Table, int]:
    """Records of block rows [lo, hi) as RECORD_SCHEMA, ids from ``first_id``."""
    t = blk.records
    owner_all = t["_owner"].to_numpy()
    a, b = np.searchsorted(owner_all, [lo, hi])
    t = t.slice(int(a), int(b - a))
    m = t.num_rows
    owner = t["_owner"].to_numpy()
    kno = t["_kind"].to_numpy().astype(np.int64)
    cols: dict[str, pa.Array] = {
        "record_id": pa.array(np.arange(first_id, first_id + m, dtype=np.int64)),
        "enterprise_id": pa.array(blk.start + owner + 1),
        "kind": _KIND_ARR_R.take(pa.array(kno)),
        "version": pa.array(np.ones(m, dtype=np.int16)),
        "source_system": _SOURCE_ARR.take(pa.array(np.zeros(m, dtype=np.int32))),
    }
    for name in ("uscc", "natural_key", "content_hash", *_VALUE_COLUMNS, "known_at"):
        cols[name] = t[name].combine_chunks()
    return pa.Table.from_pydict(cols, schema=RECORD_SCHEMA), m
