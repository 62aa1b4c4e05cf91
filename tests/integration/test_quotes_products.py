"""Every shipped product quotes a whitelisted enterprise of each class of its catalog.

The grades are published directly (tests/support/grades.py: the rows an evaluation and a
publication leave; producing Ningbo's five levels through records would make this a catalog
test). Every expected number is worked out here by hand from the product's file:

- the LPR on 2025-07-15 is the one announced on 2025-05-20: 1-year 3.00 %, 5-year 3.50 %;
- the first repayment falls on 2025-08-15 (a Friday): 31 days of interest;
- the twelve due dates from 2025-07-15, moved to the next working day (every product says
  ``holiday_rule: following``): 08-15, 09-15, 10-15, 11-17 (11-15 is a Saturday), 12-15,
  2026-01-15, 02-24 (02-15…02-23 is the Spring Festival holiday), 03-16 (03-15 is a Sunday),
  04-15, 05-15, 06-15, 07-15 — so the periods have these days (``DAYS``), and on the loan's
  monthly grid from 2025-07-15 these times in months (``MONTHS``: 11-17 is 4 months and 2 of the
  30 days to 12-15; 02-24 is 7 months and 9 of the 28 days to 03-15; 03-16 is 8 and 1/31);
- 等额本息 and 等额本金 charge each month at rate / 12 on the opening balance, whatever its days;
  按月付息到期还本 and 随借随还 the actual days / 360; 随借随还 is quoted on the line × the
  product's expected utilisation (60 % in every shipped product);
- the 年化利率 is the monthly IRR × 12 of the flows at those times, found by the tests' own
  bisection (tests/support/irr.py): a fee-free 等额本息 gives a shade under its contract rate
  (payments moved past holidays come later), a daily-interest loan about rate × 365 / 360.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support import irr
from tests.support.grades import Grade, publish_grades
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work
from zhixin.products.terms import Collateral, CollateralKind, Method, QuoteRequest
from zhixin.quotes import service
from zhixin.quotes.schemas import QuoteOut
from zhixin.records.models import QualityRecord

D = Decimal
ON = date(2025, 7, 15)
DAYS = [31, 31, 30, 33, 28, 31, 40, 20, 30, 30, 31, 30]  # sums to 365
F = Fraction
MONTHS = irr.MONTHS_FROM_2025_07_15
UTILISATION = D("0.60")
WAN = D(10000)

# 等额本息 instalments A = P·i·(1+i)^12 / ((1+i)^12 − 1), i = rate / 12, half-up to the fen
# (worked out once, outside the code under test)
ANNUITY = {
    (D("3000000"), D("4.40")): D("255998.31"),
    (D("3000000"), D("4.60")): D("256272.86"),
    (D("3000000"), D("4.80")): D("256547.57"),
    (D("500000"), D("5.20")): D("42849.58"),
    (D("500000"), D("5.60")): D("42941.34"),
    (D("500000"), D("6.00")): D("43033.21"),
}


def fen(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def interest(principal: Decimal, rate: Decimal, days: int) -> Decimal:
    """principal × rate % × days / 360, half-up to the fen."""
    return fen(principal * rate / 100 * days / 360)


def month_interest(principal: Decimal, rate: Decimal) -> Decimal:
    """principal × rate % / 12, half-up to the fen."""
    return fen(principal * rate / 1200)


@dataclass(frozen=True)
class Case:
    level: str  # the catalog's level code
    limit: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Setup:
    catalog: str
    region: str
    amount: Decimal
    method: Method
    cases: tuple[Case, ...]
    size: str = "小"
    annual_sales: Decimal | None = None
    collateral: tuple[Collateral, ...] = ()
    title: str | None = None
    guarantee_fee: Decimal | None = None  # paid upfront for the one guarantee year
    subsidy_points: Decimal | None = None


def wan(n: str) -> Decimal:
    return D(n) * WAN


PRODUCTS: dict[str, Setup] = {
    # 鹭质贷: tiers 500/300/150万 (cap 500万); LPR 3.00 + 240bp − class discount 50/30/10bp
    "luzhidai": Setup(
        "xiamen",
        "350203",
        wan("100"),
        Method.interest_monthly,
        (
            Case("I", wan("500"), D("4.90")),
            Case("II", wan("300"), D("5.10")),
            Case("III", wan("150"), D("5.30")),
        ),
    ),
    # 知产质信贷: patent 1,000万 × 30 % (score 50, no patents: no raised rate) = 300万;
    # 3.00 + 150bp − class 20/10/0bp
    "zhichanzhixin": Setup(
        "xiamen",
        "360102",
        wan("200"),
        Method.interest_monthly,
        (
            Case("I", wan("300"), D("4.30")),
            Case("II", wan("300"), D("4.40")),
            Case("III", wan("300"), D("4.50")),
        ),
        collateral=(Collateral(CollateralKind.patent, wan("1000")),),
    ),
    # 甬质贷: sales 1,000万 × 30 % = 300万 × coefficient 1.5/1.3/1.1/1.0/0.8;
    # 3.00 (≤ 60 months: 1-year LPR) + 120bp − 60/45/30/15/0bp
    "yongzhidai": Setup(
        "ningbo",
        "330203",
        wan("200"),
        Method.interest_monthly,
        (
            Case("L1", wan("450"), D("3.60")),
            Case("L2", wan("390"), D("3.75")),
            Case("L3", wan("330"), D("3.90")),
            Case("L4", wan("300"), D("4.05")),
            Case("L5", wan("240"), D("4.20")),
        ),
        annual_sales=wan("1000"),
        subsidy_points=D(3),  # 3 points for 12 months, at most 100万
    ),
    # 鲁质贷: tiers 1,500/800/300万; 3.00 + 200bp − layers of 20bp (Ⅲ+, Ⅱ+, Ⅰ)
    "luzhidai-sd": Setup(
        "shandong",
        "371102",
        wan("300"),
        Method.equal_instalment,
        (
            Case("I", wan("1500"), D("4.40")),
            Case("II", wan("800"), D("4.60")),
            Case("III", wan("300"), D("4.80")),
        ),
    ),
    # 众商贷: tiers 200/120/60万; 3.00 + 300bp − 80/40/0bp
    "zhongshangdai": Setup(
        "xiamen",
        "440305",
        wan("50"),
        Method.equal_instalment,
        (
            Case("I", wan("200"), D("5.20")),
            Case("II", wan("120"), D("5.60")),
            Case("III", wan("60"), D("6.00")),
        ),
        size="微",
    ),
    # 专精特新e贷: sales 3,000万 × 20 % = 600万 × 1.5/1.2/1.0 (cap 1,000万);
    # 3.00 + 30bp − 40/20/0bp (the enterprise holds 专精特新中小企业, not 小巨人)
    "zhuanjingtexin-edai": Setup(
        "xiamen",
        "350206",
        wan("300"),
        Method.interest_monthly,
        (
            Case("I", wan("900"), D("2.90")),
            Case("II", wan("720"), D("3.10")),
            Case("III", wan("600"), D("3.30")),
        ),
        annual_sales=wan("3000"),
        title="专精特新中小企业",
    ),
    # 科创E贷: sales 1,000万 × 30 % = 300万 × 1.2/1.0/0.8 (cap 500万); 3.00 + 100bp − 30/15/0
    "kechuang-edai": Setup(
        "xiamen",
        "350102",
        wan("100"),
        Method.revolving,
        (
            Case("I", wan("360"), D("3.70")),
            Case("II", wan("300"), D("3.85")),
            Case("III", wan("240"), D("4.00")),
        ),
        annual_sales=wan("1000"),
    ),
    # 科创贷: sales 5,000万 × 40 % = 2,000万 × 1.5/1.2/1.0; 3.00 (12 months: 1-year) + 80bp
    # − 30/15/0bp
    "kechuangdai": Setup(
        "xiamen",
        "350102",
        wan("500"),
        Method.equal_principal,
        (
            Case("I", wan("3000"), D("3.50")),
            Case("II", wan("2400"), D("3.65")),
            Case("III", wan("2000"), D("3.80")),
        ),
        annual_sales=wan("5000"),
    ),
    # 兴保贷: tiers 1,000/800/500/300/100万; 3.00 + 100bp − 40/30/20/10/0bp; guarantee fee
    # 0.5 %/year: 1,000,000 × 0.5 % × 365/360 = 5,069.444… paid on the day the loan starts
    "xingbaodai": Setup(
        "ningbo",
        "330602",
        wan("100"),
        Method.interest_monthly,
        (
            Case("L1", wan("1000"), D("3.60")),
            Case("L2", wan("800"), D("3.70")),
            Case("L3", wan("500"), D("3.80")),
            Case("L4", wan("300"), D("3.90")),
            Case("L5", wan("100"), D("4.00")),
        ),
        guarantee_fee=D("5069.44"),
    ),
    # 衢州组合贷: plant 3,800万 × 70 % = 2,660万; 3.00 + 90bp − 30/20/10/0/0bp
    "quzhou-zuhedai": Setup(
        "ningbo",
        "330802",
        wan("1000"),
        Method.interest_monthly,
        (
            Case("L1", wan("2660"), D("3.60")),
            Case("L2", wan("2660"), D("3.70")),
            Case("L3", wan("2660"), D("3.80")),
            Case("L4", wan("2660"), D("3.90")),
            Case("L5", wan("2660"), D("3.90")),
        ),
        collateral=(Collateral(CollateralKind.plant, wan("3800")),),
    ),
}


def _enterprises(factory: sessionmaker[Session], setup: Setup) -> list[int]:
    ids = []
    with unit_of_work(factory) as s:
        for i, case in enumerate(setup.cases):
            firm = Enterprise(
                uscc=make_uscc(f"9133000000000{i:04d}"),
                name=f"测试企业{case.level}",
                kind="企业",
                status="存续",
                size_class=setup.size,
                region_code=setup.region,
                established_on=date(2015, 3, 1),
            )
            s.add(firm)
            s.flush()
            ids.append(firm.id)
            if setup.title:
                s.add(
                    QualityRecord(
                        enterprise_id=firm.id,
                        kind="title",
                        natural_key=f"{firm.uscc}|title",
                        content_hash="t" * 32,
                        subtype=setup.title,
                        level="省级",
                        valid_from=date(2024, 1, 1),
                        valid_to=date(2027, 1, 1),
                        source_system="test",
                        known_at=datetime(2025, 1, 1, tzinfo=UTC),
                    )
                )
    return ids


def _quote(factory: sessionmaker[Session], code: str, setup: Setup, eid: int) -> QuoteOut:
    request = QuoteRequest(
        amount=setup.amount,
        term_months=12,
        method=setup.method,
        on=ON,
        annual_sales=setup.annual_sales,
        collateral=setup.collateral,
    )
    with unit_of_work(factory) as s:
        return service.quote(
            s, actor=service.SYSTEM, product_code=code, enterprise_id=eid, request=request
        )


@pytest.mark.parametrize("code", sorted(PRODUCTS))
def test_each_product_quotes_each_class(factory: sessionmaker[Session], code: str) -> None:
    setup = PRODUCTS[code]
    ids = _enterprises(factory, setup)
    publish_grades(
        factory,
        catalog=setup.catalog,
        grades={
            eid: Grade(c.level, {"credit": c.level})
            for eid, c in zip(ids, setup.cases, strict=True)
        },
    )
    for eid, case in zip(ids, setup.cases, strict=True):
        q = _quote(factory, code, setup, eid)
        where = f"{code} {case.level}"
        assert q.eligible, (where, q.reasons)
        assert (q.limit, q.rate) == (case.limit, case.rate), where
        assert (q.lpr_tenor, q.lpr) == ("1y", D("3.0000")), where
        assert q.schedule is not None and q.costs is not None
        p = setup.amount
        if setup.method == Method.revolving:
            p = fen(setup.amount * UTILISATION)
            assert (q.schedule.line_amount, q.schedule.utilisation) == (setup.amount, 60), where
        first = q.schedule.instalments[0]
        assert (first.due, first.days, first.opening) == (date(2025, 8, 15), 31, p), where
        if setup.method == Method.equal_instalment:
            a = ANNUITY[(p, case.rate)]
            i1 = month_interest(p, case.rate)
            assert (first.interest, first.principal, first.payment) == (i1, a - i1, a), where
            assert [i.payment for i in q.schedule.instalments[:-1]] == [a] * 11, where
        elif setup.method == Method.equal_principal:
            i1 = month_interest(p, case.rate)  # 5,000,000 × rate / 12
            assert first.principal == fen(p / 12), where  # 416,666.67 of 5,000,000
            assert (first.interest, first.payment) == (i1, fen(p / 12) + i1), where
        else:  # interest monthly, principal at maturity (a revolving line on its expected use)
            i1 = interest(p, case.rate, 31)
            assert (first.interest, first.principal, first.payment) == (i1, D(0), i1), where
            assert [i.days for i in q.schedule.instalments] == DAYS, where
            total = sum(interest(p, case.rate, d) for d in DAYS)
            assert q.schedule.total_interest == total, where
            assert q.schedule.instalments[-1].principal == p, where
        assert q.schedule.total_principal == p, where
        fee = setup.guarantee_fee or D(0)
        assert q.costs.guarantee_fee == fee, where
        assert q.costs.effective_cost == q.schedule.total_interest + fee - q.costs.subsidy
        # the 年化利率: the tests' own IRR of −p (+ the fee) at 0 and each payment at its time
        flows = [(F(0), fee - p)]
        flows += [(t, i.payment) for t, i in zip(MONTHS, q.schedule.instalments, strict=True)]
        want = irr.annual(flows)
        assert abs(q.costs.annualised_rate - want) <= D("0.00005"), (where, want)
        if setup.method in (Method.interest_monthly, Method.revolving) and not fee:
            # actual days over 360: about rate × 365 / 360, never the contract rate itself
            assert abs(q.costs.annualised_rate - case.rate * 365 / 360) < D("0.005"), where
        if setup.subsidy_points:
            # 贴息 on the opening balance (the whole amount: interest-only) for all twelve
            # months, below each period's interest since every rate here exceeds the points
            subsidy = sum(interest(p, setup.subsidy_points, d) for d in DAYS)
            assert q.costs.subsidy == subsidy, where
            assert q.costs.effective_annual_rate < q.costs.annualised_rate, where
        else:
            assert q.costs.subsidy == 0
            assert q.costs.effective_annual_rate == q.costs.annualised_rate, where
