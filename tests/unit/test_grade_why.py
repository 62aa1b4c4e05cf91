"""How a result explains itself: per-dimension axis maxima, the total's sum, the overall class
rule met (best first), a cap gate and a bar gate, and advice kept out of the conclusion."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from zhixin.catalog import service as catalogs
from zhixin.catalog.schema import Catalog, Dimension, OverallClass
from zhixin.evaluation.schemas import AdviceOut, DimensionOut, ExplanationOut, GateOut
from zhixin.evaluation.why import conclusion_lines, why


def _catalog() -> Catalog:
    """Xiamen's catalog with a tighter cap on 质量信用 and a class needing dimensions at a level."""
    base = catalogs.get("xiamen").catalog
    dims = [d.model_copy(update={"cap": 30}) if d.code == "credit" else d for d in base.dimensions]
    overall = [
        OverallClass(level="I", min_score=20, min_dimensions=2, dimension_level="II"),
        *base.overall[1:],
    ]
    return base.model_copy(update={"dimensions": dims, "overall": overall})


def _explanation(
    points: dict[str, int],
    levels: dict[str, str | None],
    total: str,
    overall: str | None,
    name: str,
    gates: list[GateOut] | None = None,
    advice: str = "",
) -> ExplanationOut:
    cat = _catalog()
    dims = [
        DimensionOut(
            code=d.code,
            name=d.name,
            weight=d.weight,
            level=levels.get(d.code),
            level_name=cat.level_name(levels.get(d.code)),
            points=points.get(d.code, 0),
            listed=False,
            elements=[],
            advice=AdviceOut(from_level=None, to_level="III", needed=1, options=[], text=advice)
            if advice and d.code == "brand"
            else None,
        )
        for d in cat.dimensions
    ]
    return ExplanationOut(
        enterprise_id=1,
        run_id=1,
        catalog_name="xiamen",
        catalog_version="t",
        as_of=date(2025, 6, 30),
        total_score=Decimal(total),
        overall_level=overall,
        overall_level_name=name,
        listed=False,
        entries=0,
        dimensions=dims,
        gates=gates or [],
        summary=["质量信用：Ⅱ类（30 分）", advice] if advice else [],
    )


def test_dimension_maxima_are_the_elements_best_points_capped() -> None:
    cat = _catalog()
    best = dict.fromkeys((d.code for d in cat.dimensions), 0)
    for e in cat.elements:
        pts = [e.points if t.points is None else t.points for t in e.tiers] or [e.points]
        best[e.dimension] += max(pts)
    caps = {d.code: d.cap for d in cat.dimensions}
    expected = {code: min(best[code], caps[code]) for code in best}
    assert cat.dimension_maxima() == expected
    assert expected["credit"] == 30  # the cap binds here
    assert expected["brand"] < caps["brand"]  # the elements bind here
    weights = {d.code: d.weight for d in cat.dimensions}
    assert cat.reachable_total() == sum(expected[c] * weights[c] for c in expected) // 100
    assert Dimension(code="x", name="x", weight=100).cap == 100


def test_the_total_adds_up_and_the_first_class_met_is_the_class() -> None:
    ex = _explanation(
        {"credit": 30, "management": 40, "brand": 20, "infrastructure": 10},
        {"credit": "II", "management": "III", "brand": "III", "infrastructure": "III"},
        "20.00",
        "II",
        "Ⅱ类",
    )
    w = why(_catalog(), ex)
    assert [p.contribution for p in w.parts] == [
        Decimal("6.00"),
        Decimal("8.00"),
        Decimal("4.00"),
        Decimal("2.00"),
        Decimal("0.00"),
    ]
    assert sum(p.contribution for p in w.parts) == w.total == Decimal(20)
    assert w.parts[0].maximum == 30 and w.formula.endswith("= 20")
    assert "30×20% + 40×20%" in w.formula
    first = w.steps[0]
    # Ⅰ类 needs 2 dimensions at Ⅱ类 or better: only 质量信用 is
    assert not first.met and "1 个维度达到Ⅱ类（需 2 个）" in first.reason
    assert "总分 20 ≥ 20" in first.reason
    assert w.steps[1].met and w.outcome.endswith("总体等级为Ⅱ类。")


def test_a_cap_gate_and_a_bar_gate_are_named_in_the_outcome() -> None:
    levels: dict[str, str | None] = {"credit": "I", "management": "II"}
    capped = _explanation(
        {"credit": 30, "management": 100},
        levels,
        "26.00",
        "III",
        "Ⅲ类",
        gates=[GateOut(code="G", name="经营异常", effect="cap", record_ids=[])],
    )
    w = why(_catalog(), capped)
    assert w.steps[0].met
    assert "满足的最高一条为Ⅰ类" in w.outcome and "经营异常" in w.outcome
    assert w.outcome.endswith("总体等级为Ⅲ类。")
    barred = _explanation(
        {"credit": 30},
        levels,
        "6.00",
        None,
        "否决",
        gates=[GateOut(code="P", name="行政处罚", effect="bar", record_ids=[])],
    )
    assert "行政处罚" in why(_catalog(), barred).outcome
    assert "无总体等级" in why(_catalog(), barred).outcome
    none = _explanation({}, {}, "0.00", None, "未达等级")
    assert why(_catalog(), none).outcome.startswith("未满足任何一条")


def test_the_advice_is_not_repeated_in_the_conclusion() -> None:
    ex = _explanation({}, {}, "0.00", None, "未达等级", advice="再取得 1 项：某某认证")
    assert conclusion_lines(ex) == ["质量信用：Ⅱ类（30 分）"]
