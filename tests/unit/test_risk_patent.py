"""知识产权估值 (pure): the income approach and its factors, worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from zhixin.risk import patent

D = Decimal


def _inputs(**kw: object) -> patent.PatentInputs:
    base: dict[str, object] = {
        "patent_no": "ZL201810000001.X",
        "kind": "实用新型",
        "filing_date": date(2018, 1, 1),  # 10-year term: expires 2028-01-01
        "status": "有效",
        "industry": "C35",  # 专用设备制造业: 3 %
        "revenue": D(2_000_000),
        "licensing_income": D(100_000),
        "citations": 12,
        "family_size": 1,
        "valuation_date": date(2025, 1, 1),  # 1,095 days before expiry: 3.00 years
    }
    base.update(kw)
    return patent.PatentInputs(**base)  # type: ignore[arg-type]


def test_three_whole_years_by_hand() -> None:
    v = patent.value(_inputs())
    # B = 100,000 + 2,000,000 × 3 % = 160,000
    assert v.factor("benefit").value == D(160_000)
    assert v.factor("remaining_years").value == D("3.00")
    # PV = 160,000/1.12 + 160,000/1.12² + 160,000/1.12³
    #    = 142,857.142857 + 127,551.020408 + 113,884.839650 = 384,293.002915
    assert v.factor("present_value").value.quantize(D("0.000001")) == D("384293.002915")
    # × legal 1.0 × citations 1.20 (12 capped at 10) × family 1.00 × 实用新型 0.70
    assert v.factor("citations").value == D("1.20")
    assert v.factor("family").value == D("1.00")
    assert v.factor("kind").value == D("0.70")
    assert v.value == D("322806.12")  # 384,293.002915 × 0.84 = 322,806.122449
    assert v.pledgeable and v.refusal is None
    assert [f.code for f in v.factors] == [
        "royalty_rate",
        "benefit",
        "remaining_years",
        "discount_rate",
        "present_value",
        "legal",
        "citations",
        "family",
        "kind",
    ]


def test_part_of_a_year_and_an_invalidation_request() -> None:
    v = patent.value(
        _inputs(
            kind="发明",
            filing_date=date(2006, 1, 1),  # expires 2026-01-01
            valuation_date=date(2024, 7, 2),  # 548 days before: 1.50 years (rounded down)
            status="无效宣告请求审查中",
            industry="X99",  # not listed: 2 %
            revenue=D(0),
            licensing_income=D(100_000),
            citations=0,
            family_size=3,
        )
    )
    assert v.factor("royalty_rate").value == D("0.02")
    assert v.factor("remaining_years").value == D("1.50")
    # PV = 100,000/1.12 + 0.5 × 100,000/1.12² = 89,285.714286 + 39,859.693878 = 129,145.408163
    # × 0.5 (invalidation pending) × 1.00 × 1.10 (two more countries) × 1.00 = 71,029.974490
    assert v.value == D("71029.97")


def test_life_is_capped_at_ten_years() -> None:
    v = patent.value(_inputs(kind="发明", filing_date=date(2020, 1, 1)))
    assert v.factor("remaining_years").value == D(10)
    assert "剩余 15.00 年" in v.factor("remaining_years").reason


def test_lapsed_or_already_pledged_patents_are_no_pledge_basis() -> None:
    for status in ("失效", "已质押"):
        v = patent.value(_inputs(status=status))
        assert v.value == 0
        assert not v.pledgeable
        assert v.refusal == f"法律状态为“{status}”，不能作为质押物"
    expired = patent.value(_inputs(valuation_date=date(2028, 1, 1)))
    assert expired.value == 0 and expired.refusal == "专利保护期已届满，不能作为质押物"


def test_design_patents_filed_before_june_2021_have_ten_years() -> None:
    assert patent.term_years("外观设计", date(2021, 5, 31)) == 10
    assert patent.term_years("外观设计", date(2021, 6, 1)) == 15
    assert patent.expiry("发明", date(2020, 2, 29)) == date(2040, 2, 29)
    assert patent.expiry("实用新型", date(2020, 2, 29)) == date(2030, 2, 28)


def test_industry_rows() -> None:
    assert patent.industry_of("c39").royalty_rate == D("0.04")
    assert patent.industry_of("C13").code == "C"  # another manufacturing class: the 门类 row
    assert patent.industry_of("").code == "*"


def test_inputs_are_checked_with_every_problem() -> None:
    with pytest.raises(patent.ValuationRefused) as exc:
        patent.value(_inputs(kind="软件", revenue=D(-1), family_size=0))
    message = str(exc.value)
    assert "专利类型" in message and "收入不能为负数" in message and "同族" in message
