"""The evaluation: records → rule matches (Ibis, on DuckDB or Spark) → elements, dimensions
and gates (:mod:`zhixin.engine.fold`) → results (:mod:`zhixin.engine.results`).

The work on the records is set-based and written once with Ibis: one scan, a hash join with
the small table of rules, one filter; no Python loop over enterprises. Its output, the rule
matches (about one row for each enterprise), is fetched once and sorted by enterprise, rule
and record (in numpy: :func:`zhixin.engine.fold.sort_hits`), and the folds that follow are
vectorised numpy over those sorted runs — the same code after either backend, so DuckDB and
Spark end identically, and no group-by over millions of groups in
the engine. Levels travel as integer ranks (0 = best), points and scores as integers: the total
score is kept as hundredths (Σ dimension score × weight) and becomes a Decimal with two places
only when the Arrow output is built.

The folds written as Ibis group-bys are the tests' oracle (``tests/support/engine_reference.py``):
the two agree on every catalog."""

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
from zhixin.engine import fold, memory, results, rule_keys
from zhixin.engine.predicates import as_known, conjunction, in_effect, normalise, rule_conditions
from zhixin.engine.tags import Tags

RESULT_SCHEMA = pa.schema(
    [
        ("enterprise_id", pa.int64()),
        ("total_score", pa.decimal128(12, 2)),
        ("overall_level", pa.string()),
        ("listed", pa.bool_()),
        ("vetoed", pa.bool_()),  # a bar gate failed: no overall class (shown as 否决)
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


def _rules(catalog: Catalog, tags: Tags) -> list[tuple[int, Rule, bool]]:
    """(tag, rule, honour repair) for every element, *unless* and gate rule.

    A credit repair dated on or before the as-of date lifts an *unless* void as it lifts a
    gate: a repaired negative record has no effect anywhere (records.rules ``in_force``)."""
    out: list[tuple[int, Rule, bool]] = []
    for e in catalog.elements:
        out.append((tags.element(e.code), e.rule, False))
        if e.unless is not None:
            out.append((tags.unless(e.code), e.unless, True))
    out += [(tags.gate(g.code), g.rule, g.honour_repair) for g in catalog.gates]
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


def match_rules(
    base: ir.Table,
    catalog: Catalog,
    tags: Tags,
    as_of: date,
    *,
    pairs: Sequence[rule_keys.Pair] | None = None,
) -> ir.Table:
    """One scan of the records: the tags of the element, *unless* and gate rules each matches
    — (enterprise_id, record_id, year, tag), one row per record and rule matched.

    A hash join with the small table of rules, on the record's kind and subtype, brings each
    record only the rules that could match it (a kind with a rule open to every subtype joins
    on the kind alone, and its rules test the subtype afterwards). With ``pairs`` (a snapshot's
    rule keys, :mod:`zhixin.engine.rule_keys`; ``base`` then has ``rule_key``) the join is on
    that one integer instead: each rule joins the keys of the (kind, subtype) pairs it admits,
    and the two strings are never read. The rest of a rule's tests (other columns, validity,
    window, credit repair) are then one test a row, picked by the rule's *residual*: the
    distinct sets of remaining tests are few, and rules that share one share its number. Only
    the columns the rules read are ever decoded.
    """
    if pairs is not None:
        return _match_on_keys(base, catalog, tags, as_of, pairs)
    rules = _rules(catalog, tags)
    # the kinds with a rule open to every subtype join on the kind alone ('' as the key)
    open_kinds = sorted({r.kind for _t, r, _h in rules if "subtype" not in r.where})
    t = base
    if open_kinds:
        t = t.mutate(key=ibis.ifelse(t.kind.isin(open_kinds), ibis.literal(""), t.subtype))
    else:
        t = t.mutate(key=t.subtype)
    residuals = _Residuals()

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
        number = residuals.number(conds)
        for key in keys:
            for column, value in (("r_kind", rule.kind), ("r_key", key), ("tag", tag)):
                table[column][1].append(value)
            table["resid"][1].append(number)
    rule_table = _constant_table(base, table)
    j = t.join(rule_table, [t.kind == rule_table.r_kind, t.key == rule_table.r_key])
    return j.filter(residuals.passes(j)).select("enterprise_id", "record_id", "year", "tag")


class _Residuals:
    """The distinct sets of a rule's remaining tests, numbered."""

    def __init__(self) -> None:
        self.sets: list[list[ir.BooleanValue]] = []

    def number(self, conds: list[ir.BooleanValue]) -> int:
        for i, known in enumerate(self.sets):
            if len(known) == len(conds) and all(any(c.equals(k) for k in known) for c in conds):
                return i
        self.sets.append(conds)
        return len(self.sets) - 1

    def passes(self, j: ir.Table) -> ir.BooleanValue:
        """Whether a joined row passes its rule's residual (numbered ``resid``)."""
        return ibis.cases(
            *[(j.resid == i, conjunction(conds)) for i, conds in enumerate(self.sets)],
            else_=ibis.literal(False),
        )


def _match_on_keys(
    base: ir.Table, catalog: Catalog, tags: Tags, as_of: date, pairs: Sequence[rule_keys.Pair]
) -> ir.Table:
    """:func:`match_rules` joined on the snapshot's rule key (an integer) rather than on the
    kind and subtype strings: a rule admits the keys of its kind's pairs (with one of its
    subtypes, when it names any), so neither its kind nor its subtype is tested again."""
    # the join's side is an expression of its own, not ``base`` itself, from which the rule
    # table is derived: one expression read twice becomes a CTE, which DuckDB materialises
    # (every record, in memory)
    t = base.mutate(key=base.rule_key)
    residuals = _Residuals()
    table: dict[str, tuple[str, list[Any]]] = {
        "r_key": ("int32", []),
        "tag": ("int64", []),
        "resid": ("int64", []),
    }
    for tag, rule, honour_repair in _rules(catalog, tags):
        where = {c: v for c, v in rule.where.items() if c != "subtype"}
        conds = rule_conditions(t, rule.model_copy(update={"where": where}), as_of, kind=False)
        if honour_repair:
            conds.append(in_effect(t, as_of))
        number = residuals.number(conds)
        for key in rule_keys.keys_of_rule(pairs, rule.kind, rule.where.get("subtype")):
            table["r_key"][1].append(key)
            table["tag"][1].append(tag)
            table["resid"][1].append(number)
    rule_table = _constant_table(base, table)
    j = t.join(rule_table, t.key == rule_table.r_key)
    return j.filter(residuals.passes(j)).select("enterprise_id", "record_id", "year", "tag")


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
    pairs: Sequence[rule_keys.Pair] | None = None,
) -> EvaluationOutput:
    """Evaluate every enterprise in ``enterprises`` (or only ``enterprise_ids``) as of a date.

    ``records`` needs the columns of :data:`zhixin.engine.predicates.RECORD_COLUMNS` (the synth
    and export layout; absent ``repaired_on`` / ``superseded_at`` are read as null). The records
    are scanned once; the rule matches are fetched once, then sorted and folded in numpy.

    ``on_table(name, table)``, when given, receives each of the four output tables as soon as
    it is final (``elements`` and ``gates`` first), so a caller can write them while the rest
    is computed. ``pairs``: the records' rule keys (a snapshot's, ``Inputs.rule_keys``; the
    records then have ``rule_key``), matched on instead of the kind and subtype strings.
    """
    with memory.large_arrays():
        return _evaluate(
            records,
            enterprises,
            catalog,
            as_of=as_of,
            known_at=known_at,
            enterprise_ids=enterprise_ids,
            on_table=on_table,
            pairs=pairs,
        )


def _evaluate(
    records: ir.Table,
    enterprises: ir.Table,
    catalog: Catalog,
    *,
    as_of: date,
    known_at: datetime | None,
    enterprise_ids: Sequence[int] | None,
    on_table: Callable[[str, pa.Table], None] | None,
    pairs: Sequence[rule_keys.Pair] | None,
) -> EvaluationOutput:
    tags = Tags.of(catalog)
    base = normalise(records, rule_key=pairs is not None)
    if enterprise_ids is not None:
        ids = [int(i) for i in enterprise_ids]
        base = base.filter(base.enterprise_id.isin(ids))
        enterprises = enterprises.filter(enterprises.enterprise_id.isin(ids))
    base = as_known(base, as_of=as_of, known_at=known_at)
    hits = match_rules(base, catalog, tags, as_of, pairs=pairs)
    hits = hits.filter(hits.enterprise_id.notnull())
    # the one fetch of the engine's work: the rule matches, unordered, then sorted in numpy
    # (cheaper than the engine's sort on three keys); the rest is the fold's (numpy, the same
    # for every backend)
    matched = fold.sort_hits(hits.to_pyarrow())
    shape = fold.shape(catalog, tags)
    elements, gates, effects = fold.fold_elements_and_gates(matched, shape)
    del matched

    e = elements.set_column(
        elements.schema.get_field_index("rank"), "level", results.levels(elements["rank"], catalog)
    )
    e = e.set_column(
        e.schema.get_field_index("element"), "element", results.names(e["element"], tags.elements)
    )
    e = _finish(e, ELEMENT_SCHEMA)
    g = _finish(gates, GATE_SCHEMA)
    if on_table is not None:
        on_table("elements", e)
        on_table("gates", g)

    d = fold.fold_dimensions(elements, shape)
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
        results.names(d["dimension"], tags.dimensions),
    )
    r, d = _finish(r, RESULT_SCHEMA), _finish(d, DIMENSION_SCHEMA)
    if on_table is not None:
        on_table("dimensions", d)
        on_table("results", r)
    return EvaluationOutput(results=r, dimensions=d, elements=e, gates=g)
