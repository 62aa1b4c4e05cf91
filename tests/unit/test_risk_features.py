"""Risk features (pure), each checked against numbers worked out by hand."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from zhixin.risk.features import (
    FEATURES,
    BankLine,
    FinancialYear,
    InvoiceMonth,
    QualityFacts,
    RegistryFacts,
    all_features,
    cash_flow_features,
    cv,
    financial_features,
    invoicing_features,
    pearson,
    registry_features,
    shown,
    window,
)

D = Decimal
AS_OF = date(2025, 7, 15)  # window 2024-07 … 2025-06, previous window 2023-07 … 2024-06


def test_the_window_is_the_twelve_complete_months_before_the_month() -> None:
    first, last = window(AS_OF)
    assert (first // 12, first % 12 + 1) == (2024, 7)
    assert (last // 12, last % 12 + 1) == (2025, 6)
    # the last day of a month does not make that month complete: June is still out
    assert window(date(2025, 6, 30))[1] == window(date(2025, 6, 1))[1]


def _cash_lines() -> list[BankLine]:
    lines = []
    # window: 200 in the odd months of the window (Jul, Sep, Nov 2024, Jan, Mar, May 2025),
    # from A (3×), B (2×), C (1×); nothing in the even months
    payers = ["A", "B", "A", "C", "B", "A"]
    for i, (y, m) in enumerate([(2024, 7), (2024, 9), (2024, 11), (2025, 1), (2025, 3), (2025, 5)]):
        lines.append(BankLine(date(y, m, 10), D(200), payers[i]))
    # previous window: 100 in the same calendar months
    for y, m in [(2023, 7), (2023, 9), (2023, 11), (2024, 1), (2024, 3), (2024, 5)]:
        lines.append(BankLine(date(y, m, 3), D(100), "A"))
    lines.append(BankLine(date(2025, 2, 1), D(-300), "supplier"))  # outflow in the window
    lines.append(BankLine(date(2024, 2, 1), D(-999), "supplier"))  # outflow before: ignored
    lines.append(BankLine(date(2025, 7, 1), D(5000), "Z"))  # the current month: ignored
    return lines


def test_cash_flow_features_by_hand() -> None:
    f = cash_flow_features(_cash_lines(), AS_OF)
    # monthly inflows: six 200s and six 0s → mean 100, population sd 100
    assert f["inflow_cv"] == pytest.approx(1.0)
    assert f["inflow_active_share"] == pytest.approx(0.5)
    # A 600, B 400, C 200 of 1,200
    assert f["top_counterparty_share"] == pytest.approx(0.5)
    assert f["counterparty_hhi"] == pytest.approx((36 + 16 + 4) / 144)
    # the same months carry money both years, at a different scale: correlation 1
    assert f["seasonality"] == pytest.approx(1.0)
    assert f["net_inflow_ratio"] == pytest.approx((1200 - 300) / 1200)
    assert f["inflow_growth"] == pytest.approx(1200 / 600 - 1)


def test_cash_flow_without_inflow_in_the_window_is_missing_not_zero() -> None:
    f = cash_flow_features([BankLine(date(2025, 1, 5), D(-10), "X")], AS_OF)
    assert f["inflow_cv"] is None
    assert f["top_counterparty_share"] is None
    assert f["counterparty_hhi"] is None
    assert f["net_inflow_ratio"] is None
    assert f["inflow_growth"] is None
    assert f["seasonality"] is None
    assert f["inflow_active_share"] == 0.0


def test_seasonality_is_negative_when_the_pattern_flips() -> None:
    lines = [BankLine(date(2024, 7 + i % 2, 1), D(100), "A") for i in range(2)]
    # window: Jul 2024 and Aug 2024 → 100 each; previous: Jan 2024 only (opposite months)
    lines += [BankLine(date(2024, 1, 1), D(100), "A")]
    f = cash_flow_features(lines, AS_OF)
    # in units of 100: x = [1,1,0…0], y = [0…0,1 (January, position 6),0…]; n = 12,
    # Sxx = 2 − 12·(1/6)² = 5/3, Syy = 1 − 12·(1/12)² = 11/12, Sxy = 0 − 12·(1/6)(1/12) = −1/6,
    # r = Sxy / √(Sxx·Syy) = −(1/6) / √(55/36) = −1/√55
    assert f["seasonality"] == pytest.approx(-1 / math.sqrt(55))


def test_invoicing_features_by_hand() -> None:
    months = []
    for i in range(12):  # window: 100 a month, except Sep and Oct 2024; tax 13 every month
        y, m = divmod(2024 * 12 + 6 + i, 12)
        amount = D(0) if (y, m + 1) in {(2024, 9), (2024, 10)} else D(100)
        months.append(InvoiceMonth(date(y, m + 1, 1), amount, D(13)))
    for i in range(12):  # previous window: 50 a month
        y, m = divmod(2023 * 12 + 6 + i, 12)
        months.append(InvoiceMonth(date(y, m + 1, 28), D(50), D(0)))
    f = invoicing_features(months, AS_OF)
    assert f["invoicing_growth"] == pytest.approx(1000 / 600 - 1)
    assert f["invoicing_cv"] == pytest.approx(math.sqrt(0.2))  # ten 100s and two 0s
    assert f["invoicing_zero_months"] == 2.0
    assert f["tax_burden"] == pytest.approx(156 / 1000)
    # Q2 2025 (300) against Q2 2024 (150): +100 %
    assert f["invoicing_growth_q"] == pytest.approx(100.0)


def test_the_quarter_is_the_last_one_ended_in_the_window() -> None:
    months = [
        InvoiceMonth(date(2025, 1, 1), D(100), D(0)),
        InvoiceMonth(date(2025, 3, 1), D(200), D(0)),
        InvoiceMonth(date(2025, 4, 1), D(999), D(0)),  # Q2 2025 is not over in the window
        InvoiceMonth(date(2024, 2, 1), D(100), D(0)),
    ]
    # as of 2025-06-10 the window ends in May 2025: the last ended quarter is Q1 2025
    f = invoicing_features(months, date(2025, 6, 10))
    assert f["invoicing_growth_q"] == pytest.approx((300 / 100 - 1) * 100)


def test_financial_features_use_the_latest_year_before_the_date() -> None:
    years = [
        FinancialYear(2023, D(800), D(10), D(1500), D(900), D(500), D(400), D(20)),
        FinancialYear(2024, D(1000), D(50), D(2000), D(1200), D(600), D(400), D(30)),
        FinancialYear(2025, D(9), D(9), D(9), D(9), D(9), D(9), D(9)),  # not yet closed
    ]
    f = financial_features(years, date(2025, 3, 1))
    assert f == pytest.approx(
        {
            "debt_ratio": 0.6,
            "current_ratio": 1.5,
            "net_margin": 0.05,
            "roa": 0.025,
            "revenue_growth": 0.25,
            "rd_intensity": 0.03,
        }
    )
    only = financial_features(years[1:2], date(2025, 3, 1))
    assert only["revenue_growth"] is None
    assert financial_features([], date(2025, 3, 1))["debt_ratio"] is None


def test_registry_features() -> None:
    r = RegistryFacts(
        established_on=date(2015, 7, 15),
        invention_patents=7,
        titles=frozenset({"专精特新小巨人", "专精特新中小企业", "高新技术企业"}),
        standards_led=2,
        quality_penalties_2y=1,
    )
    f = registry_features(r, AS_OF)
    assert f["years_established"] == pytest.approx(3653 / 365.25)  # ten years, three leap days
    assert f["zjtx_level"] == 2.0
    assert f["hightech"] == 1.0
    assert f["invention_patents"] == 7.0
    assert f["quality_penalties_2y"] == 1.0


def test_all_features_names_every_feature_and_marks_absent_sources_missing() -> None:
    f = all_features(
        as_of=AS_OF,
        quality=QualityFacts(
            class_rank=2,
            total_score=D("71.5"),
            dimensions_graded=3,
            elements_held=6,
            gates_failed=0,
        ),
    )
    assert set(f) == set(FEATURES)
    assert f["quality_class_rank"] == 2.0
    assert f["quality_total_score"] == 71.5
    assert f["inflow_cv"] is None and f["invoicing_growth"] is None and f["debt_ratio"] is None
    assert f["years_established"] is None


def test_helpers() -> None:
    assert cv([0.0, 0.0]) is None
    assert cv([1.0, 3.0]) == pytest.approx(0.5)
    assert pearson([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == pytest.approx(1.0)
    assert pearson([1.0, 1.0], [1.0, 2.0]) is None
    assert shown("debt_ratio", 0.6) == "60.0%"
    assert shown("invention_patents", 7.0) == "7"
    assert shown("inflow_cv", None) == "缺失"
    assert all(f.name and f.source for f in FEATURES.values())


def test_registry_facts_from_records() -> None:
    from dataclasses import dataclass

    from zhixin.risk.features import registry_facts

    @dataclass
    class Rec:
        kind: str
        subtype: str | None
        status: str | None = None
        event_date: date | None = None
        valid_from: date | None = None
        valid_to: date | None = None
        repaired_on: date | None = None

    on = date(2025, 6, 30)
    recs = [
        Rec("patent", "发明", "有效", date(2020, 1, 1)),
        Rec("patent", "发明", "有效", date(2025, 7, 1)),  # granted after the date
        Rec("patent", "发明", "失效", date(2019, 1, 1)),  # lapsed
        Rec("patent", "实用新型", "有效", date(2019, 1, 1)),  # not an invention
        Rec("title", "专精特新小巨人", valid_from=date(2023, 1, 1), valid_to=date(2025, 12, 31)),
        Rec("title", "高新技术企业", valid_from=date(2020, 1, 1), valid_to=date(2022, 12, 31)),
        Rec("standard", "主导", event_date=date(2020, 7, 1)),  # within five years
        Rec("standard", "主导", event_date=date(2020, 6, 30)),  # exactly five years: out
        Rec("standard", "参与", event_date=date(2024, 1, 1)),  # took part only
        Rec("penalty", "产品质量", event_date=date(2024, 1, 1)),
        Rec("penalty", "计量", event_date=date(2024, 1, 1), repaired_on=date(2025, 1, 1)),
        Rec("penalty", "价格", event_date=date(2024, 1, 1)),  # not a quality penalty
        Rec("penalty", "产品质量", event_date=date(2023, 6, 30)),  # two years ago: out
    ]
    r = registry_facts(recs, as_of=on, established_on=date(2010, 1, 1))
    assert r.invention_patents == 1
    assert r.titles == frozenset({"专精特新小巨人"})
    assert r.standards_led == 1
    assert r.quality_penalties_2y == 1


def test_an_amount_read_as_a_float_is_the_float_of_the_decimal_the_orm_reads() -> None:
    """``risk.repository`` reads Money as floats: on SQLite ``round(v, 2)`` of the stored REAL
    is ``float`` of the ``Decimal("%.2f" % v)`` SQLAlchemy would build; a driver's Decimal (or
    SQLite's INTEGER) is simply its float."""
    import random

    from zhixin.risk.repository import _yuan

    rnd = random.Random(7)
    stored = [0.0, -0.0, 1.005, 2.675, -1.005, 0.125, 1e15 + 0.5, 123456789.015, 0.001, -0.004]
    stored += [rnd.uniform(-1e6, 1e6) for _ in range(20_000)]
    stored += [rnd.randint(-(10**12), 10**12) / 1000 for _ in range(20_000)]
    for v in stored:
        assert repr(_yuan(v)) == repr(float(D(f"{v:.2f}"))), v
    for n in (0, 7, -500, 10**15):
        assert repr(_yuan(n)) == repr(float(D(f"{n:.2f}")))
    for d in (D("1234.56"), D("-0.01"), D("99999999999999.99")):
        assert _yuan(d) == float(d)
    assert _yuan(None) is None
