"""The engine's last step, in Arrow and numpy: every enterprise's result from the fetched
dimensions and gate effects (backend-free, so DuckDB and Spark end identically), and the
conversions of integer ranks, hundredths and codes into the output's levels, decimals and names.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.catalog.schema import Catalog


class _Ids:
    """Sorted enterprise ids, and values keyed by (sorted, unique) enterprise ids spread onto
    them: a scatter when the ids are unique (a plain offset when they are consecutive, as
    numbered by the database), a search for each id otherwise."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self.unique = bool(np.all(ids[1:] > ids[:-1]))
        self.consecutive = self.unique and (len(ids) == 0 or ids[-1] - ids[0] == len(ids) - 1)

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each key is among the (unique) ids, and whether it is there."""
        if len(self.ids) == 0:
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        if self.consecutive:
            pos = keys - self.ids[0]
            if len(keys) == 0 or (pos.min() >= 0 and pos.max() < len(self.ids)):
                return pos, np.ones(len(keys), dtype=bool)  # every key is an id (the rule)
            found = (pos >= 0) & (pos < len(self.ids))
            return np.where(found, pos, 0), found
        pos = np.minimum(np.searchsorted(self.ids, keys), len(self.ids) - 1)
        return pos, self.ids[pos] == keys

    def count(self, keys: np.ndarray) -> np.ndarray:
        """How many times each key is among the ids."""
        if self.unique:
            return self.find(keys)[1].astype(np.int64)
        return np.searchsorted(self.ids, keys, "right") - np.searchsorted(self.ids, keys, "left")

    def spread(
        self, keys: np.ndarray, values: np.ndarray, fill: int, dtype: type = np.int64
    ) -> np.ndarray:
        """``values`` (one per key) aligned with the ids; ``fill`` where an id has none."""
        if self.unique:
            pos, found = self.find(keys)
            out: np.ndarray = np.full(len(self.ids), fill, dtype=dtype)
            out[pos[found]] = values[found]
            return out
        if len(keys) == 0:
            return np.full(len(self.ids), fill, dtype=dtype)
        pos = np.minimum(np.searchsorted(keys, self.ids), len(keys) - 1)
        return np.where(keys[pos] == self.ids, values[pos], fill).astype(dtype)


def _ints(column: pa.ChunkedArray | pa.Array, null: int = 0) -> np.ndarray:
    # (no cast or fill that would copy a column already of int64 without nulls)
    values = column if column.type == pa.int64() else pc.cast(column, pa.int64())
    if values.null_count:
        values = pc.fill_null(values, null)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.int64)


def _sorted_ids(ent_ids: pa.ChunkedArray | pa.Array) -> tuple[pa.Array, int]:
    """The enterprise ids sorted (nulls last), and how many are null. Ids that are a range
    (each id of min..max once, in any order: the database's numbering) need no sort."""
    ents = pc.cast(ent_ids, pa.int64())
    ents = ents.combine_chunks() if isinstance(ents, pa.ChunkedArray) else ents
    n_null = ents.null_count
    if not n_null and len(ents):
        ids = np.asarray(ents.to_numpy(zero_copy_only=False), dtype=np.int64)
        lo, hi = int(ids.min()), int(ids.max())
        if hi - lo + 1 == len(ids):
            if ids[0] == lo and bool(np.all(ids[1:] > ids[:-1])):
                return ents, 0  # already the range, in order (as read back from a snapshot)
            seen = np.zeros(len(ids), dtype=bool)
            seen[ids - lo] = True
            if seen.all():
                return pa.array(np.arange(lo, hi + 1, dtype=np.int64)), 0
    return ents.take(pc.array_sort_indices(ents, null_placement="at_end")), n_null


def per_enterprise(
    ent_ids: pa.ChunkedArray, dims: pa.Table, effects: pa.Table | None, catalog: Catalog
) -> tuple[pa.Table, pa.Table]:
    """The per-enterprise result of every enterprise, and the dimensions' ``listed``, in Arrow.

    ``dims`` is the fetched dimension table, sorted by enterprise then dimension; ``effects``
    the gates' effect per enterprise, sorted by enterprise. Most enterprises hold nothing, so
    this cheap last step is a scatter of the few that do onto the enterprise ids (vectorised
    numpy, the same for every backend) rather than a join of every enterprise in the engine.
    """
    wl = [catalog.level_rank(c) for c in catalog.whitelist_levels]
    ents, n_null = _sorted_ids(ent_ids)
    ids = _Ids(_ints(ents)[: len(ents) - n_null])
    n = len(ids.ids)
    # the dimensions of an enterprise absent from ``enterprises`` are dropped, those of a
    # repeated one repeated (as a join with the enterprises would)
    d_null = np.asarray(pc.is_null(dims["enterprise_id"]).to_numpy(zero_copy_only=False))
    d_ids = _ints(dims["enterprise_id"])
    times = np.where(d_null, 0, ids.count(d_ids))
    # the gates' effects per enterprise: barred, the cap (a rank, or -1), the codes failed
    barred = np.zeros(n, dtype=bool)
    cap_of = np.full(n, -1, dtype=np.int64)
    failed: pa.Array = pa.nulls(n, pa.list_(pa.string()))
    if effects is not None and effects.num_rows and n:
        e_ids = _ints(effects["enterprise_id"])
        e_barred = _ints(effects["barred"]) == 1
        e_cap = _ints(effects["cap_rank"], null=-1)
        lists = effects["gates_failed"].combine_chunks()
        if ids.unique:  # the gated enterprises' positions (increasing)
            e_pos, e_found = ids.find(e_ids)
            at = e_pos[e_found]
            barred[at[e_barred[e_found]]] = True
            cap_of[at] = e_cap[e_found]
            lengths = np.zeros(n + 1, dtype=np.int32)
            lengths[at + 1] = pc.list_value_length(lists.filter(e_found)).to_numpy()
            failed = pa.ListArray.from_arrays(
                pa.array(np.cumsum(lengths, dtype=np.int32)),
                pc.list_flatten(lists.filter(e_found)),
            )
        else:
            every = ids.spread(e_ids, np.arange(len(e_ids)), -1)
            at = np.flatnonzero(every >= 0)
            barred[at] = e_barred[every[at]]
            cap_of[at] = e_cap[every[at]]
            failed = lists.take(pa.array(every, mask=every < 0))
    d_pos, d_found = ids.find(d_ids)
    d_rank = _ints(dims["rank"])
    if (cap_of >= 0).any():
        # a cap gate: every dimension level at most the cap (so listed at most at the cap)
        d_cap = np.where(d_found, cap_of[d_pos] if n else -1, -1)
        d_rank = np.maximum(d_rank, d_cap)
        dims = dims.set_column(dims.schema.get_field_index("rank"), "rank", pa.array(d_rank))
    listed_rank = np.zeros(len(catalog.levels), dtype=bool)  # ranks are 0 … levels − 1
    listed_rank[wl] = True
    d_wl = listed_rank[d_rank]

    # per enterprise: Σ weighted score, dimensions in the whitelist levels, dimensions at a level
    held = times > 0
    p_ids, p_rank = d_ids[held], d_rank[held]
    starts = np.flatnonzero(np.r_[True, p_ids[1:] != p_ids[:-1]]) if len(p_ids) else p_ids
    keys = p_ids[starts]

    # (fresh memory is dear on a virtual machine: arrays of every enterprise are kept few and
    # narrow)
    def per(values: np.ndarray, dtype: type = np.int64) -> np.ndarray:
        sums = np.add.reduceat(values.astype(np.int64), starts) if len(starts) else starts
        return ids.spread(keys, sums, 0, dtype)

    total = per(_ints(dims["weighted"])[held])
    n_wl = per(d_wl[held])
    need = sorted(
        {catalog.level_rank(o.dimension_level) for o in catalog.overall if o.dimension_level}
    )
    d_at = {r: per(p_rank <= r, np.int32) for r in need}
    if not np.all(times == 1):
        take = np.repeat(np.arange(len(d_ids)), times)
        dims, d_ids, d_wl = dims.take(take), d_ids[take], d_wl[take]

    # the overall class: the first class whose score (and dimensions at a level) is reached
    overall = np.full(n, -1, dtype=np.int32)
    for o in reversed(catalog.overall):
        cond = total >= o.min_score * 100
        if o.min_dimensions and o.dimension_level is not None:
            cond &= d_at[catalog.level_rank(o.dimension_level)] >= o.min_dimensions
        overall[cond] = catalog.level_rank(o.level)

    # a cap lowers the class (a higher rank) of a classed enterprise; a bar leaves no class
    capped = (cap_of >= 0) & (overall >= 0)
    overall[capped] = np.maximum(overall[capped], cap_of[capped])
    overall[barred] = -1
    d_pos, d_found = ids.find(d_ids)
    d_barred = d_found & barred[d_pos] if n else d_found
    # a barred enterprise lists no dimension
    entries = n_wl
    entries[barred] = 0

    def padded(values: np.ndarray, pad: object, mask: np.ndarray | None = None) -> pa.Array:
        out = pa.array(values, mask=mask)
        return pa.concat_arrays([out, pa.array([pad] * n_null, out.type)]) if n_null else out

    results = pa.table(
        {
            "enterprise_id": ents,
            "total_x100": padded(total, 0),
            "overall_rank": padded(overall, None, mask=overall < 0),
            "listed": padded(entries > 0, False),
            "vetoed": padded(barred, False),
            "entries": padded(entries, 0),
            "gates_failed": pa.concat_arrays([failed, pa.nulls(n_null, failed.type)]),
        }
    )
    return results, dims.append_column("listed", pa.array(d_wl & ~d_barred))


def levels(ranks: pa.ChunkedArray | pa.Array, catalog: Catalog) -> pa.Array:
    codes = pa.array([lv.code for lv in catalog.levels], pa.string())
    return codes.take(pc.cast(ranks, pa.int32()))


def hundredths(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Integer hundredths as decimal128(12, 2), built from the unscaled buffer (exact)."""
    arr = np.asarray(pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    words = np.empty((len(arr), 2), dtype=np.int64)
    words[:, 0] = arr
    words[:, 1] = np.where(arr < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(arr), [None, pa.py_buffer(words)])


def names(index: pa.ChunkedArray | pa.Array, names: list[str]) -> pa.Array:
    return pa.array(names, pa.string()).take(pc.cast(index, pa.int32()))
