"""The evaluation, written once with Ibis: records → elements → dimensions → results.

Set-based from end to end (filters, unions, group-bys, windows, joins); no Python loop over
enterprises. The last, cheap step — each enterprise's total, overall class and listing from its
dimensions and gates — runs on the fetched Arrow tables (vectorised numpy), so the engine never
joins every enterprise. Levels travel as integer ranks (0 = best), points and scores as
integers: the total score is kept as hundredths (Σ dimension score × weight) and becomes a
Decimal with two places only when the Arrow output is built, so DuckDB and Spark give identical
numbers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from zhixin.catalog.schema import Catalog, Rule
from zhixin.engine import results
from zhixin.engine.predicates import as_known, conjunction, in_effect, normalise, rule_conditions

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


def _int(value: int) -> ir.IntegerValue:
    return ibis.literal(value, type="int64")


@dataclass(frozen=True)
class _Codes:
    """Integer tags for the codes, numbered in the order of the codes themselves, so sorting by
    the number sorts by the code; strings come back only when the Arrow output is built.

    Tags: element ``i`` is ``i``, its *unless* rule ``E + i``, gate ``j`` is ``2E + j``.
    """

    elements: list[str]
    dimensions: list[str]
    gates: list[str]

    @classmethod
    def of(cls, catalog: Catalog) -> _Codes:
        return cls(
            sorted(e.code for e in catalog.elements),
            sorted(d.code for d in catalog.dimensions),
            sorted(g.code for g in catalog.gates),
        )

    def element(self, code: str) -> int:
        return self.elements.index(code)

    def unless(self, code: str) -> int:
        return len(self.elements) + self.elements.index(code)

    def gate(self, code: str) -> int:
        return 2 * len(self.elements) + self.gates.index(code)

    def dimension(self, code: str) -> int:
        return self.dimensions.index(code)


def _rules(catalog: Catalog, codes: _Codes) -> list[tuple[int, Rule, bool]]:
    """(tag, rule, honour repair) for every element, *unless* and gate rule."""
    out: list[tuple[int, Rule, bool]] = []
    for e in catalog.elements:
        out.append((codes.element(e.code), e.rule, False))
        if e.unless is not None:
            out.append((codes.unless(e.code), e.unless, False))
    out += [(codes.gate(g.code), g.rule, g.honour_repair) for g in catalog.gates]
    return out


def _constant_table(source: ir.Table, columns: dict[str, tuple[str, list[Any]]]) -> ir.Table:
    """A small table of constants (column → (type, values)), derived from one row of
    ``source`` (no memtable: Ibis on Spark does not register those for a cached expression).
    Empty when ``source`` is, which is harmless here: no records, no matches."""
    names = list(columns)
    values = [v for _type, v in columns.values()]
    rows = [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]
    struct = ", ".join(f"{n}: {dtype}" for n, (dtype, _v) in columns.items())
    spec = ibis.literal(rows, type=f"array<struct<{struct}>>")
    one = source.limit(1).select(spec=spec)
    one = one.select(row=one.spec.unnest())
    return one.select(**{n: one.row[n] for n in names})


def _tags(base: ir.Table, catalog: Catalog, codes: _Codes, as_of: date) -> ir.Table:
    """One scan of the records: the tags of the element, *unless* and gate rules each matches
    — (enterprise_id, record_id, year, tag), one row per record and rule matched.

    A hash join with the small table of rules, on the record's kind and subtype, brings each
    record only the rules that could match it (a kind with a rule open to every subtype joins
    on the kind alone, and its rules test the subtype afterwards). The rest of a rule's tests
    (other columns, validity, window, credit repair) are then one test a row, picked by the
    rule's *residual*: the distinct sets of remaining tests are few, and rules that share one
    share its number. Only the columns the rules read are ever decoded.
    """
    rules = _rules(catalog, codes)
    # the kinds with a rule open to every subtype join on the kind alone ('' as the key)
    open_kinds = sorted({r.kind for _t, r, _h in rules if "subtype" not in r.where})
    t = base
    if open_kinds:
        t = t.mutate(key=ibis.ifelse(t.kind.isin(open_kinds), ibis.literal(""), t.subtype))
    else:
        t = t.mutate(key=t.subtype)
    residuals: list[list[ir.BooleanValue]] = []

    def residual(conds: list[ir.BooleanValue]) -> int:
        for i, known in enumerate(residuals):
            if len(known) == len(conds) and all(any(c.equals(k) for k in known) for c in conds):
                return i
        residuals.append(conds)
        return len(residuals) - 1

    table: dict[str, tuple[str, list[Any]]] = {
        "r_kind": ("string", []),
        "r_key": ("string", []),
        "tag": ("int64", []),
        "resid": ("int64", []),
    }
    for tag, rule, honour_repair in rules:
        conds = rule_conditions(t, rule, as_of, kind=False)
        if honour_repair:
            conds.append(in_effect(t, as_of))
        if rule.kind in open_kinds:
            keys = [""]
        else:  # the join tests the subtype
            keys = sorted({str(v) for v in rule.where["subtype"]})
            by_key = t.subtype.isin(list(rule.where["subtype"]))
            conds = [c for c in conds if not c.equals(by_key)]
        number = residual(conds)
        for key in keys:
            for column, value in (("r_kind", rule.kind), ("r_key", key), ("tag", tag)):
                table[column][1].append(value)
            table["resid"][1].append(number)
    rule_table = _constant_table(base, table)
    j = t.join(rule_table, [t.kind == rule_table.r_kind, t.key == rule_table.r_key])
    passes = ibis.cases(
        *[(j.resid == i, conjunction(conds)) for i, conds in enumerate(residuals)],
        else_=ibis.literal(False),
    )
    return j.filter(passes).select("enterprise_id", "record_id", "year", "tag")


def _measures(hits: ir.Table, catalog: Catalog, codes: _Codes) -> ir.Table:
    """Per enterprise × element: the matching records (sorted ids) and the measure — their
    count, or the longest streak of consecutive years — less the elements an *unless* rule
    voids.

    One aggregation over the element and *unless* tags (an *unless* tag is counted with its
    element: the group is void if it has one), so no anti-join with the voiding records.
    """
    n_el = len(codes.elements)
    streak = [codes.element(e.code) for e in catalog.elements if e.rule.streak is not None]
    unless = [codes.unless(e.code) for e in catalog.elements if e.unless is not None]
    t = hits.filter(hits.tag < (2 * n_el if unless else n_el))
    if unless:
        voids = t.tag >= n_el
        t = t.mutate(element=ibis.ifelse(voids, t.tag - n_el, t.tag), voids=voids)
    else:
        t = t.mutate(element=t.tag, voids=ibis.literal(False))
    match = ~t.voids
    agg = t.group_by(["enterprise_id", "element"]).aggregate(
        n=match.cast("int64").sum(),
        voided=t.voids.any(),
        record_ids=t.record_id.collect(where=match).sort(),
    )
    agg = agg.filter((agg.n > 0) & ~agg.voided)
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


def _elements(hits: ir.Table, catalog: Catalog, codes: _Codes) -> ir.Table:
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


def _dimensions(elements: ir.Table, catalog: Catalog, codes: _Codes) -> ir.Table:
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


def _gates(hits: ir.Table, codes: _Codes) -> ir.Table:
    first = 2 * len(codes.elements)
    g = hits.filter(hits.tag >= first)
    gate = ibis.cases(*[(g.tag == first + i, ibis.literal(c)) for i, c in enumerate(codes.gates)])
    g = g.select("enterprise_id", "record_id", gate=gate)
    return g.group_by(["enterprise_id", "gate"]).aggregate(record_ids=g.record_id.collect().sort())


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


def _finish(table: pa.Table, schema: pa.Schema) -> pa.Table:
    return table.select(schema.names).cast(schema)


def evaluate(
    records: ir.Table,
    enterprises: ir.Table,
    catalog: Catalog,
    *,
    as_of: date,
    known_at: datetime | None = None,
    enterprise_ids: Sequence[int] | None = None,
    on_table: Callable[[str, pa.Table], None] | None = None,
) -> EvaluationOutput:
    """Evaluate every enterprise in ``enterprises`` (or only ``enterprise_ids``) as of a date.

    ``records`` needs the columns of :data:`zhixin.engine.predicates.RECORD_COLUMNS` (the synth
    and export layout; absent ``repaired_on`` / ``superseded_at`` are read as null). The records
    are scanned once; only the (small) table of rule matches is cached.

    ``on_table(name, table)``, when given, receives each of the four output tables as soon as
    it is final (``elements`` and ``gates`` first), so a caller can write them while the rest
    is computed.
    """
    codes = _Codes.of(catalog)
    base = normalise(records)
    if enterprise_ids is not None:
        ids = [int(i) for i in enterprise_ids]
        base = base.filter(base.enterprise_id.isin(ids))
        enterprises = enterprises.filter(enterprises.enterprise_id.isin(ids))
    base = as_known(base, as_of=as_of, known_at=known_at)
    hits = _tags(base, catalog, codes, as_of).cache()
    elements = _elements(hits, catalog, codes).cache()
    gates = _gates(hits, codes).cache() if codes.gates else None

    e = _sorted(elements, ["enterprise_id", "element"])
    e = e.set_column(e.schema.get_field_index("rank"), "level", results.levels(e["rank"], catalog))
    e = e.set_column(
        e.schema.get_field_index("element"), "element", results.names(e["element"], codes.elements)
    )
    e = _finish(e, ELEMENT_SCHEMA)
    g = (
        _finish(_sorted(gates, ["enterprise_id", "gate"]), GATE_SCHEMA)
        if gates is not None
        else pa.table({"enterprise_id": [], "gate": [], "record_ids": []}, schema=GATE_SCHEMA)
    )
    if on_table is not None:
        on_table("elements", e)
        on_table("gates", g)

    effects = (
        _sorted(_gate_effects(gates, catalog), ["enterprise_id"]) if gates is not None else None
    )
    d = _sorted(_dimensions(elements, catalog, codes), ["enterprise_id", "dimension"])
    ent_ids = enterprises.select(enterprise_id=enterprises.enterprise_id.cast("int64"))
    r, d = results.per_enterprise(ent_ids.to_pyarrow()["enterprise_id"], d, effects, catalog)

    r = r.set_column(
        r.schema.get_field_index("total_x100"), "total_score", results.hundredths(r["total_x100"])
    )
    r = r.set_column(
        r.schema.get_field_index("overall_rank"),
        "overall_level",
        results.levels(r["overall_rank"], catalog),
    )
    gf = r["gates_failed"].cast(pa.list_(pa.string()))
    if gf.null_count:
        empty = pa.scalar([], pa.list_(pa.string()))
        r = r.set_column(
            r.schema.get_field_index("gates_failed"),
            "gates_failed",
            pc.if_else(pc.is_null(gf), empty, gf),
        )
    d = d.set_column(d.schema.get_field_index("rank"), "level", results.levels(d["rank"], catalog))
    d = d.set_column(
        d.schema.get_field_index("dimension"),
        "dimension",
        results.names(d["dimension"], codes.dimensions),
    )
    r, d = _finish(r, RESULT_SCHEMA), _finish(d, DIMENSION_SCHEMA)
    if on_table is not None:
        on_table("dimensions", d)
        on_table("results", r)
    return EvaluationOutput(results=r, dimensions=d, elements=e, gates=g)
