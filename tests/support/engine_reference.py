"""The tests' oracle for :mod:`zhixin.engine.fold`: the same folds written as Ibis group-bys,
windows and joins (the engine's formulation before the numpy fold replaced it for speed).

``ibis_folds(hits, catalog, codes)`` gives the four tables the fold gives — elements, gates,
gate effects, dimensions — computed by the backend of ``hits``, sorted the same way.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from zhixin.catalog.schema import Catalog
from zhixin.engine.tags import Tags


def _int(value: int) -> ir.IntegerValue:
    return ibis.literal(value, type="int64")


def _measures(hits: ir.Table, catalog: Catalog, codes: Tags) -> ir.Table:
    """Per enterprise × element: the matching records (sorted ids) and the measure — their
    count, or the longest streak of consecutive years — less the elements an *unless* rule
    voids (written semantics: at least the *unless* rule's ``min_count`` matching records).

    One aggregation over the element and *unless* tags (an *unless* tag is counted with its
    element: the group is void if it has enough), so no anti-join with the voiding records.
    """
    n_el = codes.first_unless
    streak = [codes.element(e.code) for e in catalog.elements if e.rule.streak is not None]
    unless = [codes.unless(e.code) for e in catalog.elements if e.unless is not None]
    t = hits.filter(hits.tag < (codes.first_gate if unless else n_el))
    if unless:
        voids = t.tag >= n_el
        t = t.mutate(element=ibis.ifelse(voids, t.tag - n_el, t.tag), voids=voids)
    else:
        t = t.mutate(element=t.tag, voids=ibis.literal(False))
    match = ~t.voids
    agg = t.group_by(["enterprise_id", "element"]).aggregate(
        n=match.cast("int64").sum(),
        n_voids=t.voids.cast("int64").sum(),
        record_ids=t.record_id.collect(where=match).sort(),
    )
    by_code = {e.code: e for e in catalog.elements}
    need = [by_code[c].unless.min_count if by_code[c].unless else 1 for c in codes.elements]
    void_at = ibis.literal(need, type="array<int64>")[agg.element]
    agg = agg.filter((agg.n > 0) & (agg.n_voids < void_at))
    if not streak:
        return agg.select("enterprise_id", "element", "record_ids", measure=agg.n.cast("int64"))
    years = (
        t.filter(match & t.element.isin(streak) & t.year.notnull())
        .select("enterprise_id", "element", "year")
        .distinct()
    )
    rn = ibis.row_number().over(group_by=[years.enterprise_id, years.element], order_by=years.year)
    # row_number() starts at 0; only the difference matters for gaps-and-islands
    years = years.mutate(grp=years.year - rn)
    runs = years.group_by(["enterprise_id", "element", "grp"]).aggregate(run=years.year.count())
    longest = runs.group_by(["enterprise_id", "element"]).aggregate(
        streak=runs.run.max().cast("int64")
    )
    # only the streak elements' rows meet the streaks (an inner join: a streak element without
    # a dated record has no measure, and no row); the rest keep their count
    counted = agg.filter(~agg.element.isin(streak))
    counted = counted.select(
        "enterprise_id", "element", "record_ids", measure=counted.n.cast("int64")
    )
    j = agg.filter(agg.element.isin(streak)).join(longest, ["enterprise_id", "element"])
    streaks = j.select("enterprise_id", "element", "record_ids", measure=j.streak)
    return counted.union(streaks, distinct=False)


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


def _elements(hits: ir.Table, catalog: Catalog, codes: Tags) -> ir.Table:
    m = _measures(hits, catalog, codes)
    # the best tier reached: per element, its tiers best level first, so the first match wins
    by_element: dict[int, list[tuple[int, int, int]]] = {}
    for code, _dim, n, rank, points in sorted(_tiers(catalog), key=lambda t: t[3]):
        by_element.setdefault(codes.element(code), []).append((n, rank, points))
    # each element's tiers as constant arrays indexed by the element's number (one lookup a
    # row, not a branch for every element); an element with fewer tiers pads with a threshold
    # no measure reaches
    depth = max(len(tiers) for tiers in by_element.values())
    never = 2**62
    n_el = len(codes.elements)

    def column(p: int, at: int) -> ir.Value:
        """Tier ``p`` of each element: its threshold (``at`` 0), rank (1) or points (2)."""
        values = [
            (tiers[p][at] if p < len(tiers) else (never if at == 0 else 0))
            for tiers in (by_element.get(el, []) for el in range(n_el))
        ]
        return ibis.literal(values, type="array<int64>")[m.element]

    none = ibis.null().cast("int64")

    def best(at: int) -> ir.Value:
        return ibis.cases(
            *[(m.measure >= column(p, 0), column(p, at)) for p in range(depth)], else_=none
        )

    dimension_of = {e.code: codes.dimension(e.dimension) for e in catalog.elements}
    dims = [dimension_of[code] for code in codes.elements]
    dimension = ibis.literal(dims, type="array<int64>")[m.element]
    best_ = m.mutate(dimension=dimension, rank=best(1), points=best(2))
    return best_.filter(best_["rank"].notnull()).select(
        "enterprise_id", "element", "dimension", "rank", "points", "measure", "record_ids"
    )


def _dimensions(elements: ir.Table, catalog: Catalog, codes: Tags) -> ir.Table:
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
            cond = cond & (d.dimension == codes.dimension(u.dimension))
        rank = ibis.ifelse(cond, ibis.least(rank, catalog.level_rank(u.to_level)), rank)
    by_dim = [(d.dimension == codes.dimension(x.code), x) for x in catalog.dimensions]
    cap = ibis.cases(*[(c, _int(x.cap)) for c, x in by_dim])
    weight = ibis.cases(*[(c, _int(x.weight)) for c, x in by_dim])
    points = ibis.least(d.raw_points.cast("int64"), cap).cast("int64")
    return d.select(
        "enterprise_id",
        "dimension",
        rank=rank.cast("int64"),
        points=points,
        weighted=(points * weight).cast("int64"),
    )


def _gates(hits: ir.Table, catalog: Catalog, codes: Tags) -> ir.Table:
    first = codes.first_gate
    g = hits.filter(hits.tag >= first)
    gate = ibis.cases(*[(g.tag == first + i, ibis.literal(c)) for i, c in enumerate(codes.gates)])
    g = g.select("enterprise_id", "record_id", gate=gate)
    out = g.group_by(["enterprise_id", "gate"]).aggregate(
        record_ids=g.record_id.collect().sort(), n=g.record_id.count()
    )
    # a gate fires with at least its rule's min_count matching records
    need = ibis.cases(*[(out.gate == x.code, _int(x.rule.min_count)) for x in catalog.gates])
    return out.filter(out.n >= need).select("enterprise_id", "gate", "record_ids")


def _gate_effects(gates: ir.Table, catalog: Catalog) -> ir.Table:
    bars = [g.code for g in catalog.gates if g.effect == "bar"]
    caps = [(g.code, catalog.level_rank(g.cap_level)) for g in catalog.gates if g.cap_level]
    bar = ibis.ifelse(gates.gate.isin(bars), _int(1), _int(0)) if bars else _int(0)
    cap = (
        ibis.cases(*[(gates.gate == c, _int(r)) for c, r in caps], else_=ibis.null().cast("int64"))
        if caps
        else ibis.null().cast("int64")
    )
    j = gates.mutate(g_bar=bar, g_cap=cap)
    return j.group_by("enterprise_id").aggregate(
        barred=j.g_bar.max(), cap_rank=j.g_cap.max(), gates_failed=j.gate.collect().sort()
    )


def _sorted(table: ir.Table, keys: list[str]) -> pa.Table:
    """Fetched sorted by enterprise and then by code (integer tags sort as their codes do);
    the engine sorts in parallel."""
    return table.order_by(keys).to_pyarrow()


def ibis_folds(
    hits: ir.Table, catalog: Catalog, codes: Tags
) -> tuple[pa.Table, pa.Table, pa.Table | None, pa.Table]:
    """(elements, gates, effects, dimensions) of the rule matches ``hits``, by the backend."""
    elements = _elements(hits, catalog, codes).cache()
    if codes.gates:
        gates = _gates(hits, catalog, codes).cache()
        g = _sorted(gates, ["enterprise_id", "gate"])
        effects = _sorted(_gate_effects(gates, catalog), ["enterprise_id"])
    else:
        g = pa.table(
            {
                "enterprise_id": pa.array([], pa.int64()),
                "gate": pa.array([], pa.string()),
                "record_ids": pa.array([], pa.list_(pa.int64())),
            }
        )
        effects = None
    e = _sorted(elements, ["enterprise_id", "element"])
    d = _sorted(_dimensions(elements, catalog, codes), ["enterprise_id", "dimension"])
    return e, g, effects, d
