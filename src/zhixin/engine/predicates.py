"""Catalog rules as Ibis predicates over the quality-record table (pure; no storage).

Window edges are computed here in Python (dates and years are literals), so no engine date
arithmetic is needed and DuckDB and Spark see the same query.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from zhixin.catalog.schema import Catalog, Rule, Window

RECORD_COLUMNS: dict[str, str] = {
    "record_id": "int64",
    "enterprise_id": "int64",
    "kind": "string",
    "subtype": "string",
    "ref": "string",
    "title": "string",
    "level": "string",
    "status": "string",
    "issuer": "string",
    "event_date": "date",
    "valid_from": "date",
    "valid_to": "date",
    "year": "int64",
    "rank": "int64",
    "passed": "boolean",
    "flag": "boolean",
    "repaired_on": "date",
    "known_at": "timestamp('UTC')",
    "superseded_at": "timestamp('UTC')",
}
BOOL_COLUMNS = frozenset({"passed", "flag"})


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def window_bounds(window: Window, as_of: date) -> tuple[Any, Any]:
    """(exclusive lower, inclusive upper) for dates; (inclusive, inclusive) for years."""
    if window.on == "year":
        years = window.years or 1
        return as_of.year - years + 1, as_of.year
    if window.years is not None:
        return years_before(as_of, window.years), as_of
    return as_of - timedelta(days=window.days or 0), as_of


def normalise(records: ir.Table, *, rule_key: bool = False) -> ir.Table:
    """The columns the engine reads, with their types; absent ones (e.g. in a synth snapshot,
    ``repaired_on`` and ``superseded_at``) become typed nulls. ``rule_key``: keep the
    snapshot's rule key too (:mod:`zhixin.engine.rule_keys`)."""
    cols = {}
    for name, dtype in RECORD_COLUMNS.items():
        if name in records.columns:
            cols[name] = records[name].cast(dtype)
        else:
            cols[name] = ibis.null().cast(dtype)
    if rule_key:
        cols["rule_key"] = records["rule_key"].cast("int32")
    return records.select(**cols)


def rule_columns(catalog: Catalog, *, rule_key: bool = False) -> list[str]:
    """The record columns an evaluation with ``catalog`` reads (in :data:`RECORD_COLUMNS` order),
    ``known_at`` aside (read only for an evaluation as known at a past moment). ``rule_key``:
    matched on a snapshot's rule keys, which replace ``kind`` and ``subtype`` (last)."""
    used = {"record_id", "enterprise_id", "kind", "event_date", "valid_from", "year"}
    used.add("superseded_at")  # as_known: current versions only
    rules = [e.rule for e in catalog.elements] + [e.unless for e in catalog.elements if e.unless]
    rules += [g.rule for g in catalog.gates]
    for rule in rules:
        used.update(rule.where)
        if rule.valid_on_as_of:
            used.update(("valid_from", "valid_to"))
        if rule.window is not None:
            used.add(rule.window.on)
    if any(g.honour_repair for g in catalog.gates) or any(e.unless for e in catalog.elements):
        used.add("repaired_on")
    if rule_key:
        return [c for c in RECORD_COLUMNS if c in used - {"kind", "subtype"}] + ["rule_key"]
    return [c for c in RECORD_COLUMNS if c in used]


def as_known(records: ir.Table, *, as_of: date, known_at: datetime | None) -> ir.Table:
    """The versions in force for the evaluation, dated no later than the as-of date.

    Without ``known_at``: current versions only. With it: what the platform knew then — known
    no later than ``known_at`` and not yet superseded at that moment.
    """
    t = records
    if known_at is None:
        t = t.filter(t.superseded_at.isnull())
    else:
        k = ibis.literal(known_at, type="timestamp('UTC')")
        t = t.filter(t.known_at <= k, t.superseded_at.isnull() | (t.superseded_at > k))
    return t.filter(
        _or_null(t.event_date, as_of) <= as_of,
        _or_null(t.valid_from, as_of) <= as_of,
        _or_null(t.year, as_of.year) <= as_of.year,
    )


def _or_null(column: ir.Value, passing: Any) -> ir.Value:
    """``column``, or where it is null a value that passes the test (``x IS NULL OR x <= d``
    as ``coalesce(x, d) <= d``: the same rows, and a cheaper filter for a Parquet scan)."""
    return ibis.coalesce(column, ibis.literal(passing, type=column.type()))


def rule_predicate(t: ir.Table, rule: Rule, as_of: date, *, kind: bool = True) -> ir.BooleanValue:
    """The rule as a predicate; ``kind=False`` leaves out the test of the record kind (for a
    caller that has already branched on it)."""
    return conjunction(rule_conditions(t, rule, as_of, kind=kind))


def conjunction(conds: list[ir.BooleanValue]) -> ir.BooleanValue:
    if not conds:
        return ibis.literal(True)
    out = conds[0]
    for c in conds[1:]:
        out = out & c
    return out


def rule_conditions(
    t: ir.Table, rule: Rule, as_of: date, *, kind: bool = True
) -> list[ir.BooleanValue]:
    """The tests of :func:`rule_predicate`, each on its own (all must hold)."""
    conds: list[ir.BooleanValue] = [t.kind == rule.kind] if kind else []
    for column, values in rule.where.items():
        col = t[column]
        if column in BOOL_COLUMNS:
            wanted = {bool(v) for v in values}
            conds.append(col.notnull() if len(wanted) == 2 else col == wanted.pop())
        else:
            conds.append(col.isin(list(values)))
    if rule.valid_on_as_of:
        conds.append(_or_null(t.valid_from, as_of) <= as_of)
        conds.append(_or_null(t.valid_to, as_of) >= as_of)
    if rule.window is not None:
        lo, hi = window_bounds(rule.window, as_of)
        col = t[rule.window.on]
        if rule.window.on == "year":
            conds.append(col.between(lo, hi))
        else:
            conds.append((col > lo) & (col <= hi))
    return conds


def in_effect(t: ir.Table, as_of: date) -> ir.BooleanValue:
    """A negative record repaired on or before the as-of date has no effect."""
    return _or_null(t.repaired_on, as_of + timedelta(days=1)) > as_of
