"""The arithmetic a quote runs on (issue 17, section 0), through the quote service.

Every expected number is worked out here by hand or by the tests' own IRR (tests/support/irr.py),
never by the code under test. The LPR on 2025-07-15 is the one announced on 2025-05-20: 1-year
3.00 %, 5-year 3.50 %.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support import irr
from tests.support.grades import Grade, publish_grades
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.errors import Invalid
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Method, QuoteRequest
from zhixin.quotes import service
from zhixin.quotes.schemas import QuoteOut

D = Decimal
ON = date(2025, 7, 15)


def _firm(s: Session, n: int, region: str) -> int:
    firm = Enterprise(
        uscc=make_uscc(f"9133000000001{n:04d}"),
        name=f"测算企业{n}",
        kind="企业",
        status="存续",
        size_class="小",
        region_code=region,
        established_on=date(2015, 3, 1),
    )
    s.add(firm)
    s.flush()
    return firm.id


@pytest.fixture
def firms(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        ids = {
            "nb": _firm(s, 1, "330203"),
            "sx": _firm(s, 2, "330602"),
            "sd": _firm(s, 3, "371102"),
        }
    publish_grades(
        factory,
        catalog="ningbo",
        grades={ids["nb"]: Grade("L1", {"credit": "L1"}), ids["sx"]: Grade("L5", {"credit": "L5"})},
        published_at=datetime(2025, 7, 2, 2, 0, tzinfo=UTC),
    )
    publish_grades(factory, catalog="shandong", grades={ids["sd"]: Grade("I", {"credit": "I"})})
    return ids


def _quote(
    factory: sessionmaker[Session], code: str, eid: int, amount: str, term: int, method: Method,
    **kw: object,
) -> QuoteOut:  # fmt: skip
    request = QuoteRequest(
        amount=D(amount),
        term_months=term,
        method=method,
        on=ON,
        **kw,  # type: ignore[arg-type]
    )
    with unit_of_work(factory) as s:
        return service.quote(
            s, actor=service.SYSTEM, product_code=code, enterprise_id=eid, request=request
        )


def _last_bound(rate: Decimal, n: int) -> Decimal:
    """0.01 × Σ_{k<n} (1 + rate/1200)^k + 0.005: how far the fen roundings can move the last
    等额本息 instalment from the others (derived in tests/unit/test_lending_schedule.py)."""
    i = Fraction(rate) / 1200
    return D(float(Fraction(1, 100) * sum((1 + i) ** k for k in range(n)))) + D("0.0051")


def test_equal_instalments_are_equal_500_wan_over_12_months(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    # 鲁质贷 Ⅰ类: 3.00 + 200bp − 60bp = 4.40 %; 500万 over 12 months
    q = _quote(factory, "luzhidai-sd", firms["sd"], "5000000", 12, Method.equal_instalment)
    assert q.eligible, q.reasons
    assert q.schedule is not None and q.rate == D("4.4000")
    pays = [i.payment for i in q.schedule.instalments]
    # A = 5,000,000 × i / (1 − (1 + i)^−12), i = 4.4 % / 12: 426,663.853… → 426,663.85
    assert pays[:-1] == [D("426663.85")] * 11
    # the old schedule charged actual days against an annuity at rate / 12: its last swelled by
    # about 1,765 yuan; now only the fen roundings separate it from the others
    assert abs(pays[-1] - pays[0]) <= _last_bound(q.rate, 12)
    # each month at rate / 12: 5,000,000 × 4.4 / 1200 = 18,333.33 whatever its 31 days
    assert q.schedule.instalments[0].interest == D("18333.33")
    assert q.schedule.conventions[0].startswith(
        "等额本息：每期利息 = 期初本金 × 月利率（年利率 ÷ 12）"
    )


def test_equal_instalments_are_equal_5_yi_over_84_months(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    # 甬质贷 一级 over 84 months (> 60: the 5-year LPR): 3.50 + 120bp − 60bp = 4.10 %;
    # sales 20亿 × 30 % × 1.5 = 9亿, capped at the product's 5亿
    q = _quote(
        factory,
        "yongzhidai",
        firms["nb"],
        "500000000",
        84,
        Method.equal_instalment,
        annual_sales=D("2000000000"),
    )
    assert q.eligible, q.reasons
    assert q.schedule is not None and q.rate == D("4.1000")
    pays = [i.payment for i in q.schedule.instalments]
    assert len(set(pays[:-1])) == 1
    # the old schedule's last was 21 % above the rest; the bound here is about a yuan
    assert abs(pays[-1] - pays[0]) <= _last_bound(q.rate, 84) < 2


def test_the_annualised_rate_is_the_irr_of_every_flow_hand_computed(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    """兴保贷 五级 (3.00 + 100bp = 4.00 %), 1,000,000 for one month, interest-only.

    Interest 2025-07-15 → 08-15 (31 days): 1,000,000 × 4 % × 31 / 360 = 3,444.44. Guarantee fee
    for the one guarantee "year" of 31 days, paid on the day: 1,000,000 × 0.5 % × 31 / 360 =
    430.56. The borrower has 999,569.44 for one month and repays 1,003,444.44:
    i = 3,875.00 / 999,569.44 = 0.387666914…% a month; × 12 = 4.652003…% → 4.6520 %.
    (The old code compounded over actual days / 360 and showed 4.5019 %.)
    """
    q = _quote(factory, "xingbaodai", firms["sx"], "1000000", 1, Method.interest_monthly)
    assert q.eligible, q.reasons
    assert q.costs is not None and q.schedule is not None
    assert (q.schedule.total_interest, q.costs.guarantee_fee) == (D("3444.44"), D("430.56"))
    assert q.costs.annualised_rate == D("4.6520")
    line = next(f for f in q.costs.factors if f.code == "annualised_rate")
    assert "按月计算的内部收益率 × 12" in line.reason and "〔2021〕第3号" in line.reason
    # and for twelve months, checked with the tests' own IRR: the fee at 0, the interest of
    # each period (dates moved off weekends and holidays) at its time on the monthly grid
    q12 = _quote(factory, "xingbaodai", firms["sx"], "1000000", 12, Method.interest_monthly)
    assert q12.costs is not None and q12.schedule is not None
    months = irr.MONTHS_FROM_2025_07_15
    flows = [(Fraction(0), q12.costs.guarantee_fee - D("1000000"))]
    flows += [(t, i.payment) for t, i in zip(months, q12.schedule.instalments, strict=True)]
    assert abs(q12.costs.annualised_rate - irr.annual(flows)) <= D("0.00005")


def test_revolving_is_costed_on_the_expected_utilisation(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    # 兴保贷 随借随还 (expected utilisation 60 % in its file): a line of 1,000,000 is costed on
    # 600,000 drawn for the term; the guarantee fee stays on the line (fee_base: loan)
    q = _quote(factory, "xingbaodai", firms["sx"], "1000000", 12, Method.revolving)
    assert q.schedule is not None and q.costs is not None
    assert (q.schedule.line_amount, q.schedule.utilisation, q.schedule.amount) == (
        D("1000000.00"),
        D("60"),
        D("600000.00"),
    )
    # 600,000 × 4 % × 31 / 360 = 2,066.67 in the first 31 days
    assert q.schedule.instalments[0].interest == D("2066.67")
    assert q.costs.guarantee_fee == D("5069.44")  # 1,000,000 × 0.5 % × 365 / 360
    assert "预计平均使用率 60%" in q.costs.factors[0].reason


def test_a_quote_states_the_terms_of_an_offer(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    # 兴保贷 五级 4.00 % over 36 months: floating, repriced every 12 months on the anniversary
    q = _quote(factory, "xingbaodai", firms["sx"], "1000000", 36, Method.equal_instalment)
    o = q.offer
    assert o is not None and q.disclaimer == "测算结果，不构成要约"
    assert (o.rate_type, o.rate_type_label) == ("floating", "浮动利率")
    assert o.repricing_dates == [date(2026, 7, 15), date(2027, 7, 15)]
    assert o.repricing is not None and "+ 100bp" in o.repricing and "1年期 LPR" in o.repricing
    # 罚息: 4.00 % × (1 + 50 %) = 6.00 %; 复利 on unpaid interest at that rate
    assert (o.penalty_markup, o.penalty_rate) == (D(50), D("6.00"))
    assert "复利" in o.overdue
    assert o.prepayment.startswith("允许提前还款，须提前 5 个工作日申请，不收违约金")
    assert o.fees == []  # no other fee: the file says so (fees: [])
    assert (o.validity_days, o.valid_until) == (15, date(2025, 7, 29))
    # a fixed-rate product within a year, and a floating one that does not reprice in its term
    short = _quote(factory, "xingbaodai", firms["sx"], "1000000", 12, Method.equal_instalment)
    assert short.offer is not None and short.offer.repricing_dates == []
    assert "本笔期限内不重定价" in (short.offer.repricing or "")
    # not eligible: nothing is offered, the disclaimer still stands
    refused = _quote(factory, "xingbaodai", firms["nb"], "1000000", 12, Method.equal_instalment)
    assert not refused.eligible and refused.offer is None
    assert refused.disclaimer == "测算结果，不构成要约"


def test_an_unknown_milestone_is_an_error(
    factory: sessionmaker[Session], firms: dict[str, int]
) -> None:
    with pytest.raises(Invalid, match="没有里程碑 no-such；本产品未设里程碑"):
        _quote(
            factory,
            "xingbaodai",
            firms["sx"],
            "1000000",
            12,
            Method.equal_instalment,
            milestones_met=frozenset({"no-such"}),
        )
