"""Explain one enterprise's evaluation, and say what would raise its grade (pure Python).

Works over the engine's rows for that one enterprise (from the Arrow output or the stored run):
every element held with the records that earned it, every gate with its records, and per
dimension the smallest set of missing elements that lifts it one level, in plain Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pyarrow as pa
import pyarrow.compute as pc

from zhixin.catalog.schema import Catalog, Element


@dataclass(frozen=True)
class HeldElement:
    code: str
    level: str
    points: int
    measure: int
    record_ids: list[int]


VETOED = "否决"  # shown instead of a class when a bar gate failed


@dataclass(frozen=True)
class EnterpriseRows:
    """One enterprise's rows of an evaluation (batch or on demand)."""

    enterprise_id: int
    total_score: Decimal
    overall_level: str | None
    listed: bool
    entries: int
    gates_failed: list[str]
    dimensions: dict[str, tuple[str, int, bool]]  # code → (level, points, listed)
    elements: list[HeldElement]
    gates: dict[str, list[int]]  # gate code → record ids
    vetoed: bool = False  # a bar gate failed: no class, shown as 否决


@dataclass(frozen=True)
class Advice:
    dimension: str
    from_level: str | None
    to_level: str
    needed: int
    options: list[str]  # element codes
    text: str


@dataclass(frozen=True)
class DimensionExplanation:
    code: str
    name: str
    weight: int
    level: str | None
    level_name: str
    points: int
    listed: bool
    elements: list[dict[str, object]]
    advice: Advice | None


@dataclass(frozen=True)
class Explanation:
    enterprise_id: int
    total_score: Decimal
    overall_level: str | None
    overall_level_name: str
    listed: bool
    entries: int
    dimensions: list[DimensionExplanation]
    gates: list[dict[str, object]]
    summary: list[str] = field(default_factory=list)


def rows_from_output(output: object, enterprise_id: int) -> EnterpriseRows | None:
    """Pick one enterprise's rows out of an :class:`~zhixin.engine.evaluate.EvaluationOutput`."""

    def only(t: pa.Table) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = t.filter(
            pc.equal(t["enterprise_id"], enterprise_id)
        ).to_pylist()
        return rows

    res = only(output.results)  # type: ignore[attr-defined]
    if not res:
        return None
    r = res[0]
    return EnterpriseRows(
        enterprise_id=enterprise_id,
        total_score=Decimal(str(r["total_score"])),
        overall_level=r["overall_level"],  # type: ignore[arg-type]
        listed=bool(r["listed"]),
        entries=int(r["entries"]),  # type: ignore[call-overload]
        gates_failed=list(r["gates_failed"] or []),  # type: ignore[call-overload]
        vetoed=bool(r.get("vetoed", False)),
        dimensions={
            str(d["dimension"]): (str(d["level"]), int(d["points"]), bool(d["listed"]))  # type: ignore[call-overload]
            for d in only(output.dimensions)  # type: ignore[attr-defined]
        },
        elements=[
            HeldElement(
                str(e["element"]),
                str(e["level"]),
                int(e["points"]),  # type: ignore[call-overload]
                int(e["measure"]),  # type: ignore[call-overload]
                list(e["record_ids"]),  # type: ignore[call-overload]
            )
            for e in only(output.elements)  # type: ignore[attr-defined]
        ],
        gates={str(g["gate"]): list(g["record_ids"]) for g in only(output.gates)},  # type: ignore[attr-defined, call-overload]
    )


def _tier_reaching(e: Element, catalog: Catalog, target: int) -> tuple[int, str] | None:
    """The smallest count (and its level) at which ``e`` confers rank ≤ ``target``."""
    if e.tiers:
        ok = [(t.min_count, t.level) for t in e.tiers if catalog.level_rank(t.level) <= target]
        return min(ok) if ok else None
    assert e.level is not None
    if catalog.level_rank(e.level) > target:
        return None
    n = e.rule.streak.consecutive if e.rule.streak else e.rule.min_count
    return n, e.level


def _label(e: Element) -> str:
    return e.advice or e.name


def advise(catalog: Catalog, dimension: str, rows: EnterpriseRows) -> Advice | None:
    """The smallest set of missing elements that lifts ``dimension`` one level."""
    worst = len(catalog.levels) - 1
    current = rows.dimensions.get(dimension)
    cur_rank = catalog.level_rank(current[0]) if current else None
    if cur_rank == 0:
        return None
    target = worst if cur_rank is None else cur_rank - 1
    held = {h.code: h for h in rows.elements}
    singles: list[tuple[str, str]] = []  # (code, text)
    for e in catalog.elements:
        if e.dimension != dimension:
            continue
        reach = _tier_reaching(e, catalog, target)
        if reach is None:
            continue
        n, _level = reach
        have = held[e.code].measure if e.code in held else 0
        if e.code in held and catalog.level_rank(held[e.code].level) <= target:
            continue
        if e.tiers:
            more = max(n - have, 1)
            singles.append((e.code, f"{_label(e)}（再增加 {more} 件，达到 {n} 件）"))
        else:
            singles.append((e.code, _label(e)))
    from_name = catalog.level_name(current[0]) if current else "无"
    to_code = catalog.levels[target].code
    arrow = f"{catalog.dimension(dimension).name} {from_name}→{catalog.levels[target].name}"
    if singles:
        texts = [t for _c, t in singles]
        head = "再取得 1 项：" if len(texts) == 1 else "再取得 1 项即可，任选其一："
        return Advice(
            dimension,
            current[0] if current else None,
            to_code,
            1,
            [c for c, _t in singles],
            f"{head}{'；'.join(texts[:6])}（{arrow}）",
        )
    best: Advice | None = None
    for u in catalog.uplifts:
        if u.dimension not in (None, dimension) or catalog.level_rank(u.to_level) > target:
            continue
        at = catalog.level_rank(u.at_level)
        have = sum(
            1
            for h in rows.elements
            if catalog.element(h.code).dimension == dimension and catalog.level_rank(h.level) <= at
        )
        candidates = [
            e
            for e in catalog.elements
            if e.dimension == dimension and e.code not in held and _tier_reaching(e, catalog, at)
        ]
        need = u.count - have
        if need <= 0 or len(candidates) < need:
            continue
        if best is None or need < best.needed:
            names = "；".join(_label(e) for e in candidates[:6])
            best = Advice(
                dimension,
                current[0] if current else None,
                to_code,
                need,
                [e.code for e in candidates],
                f"再取得 {need} 项{catalog.level_name(u.at_level)}及以上要素，"
                f"可选：{names}（{arrow}）",
            )
    return best


def explain(catalog: Catalog, rows: EnterpriseRows) -> Explanation:
    by_dim: dict[str, list[dict[str, object]]] = {d.code: [] for d in catalog.dimensions}
    for h in rows.elements:
        e = catalog.element(h.code)
        by_dim[e.dimension].append(
            {
                "code": h.code,
                "name": e.name,
                "level": h.level,
                "level_name": catalog.level_name(h.level),
                "points": h.points,
                "measure": h.measure,
                "record_ids": h.record_ids,
            }
        )
    dims = []
    summary = []
    # a cap gate holds every dimension at its level: no advice can lift one above it
    caps = [
        catalog.level_rank(g.cap_level)
        for g in catalog.gates
        if g.code in rows.gates and g.effect == "cap" and g.cap_level is not None
    ]
    cap = max(caps) if caps else None
    for d in catalog.dimensions:
        level, points, listed = rows.dimensions.get(d.code, (None, 0, False))
        capped = cap is not None and level is not None and catalog.level_rank(level) <= cap
        advice = None if capped else advise(catalog, d.code, rows)
        dims.append(
            DimensionExplanation(
                d.code,
                d.name,
                d.weight,
                level,
                catalog.level_name(level),
                points,
                listed,
                by_dim[d.code],
                advice,
            )
        )
        if level is not None:
            held = "、".join(str(x["name"]) for x in by_dim[d.code])
            summary.append(f"{d.name}：{catalog.level_name(level)}（{points} 分；{held}）")
        if advice is not None:
            summary.append(advice.text)
    gates: list[dict[str, object]] = []
    for g in catalog.gates:
        if g.code in rows.gates:
            gates.append(
                {
                    "code": g.code,
                    "name": g.name,
                    "effect": g.effect,
                    "record_ids": rows.gates[g.code],
                }
            )
            # the records stay with the gate (shown only to who may read them), not in the text
            summary.append(
                f"一票否决：{g.name}"
                + (
                    "，不列入白名单"
                    if g.effect == "bar"
                    else f"，总体等级最高为{catalog.level_name(g.cap_level)}"
                )
            )
    return Explanation(
        rows.enterprise_id,
        rows.total_score,
        rows.overall_level,
        VETOED if rows.vetoed else catalog.level_name(rows.overall_level),
        rows.listed,
        rows.entries,
        dims,
        gates,
        summary,
    )
