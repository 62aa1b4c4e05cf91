"""Why a result is what it is, in words a reader can check: how the total adds up from the
dimensions, and which overall class rule (tried best first) it meets.

Pure: a catalog and an explanation in, rows out. The arithmetic is the engine's
(``engine.results``): total = Σ dimension points × weight ÷ 100, a dimension's points being the
sum of its held elements' points, at most its cap; the overall class is the first of the
catalog's ``overall`` rules, best first, whose total score and count of dimensions at a level are
reached; a cap gate lowers it to the capped class, a bar gate leaves none (否决).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zhixin.catalog.schema import Catalog
from zhixin.engine.explain import VETOED
from zhixin.evaluation.schemas import ExplanationOut


@dataclass(frozen=True)
class TotalPart:
    name: str
    points: int
    maximum: int  # the highest score the catalog lets this dimension reach
    weight: int  # percent
    contribution: Decimal  # points × weight ÷ 100


@dataclass(frozen=True)
class ClassStep:
    level_name: str
    condition: str
    met: bool
    reason: str


@dataclass(frozen=True)
class Why:
    parts: list[TotalPart]
    total: Decimal
    formula: str
    reachable: int
    steps: list[ClassStep]
    outcome: str


def _score(x: Decimal) -> str:
    return format(x.normalize(), "f") if x == x.to_integral_value() else format(x, "f")


def why(catalog: Catalog, ex: ExplanationOut) -> Why:
    maxima = catalog.dimension_maxima()
    points = {d.code: d for d in ex.dimensions}
    parts = []
    for d in catalog.dimensions:
        got = points[d.code].points if d.code in points else 0
        parts.append(
            TotalPart(
                d.name,
                got,
                maxima[d.code],
                d.weight,
                (Decimal(got) * d.weight / 100).quantize(Decimal("0.01")),
            )
        )
    total = Decimal(ex.total_score)
    formula = (
        "总分 = Σ 维度得分 × 权重 ÷ 100 = "
        + " + ".join(f"{p.points}×{p.weight}%" for p in parts)
        + f" = {_score(total)}"
    )
    levels = {d.code: d.level for d in ex.dimensions}
    steps = []
    first_met: str | None = None
    for o in catalog.overall:
        name = catalog.level_name(o.level)
        condition = f"总分 ≥ {o.min_score}"
        reasons = [f"总分 {_score(total)} {'≥' if total >= o.min_score else '<'} {o.min_score}"]
        met = total >= o.min_score
        if o.min_dimensions and o.dimension_level is not None:
            target = catalog.level_rank(o.dimension_level)
            lv_name = catalog.level_name(o.dimension_level)
            condition += f"，且至少 {o.min_dimensions} 个维度达到{lv_name}"
            at = sum(
                1
                for code in levels.values()
                if code is not None and catalog.level_rank(code) <= target
            )
            reasons.append(f"{at} 个维度达到{lv_name}（需 {o.min_dimensions} 个）")
            met = met and at >= o.min_dimensions
        steps.append(ClassStep(name, condition, met, "；".join(reasons)))
        if met and first_met is None:
            first_met = name
    if ex.overall_level_name == VETOED:
        bars = "、".join(g.name for g in ex.gates if g.effect == "bar")
        outcome = f"触发一票否决（{bars}）：无总体等级，不列入白名单。"
    elif first_met is None:
        outcome = "未满足任何一条总体等级条件：未达等级。"
    elif ex.overall_level_name != first_met:
        caps = "、".join(g.name for g in ex.gates if g.effect == "cap")
        outcome = (
            f"满足的最高一条为{first_met}，因一票否决（{caps}）封顶，"
            f"总体等级为{ex.overall_level_name}。"
        )
    else:
        outcome = f"由高到低逐条判断，第一条满足的是{first_met}：总体等级为{first_met}。"
    return Why(parts, total, formula, catalog.reachable_total(), steps, outcome)


def conclusion_lines(ex: ExplanationOut) -> list[str]:
    """The summary without the advice lines: the advice is shown once, in its own list."""
    advice = {d.advice.text for d in ex.dimensions if d.advice is not None}
    return [line for line in ex.summary if line not in advice]
