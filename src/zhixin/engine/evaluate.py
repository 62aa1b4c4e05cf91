"""The evaluation, written once with Ibis: records → elements → dimensions → results.

Set-based from end to end (filters, unions, group-bys, windows, joins); no Python loop over
enterprises. Levels travel as integer ranks (0 = best), points and scores as integers: the
total score is kept as hundredths (Σ dimension score × weight) and becomes a Decimal with two
places only when the Arrow output is built, so DuckDB and Spark give identical numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.catalog.schema import Catalog
from zhixin.engine.predicates import as_known, in_effect, normalise, rule_predicate

RESULT_SCHEMA = pa.schema(
    [
        ("enterprise_id", pa.int64()),
        ("total_score", pa.decimal128(12, 2)),
        ("overall_level", pa.string()),
        ("listed", pa.bool_()),
        ("entries", pa.int64()),
        ("gates_failed", pa.list_(pa.string())),
    ]
)
DIMENSION_SCHEMA = pa.schema(
    [
        ("enterprise_id", pa.int64()),
        ("dimension", pa.string()),
        ("level", pa.string()),
        ("points", pa.int64()),
        ("listed", pa.bool_()),
    ]
)
ELEMENT_SCHEMA = pa.schema(
    [
        ("enterprise_id", pa.int64()),
        ("element", pa.string()),
        ("level", pa.string()),
        ("points", pa.int64()),
        ("measure", pa.int64()),
        ("record_ids", pa.list_(pa.int64())),
    ]
)
GATE_SCHEMA = pa.schema(
    [
        ("enterprise_id", pa.int64()),
        ("gate", pa.string()),
        ("record_ids", pa.list_(pa.int64())),
    ]
)


@dataclass(frozen=True)
class EvaluationOutput:
    """Arrow tables, sorted by enterprise then code, with the schemas above."""

    results: pa.Table
    dimensions: pa.Table
    elements: pa.Table
    gates: pa.Table


def _union(parts: list[ir.Table]) -> ir.Table | None:
    if not parts:
        return None
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p, distinct=False)
    return out


def _tagged(base: ir.Table, tags: list[tuple[str, ir.BooleanValue]], *cols: str) -> ir.Table:
    """One scan: each record gets the codes of the rules it matches (an array, unnested).

    Cheaper than a union of one filter per rule, and it keeps the plan small enough for Spark.
    """
    codes = ibis.array(
        [ibis.ifelse(cond, ibis.literal(code), ibis.null().cast("string")) for code, cond in tags]
    )
    any_match = tags[0][1]
    for _code, cond in tags[1:]:
        any_match = any_match | cond
    t = base.filter(any_match).select(*cols, code=codes)
    t = t.select(*cols, code=t.code.unnest())
    return t.filter(t.code.notnull())


def _element_matches(base: ir.Table, catalog: Catalog, as_of: date) -> ir.Table:
    tags = [(e.code, rule_predicate(base, e.rule, as_of)) for e in catalog.elements]
    t = _tagged(base, tags, "enterprise_id", "record_id", "year")
    return t.rename(element="code")


def _measures(matches: ir.Table, base: ir.Table, catalog: Catalog, as_of: date) -> ir.Table:
    """Per enterprise × element: the count of matching records, or the longest streak."""
    streak = [e.code for e in catalog.elements if e.rule.streak is not None]
    counted = [e.code for e in catalog.elements if e.rule.streak is None]
    parts: list[ir.Table] = []
    if counted:
        m = matches.filter(matches.element.isin(counted))
        parts.append(
            m.group_by(["enterprise_id", "element"]).aggregate(measure=m.record_id.count())
        )
    if streak:
        years = (
            matches.filter(matches.element.isin(streak) & matches.year.notnull())
            .select("enterprise_id", "element", "year")
            .distinct()
        )
        rn = ibis.row_number().over(
            group_by=[years.enterprise_id, years.element], order_by=years.year
        )
        # row_number() starts at 0; only the difference matters for gaps-and-islands
        years = years.mutate(grp=years.year - rn)
        runs = years.group_by(["enterprise_id", "element", "grp"]).aggregate(run=years.year.count())
        parts.append(runs.group_by(["enterprise_id", "element"]).aggregate(measure=runs.run.max()))
    measures = _union(parts)
    assert measures is not None
    measures = measures.mutate(measure=measures.measure.cast("int64"))
    unless_tags = [
        (e.code, rule_predicate(base, e.unless, as_of))
        for e in catalog.elements
        if e.unless is not None
    ]
    if unless_tags:
        unless = _tagged(base, unless_tags, "enterprise_id").rename(element="code").distinct()
        measures = measures.anti_join(unless, ["enterprise_id", "element"])
    return measures


def _tiers(catalog: Catalog) -> list[tuple[str, str, int, int, int]]:
    """(element, dimension, min measure, level rank, points) for every way to hold an element."""
    out = []
    for e in catalog.elements:
        if e.tiers:
            for t in e.tiers:
                points = e.points if t.points is None else t.points
                out.append((e.code, e.dimension, t.min_count, catalog.level_rank(t.level), points))
        else:
            assert e.level is not None
            n = e.rule.streak.consecutive if e.rule.streak else e.rule.min_count
            out.append((e.code, e.dimension, n, catalog.level_rank(e.level), e.points))
    return out


def _lit(value: int) -> ir.Value:
    return ibis.literal(value, type="int64")


def _elements(base: ir.Table, catalog: Catalog, as_of: date) -> ir.Table:
    matches = _element_matches(base, catalog, as_of).cache()
    measures = _measures(matches, base, catalog, as_of)
    # the best tier reached: branches ordered best level first, so the first match wins
    tiers = sorted(_tiers(catalog), key=lambda t: t[3])
    m = measures
    reached = [
        ((m.element == code) & (m.measure >= n), (dim, rank, points))
        for code, dim, n, rank, points in tiers
    ]
    rank = ibis.cases(*[(c, _lit(v[1])) for c, v in reached], else_=ibis.null().cast("int64"))
    points = ibis.cases(*[(c, _lit(v[2])) for c, v in reached], else_=ibis.null().cast("int64"))
    dims = {e.code: e.dimension for e in catalog.elements}
    dimension = ibis.cases(*[(m.element == c, ibis.literal(d)) for c, d in dims.items()])
    best = m.mutate(dimension=dimension, rank=rank, points=points)
    best = best.filter(best["rank"].notnull())
    ids = matches.group_by(["enterprise_id", "element"]).aggregate(
        record_ids=matches.record_id.collect().sort()
    )
    return best.join(ids, ["enterprise_id", "element"]).select(
        "enterprise_id", "element", "dimension", "rank", "points", "measure", "record_ids"
    )


def _dimensions(elements: ir.Table, catalog: Catalog) -> ir.Table:
    at_ranks = sorted({catalog.level_rank(u.at_level) for u in catalog.uplifts})
    aggs: dict[str, ir.Value] = {
        "rank": elements["rank"].min(),
        "raw_points": elements.points.sum(),
    }
    for r in at_ranks:
        aggs[f"n_at_{r}"] = (elements["rank"] <= r).cast("int64").sum()
    d = elements.group_by(["enterprise_id", "dimension"]).aggregate(**aggs)
    rank = d["rank"]
    for u in catalog.uplifts:
        cond = d[f"n_at_{catalog.level_rank(u.at_level)}"] >= u.count
        if u.dimension is not None:
            cond = cond & (d.dimension == u.dimension)
        rank = ibis.ifelse(cond, ibis.least(rank, catalog.level_rank(u.to_level)), rank)
    cap = ibis.cases(*[(d.dimension == x.code, _lit(x.cap)) for x in catalog.dimensions])
    weight = ibis.cases(*[(d.dimension == x.code, _lit(x.weight)) for x in catalog.dimensions])
    points = ibis.least(d.raw_points.cast("int64"), cap).cast("int64")
    return d.select(
        "enterprise_id",
        "dimension",
        rank=rank.cast("int64"),
        points=points,
        weighted=(points * weight).cast("int64"),
    )


def _gates(base: ir.Table, catalog: Catalog, as_of: date) -> ir.Table | None:
    tags = []
    for g in catalog.gates:
        cond = rule_predicate(base, g.rule, as_of)
        if g.honour_repair:
            cond = cond & in_effect(base, as_of)
        tags.append((g.code, cond))
    if not tags:
        return None
    hits = _tagged(base, tags, "enterprise_id", "record_id").rename(gate="code")
    return hits.group_by(["enterprise_id", "gate"]).aggregate(
        record_ids=hits.record_id.collect().sort()
    )


def _gate_effects(gates: ir.Table, catalog: Catalog) -> ir.Table:
    bars = [g.code for g in catalog.gates if g.effect == "bar"]
    caps = [(g.code, catalog.level_rank(g.cap_level)) for g in catalog.gates if g.cap_level]
    bar = ibis.ifelse(gates.gate.isin(bars), _lit(1), _lit(0)) if bars else _lit(0)
    cap = (
        ibis.cases(*[(gates.gate == c, _lit(r)) for c, r in caps], else_=ibis.null().cast("int64"))
        if caps
        else ibis.null().cast("int64")
    )
    j = gates.mutate(g_bar=bar, g_cap=cap)
    return j.group_by("enterprise_id").aggregate(
        barred=j.g_bar.max(), cap_rank=j.g_cap.max(), gates_failed=j.gate.collect().sort()
    )


def _results(
    enterprises: ir.Table, dims: ir.Table, effects: ir.Table | None, catalog: Catalog
) -> tuple[ir.Table, ir.Table]:
    wl = [catalog.level_rank(c) for c in catalog.whitelist_levels]
    need = sorted(
        {catalog.level_rank(o.dimension_level) for o in catalog.overall if o.dimension_level}
    )
    aggs: dict[str, ir.Value] = {"total_x100": dims.weighted.sum().cast("int64")}
    for r in need:
        aggs[f"d_at_{r}"] = (dims["rank"] <= r).cast("int64").sum()
    per = dims.group_by("enterprise_id").aggregate(**aggs)
    ents = enterprises.select(e_id=enterprises.enterprise_id.cast("int64"))
    t = ents.left_join(per, ents.e_id == per.enterprise_id).drop("enterprise_id")
    if effects is not None:
        t = t.left_join(effects, t.e_id == effects.enterprise_id).drop("enterprise_id")
    else:
        t = t.mutate(
            barred=ibis.null().cast("int64"),
            cap_rank=ibis.null().cast("int64"),
            gates_failed=ibis.null().cast("array<string>"),
        )
    total = t.total_x100.fill_null(0)
    branches = []
    for o in catalog.overall:
        cond = total >= o.min_score * 100
        if o.min_dimensions and o.dimension_level is not None:
            n = t[f"d_at_{catalog.level_rank(o.dimension_level)}"].fill_null(0)
            cond = cond & (n >= o.min_dimensions)
        branches.append((cond, ibis.literal(catalog.level_rank(o.level), type="int64")))
    overall = (
        ibis.cases(*branches, else_=ibis.null().cast("int64"))
        if branches
        else ibis.null().cast("int64")
    )
    overall = ibis.ifelse(
        t.cap_rank.notnull() & overall.notnull(), ibis.greatest(overall, t.cap_rank), overall
    )
    barred = t.barred.fill_null(0) == 1
    t = t.mutate(total_x100=total, overall_rank=overall.cast("int64"), is_barred=barred)
    dl = dims.join(t.select("e_id", "is_barred"), dims.enterprise_id == t.e_id)
    dl = dl.mutate(listed=dl["rank"].isin(wl) & ~dl.is_barred)
    entries = dl.group_by("enterprise_id").aggregate(entries=dl.listed.cast("int64").sum())
    t = t.left_join(entries, t.e_id == entries.enterprise_id).drop("enterprise_id")
    n = t.entries.fill_null(0).cast("int64")
    results = t.select(
        enterprise_id="e_id",
        total_x100="total_x100",
        overall_rank="overall_rank",
        listed=(n > 0),
        entries=n,
        gates_failed="gates_failed",
    )
    return results, dl.select("enterprise_id", "dimension", "rank", "points", "listed")


def _levels(ranks: pa.ChunkedArray | pa.Array, catalog: Catalog) -> pa.Array:
    codes = pa.array([lv.code for lv in catalog.levels], pa.string())
    return codes.take(pc.cast(ranks, pa.int32()))


def _hundredths(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Integer hundredths as decimal128(12, 2), built from the unscaled buffer (exact)."""
    arr = np.asarray(pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    words = np.empty((len(arr), 2), dtype=np.int64)
    words[:, 0] = arr
    words[:, 1] = np.where(arr < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(arr), [None, pa.py_buffer(words)])


def _finish(table: pa.Table, schema: pa.Schema, sort: list[str]) -> pa.Table:
    table = table.select(schema.names).cast(schema)
    return table.sort_by([(c, "ascending") for c in sort]).combine_chunks()


def evaluate(
    records: ir.Table,
    enterprises: ir.Table,
    catalog: Catalog,
    *,
    as_of: date,
    known_at: datetime | None = None,
    enterprise_ids: Sequence[int] | None = None,
) -> EvaluationOutput:
    """Evaluate every enterprise in ``enterprises`` (or only ``enterprise_ids``) as of a date.

    ``records`` needs the columns of :data:`zhixin.engine.predicates.RECORD_COLUMNS` (the synth
    and export layout; absent ``repaired_on`` / ``superseded_at`` are read as null).
    """
    base = normalise(records)
    if enterprise_ids is not None:
        ids = [int(i) for i in enterprise_ids]
        base = base.filter(base.enterprise_id.isin(ids))
        enterprises = enterprises.filter(enterprises.enterprise_id.isin(ids))
    base = as_known(base, as_of=as_of, known_at=known_at).cache()
    elements = _elements(base, catalog, as_of).cache()
    dims = _dimensions(elements, catalog).cache()
    gates = _gates(base, catalog, as_of)
    gates = gates.cache() if gates is not None else None
    effects = _gate_effects(gates, catalog) if gates is not None else None
    results, dim_out = _results(enterprises, dims, effects, catalog)

    r = results.to_pyarrow()
    r = r.set_column(
        r.schema.get_field_index("total_x100"), "total_score", _hundredths(r["total_x100"])
    )
    r = r.set_column(
        r.schema.get_field_index("overall_rank"),
        "overall_level",
        _levels(r["overall_rank"], catalog),
    )
    gf = r["gates_failed"].cast(pa.list_(pa.string()))
    empty = pa.scalar([], pa.list_(pa.string()))
    r = r.set_column(
        r.schema.get_field_index("gates_failed"),
        "gates_failed",
        pc.if_else(pc.is_null(gf), empty, gf),
    )
    d = dim_out.to_pyarrow()
    d = d.set_column(d.schema.get_field_index("rank"), "level", _levels(d["rank"], catalog))
    e = elements.to_pyarrow()
    e = e.set_column(e.schema.get_field_index("rank"), "level", _levels(e["rank"], catalog))
    g = (
        gates.to_pyarrow()
        if gates is not None
        else pa.table({"enterprise_id": [], "gate": [], "record_ids": []}, schema=GATE_SCHEMA)
    )
    return EvaluationOutput(
        results=_finish(r, RESULT_SCHEMA, ["enterprise_id"]),
        dimensions=_finish(d, DIMENSION_SCHEMA, ["enterprise_id", "dimension"]),
        elements=_finish(e, ELEMENT_SCHEMA, ["enterprise_id", "element"]),
        gates=_finish(g, GATE_SCHEMA, ["enterprise_id", "gate"]),
    )
