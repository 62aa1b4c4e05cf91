"""Linkage's pure rules: periods, the exact quality-use comparison, which records trigger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from zhixin.linkage import rules
from zhixin.products.loader import load


@pytest.mark.parametrize(
    ("text", "label", "cadence", "start", "end"),
    [
        ("2026Q4", "2026Q4", "quarterly", date(2026, 10, 1), date(2026, 12, 31)),
        ("2024q1", "2024Q1", "quarterly", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024M02", "2024M02", "monthly", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026H1", "2026H1", "semiannual", date(2026, 1, 1), date(2026, 6, 30)),
        ("2026", "2026", "annual", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text: str, label: str, cadence: str, start: date, end: date) -> None:
    p = rules.parse_period(text)
    assert (p.label, p.cadence, p.start, p.end) == (label, cadence, start, end)


@pytest.mark.parametrize("text", ["2026Q5", "2026M13", "26Q1", "2026-Q4", ""])
def test_a_period_that_is_not_one_is_refused_in_chinese(text: str) -> None:
    with pytest.raises(rules.Refused, match="无法识别"):
        rules.parse_period(text)


def test_the_share_is_compared_exactly_in_fen() -> None:
    # 30 % of 1,000,000.01 is 300,000.003: 300,000.00 falls short, 300,000.01 meets it
    drawn = 100_000_001
    assert not rules.share_met(drawn_fen=drawn, quality_fen=30_000_000, min_share=Decimal(30))
    assert rules.share_met(drawn_fen=drawn, quality_fen=30_000_001, min_share=Decimal(30))
    assert rules.share_met(drawn_fen=100, quality_fen=30, min_share=Decimal("30"))
    assert not rules.share_met(drawn_fen=1000, quality_fen=305, min_share=Decimal("30.55"))
    assert rules.share_of(drawn_fen=300, quality_fen=100) == Decimal("33.3333")


@dataclass(frozen=True)
class Rec:
    kind: str
    subtype: str | None = None
    level: str | None = None
    passed: bool | None = None
    status: str | None = None


def test_the_products_triggers() -> None:
    yz = load("yongzhidai")
    assert [c.code for c in rules.due(yz.covenants, rules.parse_period("2026Q4"))] == [
        "quality-use",
        "quality-use-subsidy",
        "stay-whitelisted",
        "no-serious-penalty",
    ]
    assert rules.due(yz.covenants, rules.parse_period("2026")) == []
    link = yz.linkage
    assert rules.freeze_trigger(link, Rec("penalty", "产品质量", "一般")) is not None
    assert rules.freeze_trigger(link, Rec("penalty", "广告", "严重")) is None
    assert rules.freeze_trigger(link, Rec("spot_check", passed=False)) is not None
    assert rules.freeze_trigger(link, Rec("spot_check", passed=True)) is None
    assert rules.freeze_trigger(link, Rec("list_entry", "严重违法失信名单")) is not None
    assert rules.freeze_trigger(link, Rec("list_entry", "经营异常名录")) is None
    lz = load("luzhidai")
    (cert,) = rules.milestone_evidence(
        lz.linkage, Rec("product_certification", "CCC", status="有效")
    )
    assert (cert.milestone, cert.unlock, cert.rate_cut_bp) == ("tech-breakthrough", True, 20)
    assert rules.milestone_evidence(lz.linkage, Rec("product_certification", status="失效")) == []
    assert rules.milestone_evidence(lz.linkage, Rec("patent", "实用新型", status="有效")) == []
    assert len(rules.milestone_evidence(lz.linkage, Rec("patent", "发明", status="有效"))) == 1


def test_what_may_be_reversed_and_by_whom() -> None:
    rules.check_reversal(kind="freeze", status="effective", requested_by=1, approver=2)
    with pytest.raises(rules.Refused, match="审贷分离"):
        rules.check_reversal(kind="freeze", status="effective", requested_by=1, approver=1)
    with pytest.raises(rules.Refused, match="不能撤销"):
        rules.check_reversal(kind="notice", status="effective", requested_by=1, approver=2)
    with pytest.raises(rules.Refused, match="已撤销"):
        rules.check_reversal(kind="freeze", status="reversed", requested_by=1, approver=2)
