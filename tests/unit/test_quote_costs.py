"""Guarantee fee and interest subsidy (zhixin.quotes.rules), worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from zhixin.quotes.rules import (
    Period,
    add_months,
    guarantee_fees,
    subsidies,
    yuan,
    yuan_exact,
)

D = Decimal
MILLION = D("1000000.00")


def test_guarantee_fee_is_paid_each_guarantee_year_upfront_on_actual_days() -> None:
    # 18 months from 2025-07-15: 2025-07-15 → 2026-07-15 (365 days), → 2027-01-15 (184 days)
    fees = guarantee_fees(
        amount=MILLION, fee_rate=D("1.0"), start=date(2025, 7, 15), maturity=date(2027, 1, 15)
    )
    assert [(f.number, f.on, f.days, f.amount) for f in fees] == [
        (1, date(2025, 7, 15), 365, D("10138.89")),  # 1,000,000 × 1% × 365/360 = 10,138.888…
        (2, date(2026, 7, 15), 184, D("5111.11")),  # 1,000,000 × 1% × 184/360 = 5,111.111…
    ]
    # a leap year has 366 days: 1,000,000 × 1% × 366/360 = 10,166.666…
    leap = guarantee_fees(
        amount=MILLION, fee_rate=D("1"), start=date(2023, 7, 15), maturity=date(2024, 7, 15)
    )
    assert [(f.days, f.amount) for f in leap] == [(366, D("10166.67"))]
    assert (
        guarantee_fees(
            amount=MILLION, fee_rate=D(0), start=date(2025, 1, 1), maturity=date(2026, 1, 1)
        )
        == []
    )


def _interest_only(rate: Decimal, dues: list[date], start: date) -> list[Period]:
    periods = []
    previous = start
    for n, due in enumerate(dues, start=1):
        days = (due - previous).days
        interest = (MILLION * rate / 100 * days / 360).quantize(D("0.01"))
        periods.append(Period(n, previous, due, days, MILLION, interest))
        previous = due
    return periods


START = date(2025, 7, 15)
DUES = [date(2025, 8, 15), date(2025, 9, 15), date(2025, 10, 15)]


def test_subsidy_covers_the_days_within_the_subsidy_months() -> None:
    periods = _interest_only(D(3), DUES, START)
    # two subsidy months end on 2025-09-15: periods 1 and 2 (31 days each), not period 3
    subs = subsidies(periods, points=D(1), start=START, months=2, cap=None)
    # 1,000,000 × 1% × 31/360 = 861.111…
    assert [(s.number, s.on, s.days, s.amount) for s in subs] == [
        (1, date(2025, 8, 15), 31, D("861.11")),
        (2, date(2025, 9, 15), 31, D("861.11")),
    ]
    whole = subsidies(periods, points=D(1), start=START, months=None, cap=None)
    assert [s.amount for s in whole] == [D("861.11"), D("861.11"), D("833.33")]  # 30/360


def test_subsidy_stops_at_the_cap_and_never_exceeds_the_interest() -> None:
    periods = _interest_only(D(3), DUES, START)
    capped = subsidies(periods, points=D(1), start=START, months=None, cap=D("1000.00"))
    assert [s.amount for s in capped] == [D("861.11"), D("138.89")]
    # 5 points on a 3 % loan: the subsidy pays the interest, no more (2,583.33 for 31 days)
    generous = subsidies(periods, points=D(5), start=START, months=1, cap=None)
    assert [(s.number, s.amount) for s in generous] == [(1, D("2583.33"))]


def test_a_period_straddling_the_end_is_subsidised_for_its_days_inside() -> None:
    # a due date moved to 2025-08-18 by a holiday: 34 days, of which 31 fall in the first month
    p = Period(1, START, date(2025, 8, 18), 34, MILLION, D("2833.33"))
    (s,) = subsidies([p], points=D(1), start=START, months=1, cap=None)
    assert (s.days, s.amount) == (31, D("861.11"))


def test_money_is_written_with_separators_and_wan_when_large() -> None:
    assert yuan(D("26000000")) == "2,600.00万元"
    assert yuan(D("18400000")) == "1,840.00万元"
    assert yuan(D("1234.5")) == "1,234.50元"
    assert yuan_exact(D("23422.345")) == "23,422.35元（2.34万元）"
    assert yuan_exact(D("-999.994")) == "-999.99元"
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("100000000"), places=2),
    rate=st.decimals(min_value=D("0.01"), max_value=D("5"), places=4),
    months=st.integers(min_value=1, max_value=120),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_guarantee_years_cover_the_loan_exactly(
    amount: Decimal, rate: Decimal, months: int, start: date
) -> None:
    maturity = add_months(start, months)
    fees = guarantee_fees(amount=amount, fee_rate=rate, start=start, maturity=maturity)
    assert len(fees) == (months + 11) // 12
    assert sum(f.days for f in fees) == (maturity - start).days
    assert fees[0].on == start
    for f in fees:
        exact = amount * rate / 100 * f.days / 360
        assert abs(f.amount - exact) <= D("0.005")
