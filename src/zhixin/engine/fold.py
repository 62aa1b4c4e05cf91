"""From rule matches to elements, dimensions and gates: one sorted pass in numpy.

The set-based work on the records — the scan, the match of every record against every rule — is
Ibis (:mod:`zhixin.engine.evaluate`), on DuckDB or Spark. It yields one row per record and rule
matched, ``(enterprise_id, record_id, year, tag)`` (tags: :mod:`zhixin.engine.tags`), sorted by
enterprise, tag and record. Everything after is groups of *consecutive* rows, which numpy folds
with ``reduceat`` and offsets:

* an element is held by an enterprise when its tag's group is there and not voided by its
  *unless* matches (at least the *unless* rule's ``min_count`` of them), with its measure
  (the count of matching records, or the longest streak of consecutive years) reaching a tier;
* a dimension's level is the best level among its elements, lifted by the uplift rules, and its
  points are the elements' points, capped;
* a gate's records (when at least its rule's ``min_count``), and per enterprise the gates'
  effects (bar, cap, the codes failed).

Written by hand because no library folds sorted groups into Arrow lists without a second hash
aggregation, and those group-bys over millions of groups cost more than the scan itself
(docs/performance.md). It is backend-free, so DuckDB and Spark end identically; the Ibis
formulation is the tests' oracle (``tests/support/engine_reference.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.catalog.schema import Catalog, Element
from zhixin.engine.tags import Tags

# the order the engine returns the rule matches in
HIT_COLUMNS_ORDER = ("enterprise_id", "tag", "record_id")


@dataclass(frozen=True)
class Shape:
    """What the fold needs of a catalog, as arrays indexed by element or dimension number."""

    tags: Tags
    streak: np.ndarray  # bool per element: measured by the longest streak of years
    dimension: np.ndarray  # per element: its dimension's number
    tiers: list[tuple[np.ndarray, np.ndarray, np.ndarray]]  # per depth: threshold, rank, points
    cap: np.ndarray  # per dimension
    weight: np.ndarray  # per dimension
    uplifts: list[tuple[int, int, int, int]]  # (dimension or -1, count, at rank, to rank)
    bars: np.ndarray  # bool per gate
    caps: np.ndarray  # per gate: the rank it caps the class at, or -1
    unless_min: np.ndarray  # per element: the matches its *unless* rule needs to void it
    gate_min: np.ndarray  # per gate: the matches it needs to fire


def shape(catalog: Catalog, tags: Tags) -> Shape:
    """The catalog's rules by number, in the order of ``tags``."""
    elements, dimensions, gates = tags.elements, tags.dimensions, tags.gates
    by_code = {e.code: e for e in catalog.elements}
    never = np.int64(2**62)  # a threshold no measure reaches (an element with fewer tiers)
    ways: list[list[tuple[int, int, int]]] = []
    for code in elements:
        e = by_code[code]
        if e.tiers:
            rows = [
                (
                    t.min_count,
                    catalog.level_rank(t.level),
                    e.points if t.points is None else t.points,
                )
                for t in e.tiers
            ]
        else:
            assert e.level is not None
            n = e.rule.streak.consecutive if e.rule.streak else e.rule.min_count
            rows = [(n, catalog.level_rank(e.level), e.points)]
        ways.append(sorted(rows, key=lambda w: w[1]))  # best level first: the first reached wins
    depth = max((len(w) for w in ways), default=0)
    tiers = []
    for p in range(depth):
        thr = np.array([w[p][0] if p < len(w) else never for w in ways], dtype=np.int64)
        rank = np.array([w[p][1] if p < len(w) else 0 for w in ways], dtype=np.int64)
        pts = np.array([w[p][2] if p < len(w) else 0 for w in ways], dtype=np.int64)
        tiers.append((thr, rank, pts))
    dims = {d.code: d for d in catalog.dimensions}
    gate_of = {g.code: g for g in catalog.gates}
    return Shape(
        tags=tags,
        streak=np.array([by_code[c].rule.streak is not None for c in elements], dtype=bool),
        dimension=np.array(
            [dimensions.index(by_code[c].dimension) for c in elements], dtype=np.int64
        ),
        tiers=tiers,
        cap=np.array([dims[c].cap for c in dimensions], dtype=np.int64),
        weight=np.array([dims[c].weight for c in dimensions], dtype=np.int64),
        uplifts=[
            (
                -1 if u.dimension is None else dimensions.index(u.dimension),
                u.count,
                catalog.level_rank(u.at_level),
                catalog.level_rank(u.to_level),
            )
            for u in catalog.uplifts
        ],
        bars=np.array([gate_of[c].effect == "bar" for c in gates], dtype=bool),
        caps=np.array([_cap_rank(catalog, gate_of[c].cap_level) for c in gates], dtype=np.int64),
        unless_min=np.array([_unless_min(by_code[c]) for c in elements], dtype=np.int64),
        gate_min=np.array([gate_of[c].rule.min_count for c in gates], dtype=np.int64),
    )


def _unless_min(element: Element) -> int:
    return 1 if element.unless is None else element.unless.min_count


def _cap_rank(catalog: Catalog, level: str | None) -> int:
    return -1 if level is None else catalog.level_rank(level)


def _ints(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    values = column if column.type == pa.int64() else pc.cast(column, pa.int64())
    if values.null_count:
        values = pc.fill_null(values, 0)
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.int64)


def _starts(*keys: np.ndarray) -> np.ndarray:
    """Where each run of equal keys begins (the rows are sorted by ``keys``)."""
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for k in keys:
        change[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(change)


def _lengths(starts: np.ndarray, n: int) -> np.ndarray:
    return np.diff(np.append(starts, n)).astype(np.int64)


def _dense(sorted_ids: np.ndarray) -> np.ndarray:
    """The dense rank (0, 1, …) of each of ``sorted_ids`` (sorted): with a small code, one
    int64 key ordered as the pair, ``rank × width + code``, that no id can overflow."""
    out = np.zeros(len(sorted_ids), dtype=np.int64)
    if len(sorted_ids):
        np.cumsum(sorted_ids[1:] != sorted_ids[:-1], out=out[1:])
    return out


def _lists(values: np.ndarray, lengths: np.ndarray, kind: pa.DataType) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, kind))


def _longest_streaks(group: np.ndarray, year: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows (group number, year), each group's longest run of consecutive years (a year
    repeated counts once): the sorted group numbers and their longest runs."""
    if len(group) == 0:
        return group, group
    order = np.lexsort((year, group))
    g, y = group[order], year[order]
    fresh = np.ones(len(g), dtype=bool)
    fresh[1:] = (g[1:] != g[:-1]) | (y[1:] != y[:-1])
    g, y = g[fresh], y[fresh]
    run_starts = np.flatnonzero(np.r_[True, (g[1:] != g[:-1]) | (y[1:] != y[:-1] + 1)])
    runs = _lengths(run_starts, len(g))
    run_group = g[run_starts]
    group_starts = _starts(run_group)
    return run_group[group_starts], np.maximum.reduceat(runs, group_starts)


def _rows_of(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The row numbers of the groups that begin at ``starts`` (each ``lengths`` long)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    return np.repeat(starts - first, lengths) + np.arange(total, dtype=np.int64)


@dataclass(frozen=True)
class _Groups:
    """The runs of rows with one (enterprise, tag): where each begins, its length, enterprise,
    tag, and an int64 key ordered as (enterprise, tag)."""

    starts: np.ndarray
    lengths: np.ndarray
    eid: np.ndarray
    tag: np.ndarray
    key: np.ndarray

    @classmethod
    def of(cls, eid: np.ndarray, tag: np.ndarray, width: int) -> _Groups:
        starts = _starts(eid, tag)
        g_eid, g_tag = eid[starts], tag[starts]
        return cls(starts, _lengths(starts, len(eid)), g_eid, g_tag, _dense(g_eid) * width + g_tag)


def _elements(
    g: _Groups, rid: np.ndarray, year_col: pa.ChunkedArray | pa.Array, s: Shape
) -> pa.Table:
    first_unless, first_gate = s.tags.first_unless, s.tags.first_gate
    el = np.flatnonzero(g.tag < first_unless)  # the element groups (numbers of groups)
    g_el = g.tag[el]
    keep = np.ones(len(el), dtype=bool)
    # *unless* matches (as many as its min_count) void the element's group (same enterprise,
    # an earlier key)
    unless = np.flatnonzero((g.tag >= first_unless) & (g.tag < first_gate))
    unless = unless[g.lengths[unless] >= s.unless_min[g.tag[unless] - first_unless]]
    if len(unless) and len(el):
        el_key = g.key[el]
        voided = g.key[unless] - first_unless
        pos = np.minimum(np.searchsorted(el_key, voided), len(el) - 1)
        keep[pos[el_key[pos] == voided]] = False
    measure = g.lengths[el].copy()
    streaky = s.streak[g_el]
    if streaky.any():
        # a streak element is measured by its records with a year; without one it has no measure
        which = np.flatnonzero(streaky)
        rows = _rows_of(g.starts[el[which]], g.lengths[el[which]])
        owner = np.repeat(which, g.lengths[el[which]])
        years = year_col.take(pa.array(rows))
        dated = np.asarray(pc.is_valid(years).to_numpy(zero_copy_only=False), dtype=bool)
        numbers, longest = _longest_streaks(owner[dated], _ints(years)[dated])
        has = np.zeros(len(el), dtype=bool)
        has[numbers] = True
        measure[numbers] = longest
        keep &= ~streaky | has
    # the best tier reached (tiers are best level first)
    rank = np.full(len(el), -1, dtype=np.int64)
    points = np.zeros(len(el), dtype=np.int64)
    for thr, t_rank, t_pts in reversed(s.tiers):
        reached = np.flatnonzero(measure >= thr[g_el])
        rank[reached] = t_rank[g_el[reached]]
        points[reached] = t_pts[g_el[reached]]
    keep &= rank >= 0
    kept = el[keep]
    lengths = g.lengths[kept]
    held = np.zeros(len(g.starts), dtype=bool)
    held[kept] = True
    return pa.table(
        {
            "enterprise_id": pa.array(g.eid[kept]),
            "element": pa.array(g_el[keep]),
            "dimension": pa.array(s.dimension[g_el[keep]]),
            "rank": pa.array(rank[keep]),
            "points": pa.array(points[keep]),
            "measure": pa.array(measure[keep]),
            "record_ids": _lists(rid[np.repeat(held, g.lengths)], lengths, pa.int64()),
        }
    )


def _dimensions(elements: pa.Table, s: Shape) -> pa.Table:
    eid = _ints(elements["enterprise_id"])
    dim = _ints(elements["dimension"])
    rank = _ints(elements["rank"])
    pts = _ints(elements["points"])
    n_dim = len(s.cap)
    order = np.argsort(_dense(eid) * n_dim + dim, kind="stable")  # elements: by enterprise
    eid, dim, rank, pts = eid[order], dim[order], rank[order], pts[order]
    starts = _starts(eid, dim)
    d_eid, d_dim = eid[starts], dim[starts]
    if len(starts):
        d_rank = np.minimum.reduceat(rank, starts)
        raw = np.add.reduceat(pts, starts)
    else:
        d_rank, raw = rank[:0], pts[:0]
    at = {
        r: (np.add.reduceat((rank <= r).astype(np.int64), starts) if len(starts) else raw)
        for r in sorted({u[2] for u in s.uplifts})
    }
    for u_dim, count, at_rank, to_rank in s.uplifts:
        lift = at[at_rank] >= count
        if u_dim >= 0:
            lift &= d_dim == u_dim
        d_rank = np.where(lift, np.minimum(d_rank, to_rank), d_rank)
    d_pts = np.minimum(raw, s.cap[d_dim])
    return pa.table(
        {
            "enterprise_id": pa.array(d_eid),
            "dimension": pa.array(d_dim),
            "rank": pa.array(d_rank.astype(np.int64)),
            "points": pa.array(d_pts.astype(np.int64)),
            "weighted": pa.array((d_pts * s.weight[d_dim]).astype(np.int64)),
        }
    )


def _gates(g: _Groups, rid: np.ndarray, s: Shape) -> tuple[pa.Table, pa.Table | None]:
    first = s.tags.first_gate
    at = np.flatnonzero(g.tag >= first)
    at = at[g.lengths[at] >= s.gate_min[g.tag[at] - first]]  # a gate fires at its min_count
    k_eid, k_no, count = g.eid[at], g.tag[at] - first, g.lengths[at]
    codes = pa.array(s.tags.gates, pa.string())
    names = codes.take(pa.array(k_no))
    gates = pa.table(
        {
            "enterprise_id": pa.array(k_eid),
            "gate": names,
            "record_ids": _lists(rid[_rows_of(g.starts[at], count)], count, pa.int64()),
        }
    )
    if not s.tags.gates:
        return gates, None
    # per enterprise: barred by any gate, the lowest cap, and the codes of the gates failed
    per = _starts(k_eid)
    n = _lengths(per, len(k_eid))
    if len(per):
        barred = np.maximum.reduceat(s.bars[k_no].astype(np.int64), per)
        cap = np.maximum.reduceat(s.caps[k_no], per)
    else:
        barred = cap = k_eid[:0]
    offsets = np.zeros(len(n) + 1, dtype=np.int32)
    np.cumsum(n, out=offsets[1:])
    effects = pa.table(
        {
            "enterprise_id": pa.array(k_eid[per]),
            "barred": pa.array(barred.astype(np.int64)),
            "cap_rank": pa.array(cap.astype(np.int64), mask=cap < 0),
            "gates_failed": pa.ListArray.from_arrays(pa.array(offsets), names),
        }
    )
    return gates, effects


def sort_hits(hits: pa.Table) -> pa.Table:
    """The rule matches ordered by :data:`HIT_COLUMNS_ORDER` (nulls last), as the fold needs.

    Each match's enterprise, tag, record and year, as offsets from their least values, fit one
    unsigned 64-bit word (at 20,000,000 enterprises: 25 + 7 + 27 + 5 bits): numpy sorts those
    words (a vectorised sort of one integer array) and they are split back into the columns.
    The year comes along in the low bits only so that no second array need follow a
    permutation: the (enterprise, tag, record) triple already decides the order. Written by
    hand because the engines' sorts (DuckDB's ``ORDER BY``, Arrow's ``sort_indices``) on three
    keys cost several times as much (docs/performance.md). Where the values do not fit, or an
    enterprise or record is null, Arrow sorts them (the same order)."""
    n = hits.num_rows
    eid_c, tag_c, rid_c, year_c = (hits[c] for c in ("enterprise_id", "tag", "record_id", "year"))
    if n == 0 or eid_c.null_count or tag_c.null_count or rid_c.null_count:
        return _sorted_by_arrow(hits)
    eid, tag, rid = _ints(eid_c), _ints(tag_c), _ints(rid_c)
    year = _ints(year_c)
    dated = np.asarray(pc.is_valid(year_c).to_numpy(zero_copy_only=False), dtype=bool)
    lows = [int(eid.min()), int(tag.min()), int(rid.min())]
    spans = [int(eid.max()) - lows[0], int(tag.max()) - lows[1], int(rid.max()) - lows[2]]
    y_low = int(year[dated].min()) if dated.any() else 0
    y_span = int(year[dated].max()) - y_low + 1 if dated.any() else 0  # 0: no year
    bits = [s.bit_length() for s in (*spans, y_span)]
    if sum(bits) > 64:
        return _sorted_by_arrow(hits)
    shifts = [sum(bits[i + 1 :]) for i in range(4)]
    key = np.zeros(n, dtype=np.uint64)
    for values, low, shift in zip((eid, tag, rid), lows, shifts, strict=False):
        key |= (values - low).astype(np.uint64) << np.uint64(shift)
    del eid, tag, rid
    key |= np.where(dated, year - y_low + 1, 0).astype(np.uint64)
    del year, dated
    key.sort()

    def field(i: int, low: int) -> np.ndarray:
        mask = np.uint64((1 << bits[i]) - 1)
        return ((key >> np.uint64(shifts[i])) & mask).astype(np.int64) + low

    y_code = field(3, 0)
    return pa.table(
        {
            "enterprise_id": pa.array(field(0, lows[0])),
            "record_id": pa.array(field(2, lows[2])),
            "year": pa.array(y_code + (y_low - 1), mask=y_code == 0),
            "tag": pa.array(field(1, lows[1])),
        }
    )


def _sorted_by_arrow(hits: pa.Table) -> pa.Table:
    keys = [(c, "ascending", "at_end") for c in HIT_COLUMNS_ORDER]  # nulls last, as DuckDB
    return hits.take(pc.sort_indices(hits, sort_keys=keys))


def fold_elements_and_gates(hits: pa.Table, s: Shape) -> tuple[pa.Table, pa.Table, pa.Table | None]:
    """(elements, gates, effects) of ``hits``: the rule matches, sorted by enterprise, tag and
    record, with no null enterprise or record."""
    eid = _ints(hits["enterprise_id"])
    groups = _Groups.of(eid, _ints(hits["tag"]), s.tags.width)
    del eid
    rid = _ints(hits["record_id"])
    elements = _elements(groups, rid, hits["year"], s)
    gates, effects = _gates(groups, rid, s)
    return elements, gates, effects


def fold_dimensions(elements: pa.Table, s: Shape) -> pa.Table:
    """Each enterprise's dimensions from the elements it holds (sorted by enterprise, dimension)."""
    return _dimensions(elements, s)
