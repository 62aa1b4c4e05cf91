"""Guarantee fee (on the basis a product states), yearly fees and the interest subsidy (贴息),
worked out by hand; and how a quote writes money."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from zhixin.lending.charges import guarantee_fees, subsidies
from zhixin.lending.dates import add_months
from zhixin.lending.schedule import Method, build_schedule
from zhixin.quotes.rules import repricing_dates, valid_until, yuan, yuan_exact

D = Decimal
MILLION = D("1000000.00")
START = date(2025, 7, 15)


def fees(**kw: object) -> list[tuple[date, int, Decimal, Decimal]]:
    args: dict[str, object] = {
        "amount": MILLION,
        "fee_rate": D("1.0"),
        "start": START,
        "maturity": date(2027, 1, 15),
        "coverage": D(80),
        "fee_base": "loan",
        "fee_balance": "original",
        "fee_period": "yearly",
    }
    args.update(kw)
    return [(f.on, f.days, f.base, f.amount) for f in guarantee_fees(**args)]  # type: ignore[arg-type]


def test_guarantee_fee_on_the_whole_loan_each_year_upfront() -> None:
    # 18 months from 2025-07-15: 2025-07-15 → 2026-07-15 (365 days), → 2027-01-15 (184 days)
    assert fees() == [
        (date(2025, 7, 15), 365, MILLION, D("10138.89")),  # 1,000,000 × 1% × 365/360
        (date(2026, 7, 15), 184, MILLION, D("5111.11")),  # 1,000,000 × 1% × 184/360
    ]
    # a leap year has 366 days: 1,000,000 × 1% × 366/360 = 10,166.666…
    assert fees(start=date(2023, 7, 15), maturity=date(2024, 7, 15)) == [
        (date(2023, 7, 15), 366, MILLION, D("10166.67"))
    ]
    assert fees(fee_rate=D(0)) == []


def test_guarantee_fee_on_the_guaranteed_part_or_once() -> None:
    # the guaranteed part: 80 % of 1,000,000 = 800,000; × 1 % × 365/360 = 8,111.11
    assert fees(fee_base="guaranteed")[0] == (date(2025, 7, 15), 365, D("800000.00"), D("8111.11"))
    # once, for the whole 549 days: 1,000,000 × 1 % × 549/360 = 15,250.00
    assert fees(fee_period="upfront") == [(date(2025, 7, 15), 549, MILLION, D("15250.00"))]


def test_guarantee_fee_on_the_outstanding_principal() -> None:
    # 等额本金 1,200,000 over 18 months: 66,666.67 a month; by 2026-07-15 twelve are repaid
    # (the twelfth falls due that very day and is still owed at its start: eleven, 733,333.33 paid)
    s = build_schedule(
        principal=D("1200000"),
        annual_rate=D("3"),
        start=START,
        term_months=18,
        method=Method.equal_principal,
        holiday_rule="none",
    )
    got = fees(amount=D("1200000"), fee_balance="outstanding", outstanding=s.balance_on)
    assert got == [
        (date(2025, 7, 15), 365, D("1200000.00"), D("12166.67")),  # × 1 % × 365/360
        # 1,200,000 − 11 × 66,666.67 = 466,666.63; × 1 % × 184/360 = 2,385.1849… → 2,385.18
        (date(2026, 7, 15), 184, D("466666.63"), D("2385.18")),
    ]


def _interest_only(rate: str, months: int) -> tuple:  # type: ignore[type-arg]
    return build_schedule(
        principal=MILLION,
        annual_rate=D(rate),
        start=START,
        term_months=months,
        method=Method.interest_monthly,
        holiday_rule="none",
    ).instalments


def test_subsidy_of_daily_periods_covers_the_days_within_the_subsidy_months() -> None:
    periods = _interest_only("3", 3)  # 08-15 (31 days), 09-15 (31), 10-15 (30)
    subs = subsidies(periods, points=D(1), start=START, months=2, cap=None)
    # 1,000,000 × 1% × 31/360 = 861.111…
    assert [(s.number, s.on, s.days, s.amount) for s in subs] == [
        (1, date(2025, 8, 15), 31, D("861.11")),
        (2, date(2025, 9, 15), 31, D("861.11")),
    ]
    whole = subsidies(periods, points=D(1), start=START, months=None, cap=None)
    assert [s.amount for s in whole] == [D("861.11"), D("861.11"), D("833.33")]  # 30/360


def test_subsidy_of_monthly_periods_is_a_twelfth() -> None:
    # 等额本金 1,200,000 at 3 % over 3 months: whole months, so the subsidy is points / 12 too
    s = build_schedule(
        principal=D("1200000"),
        annual_rate=D("3"),
        start=START,
        term_months=3,
        method=Method.equal_principal,
        holiday_rule="none",
    )
    subs = subsidies(s.instalments, points=D(1), start=START, months=2, cap=None)
    # 1,200,000 × 1 % / 12 = 1,000.00; 800,000 × 1 % / 12 = 666.666… → 666.67; none in month 3
    assert [(x.number, x.amount) for x in subs] == [(1, D("1000.00")), (2, D("666.67"))]


def test_subsidy_stops_at_the_cap_and_never_exceeds_the_interest() -> None:
    periods = _interest_only("3", 3)
    capped = subsidies(periods, points=D(1), start=START, months=None, cap=D("1000.00"))
    assert [s.amount for s in capped] == [D("861.11"), D("138.89")]
    # 5 points on a 3 % loan: the subsidy pays the interest, no more (2,583.33 for 31 days)
    generous = subsidies(periods, points=D(5), start=START, months=1, cap=None)
    assert [(s.number, s.amount) for s in generous] == [(1, D("2583.33"))]


def test_a_period_straddling_the_end_is_subsidised_for_its_days_inside() -> None:
    # a due date moved to 2025-08-18 by a holiday: 34 days, of which 31 fall in the first month
    class Closed:
        def is_workday(self, day: date) -> bool:
            return day not in {date(2025, 8, 15), date(2025, 8, 16), date(2025, 8, 17)}

    p = build_schedule(
        principal=MILLION,
        annual_rate=D("3"),
        start=START,
        term_months=1,
        method=Method.interest_monthly,
        calendar=Closed(),
    ).instalments
    assert (p[0].due, p[0].days) == (date(2025, 8, 18), 34)
    (s,) = subsidies(p, points=D(1), start=START, months=1, cap=None)
    assert (s.days, s.amount) == (31, D("861.11"))


def test_money_is_written_with_separators_and_wan_when_large() -> None:
    assert yuan(D("26000000")) == "2,600.00万元"
    assert yuan(D("18400000")) == "1,840.00万元"
    assert yuan(D("1234.5")) == "1,234.50元"
    assert yuan_exact(D("23422.345")) == "23,422.35元（2.34万元）"
    assert yuan_exact(D("-999.994")) == "-999.99元"


def test_validity_and_repricing_dates() -> None:
    assert valid_until(date(2025, 7, 15), 15) == date(2025, 7, 29)  # the quote date is day 1
    assert repricing_dates(
        start=date(2025, 7, 15), maturity=date(2028, 7, 15), cycle_months=12, anchor="anniversary"
    ) == [date(2026, 7, 15), date(2027, 7, 15)]
    assert repricing_dates(
        start=date(2025, 7, 15), maturity=date(2027, 1, 1), cycle_months=12, anchor="january_1"
    ) == [date(2026, 1, 1)]
    assert (
        repricing_dates(
            start=date(2025, 7, 15),
            maturity=date(2026, 7, 15),
            cycle_months=12,
            anchor="anniversary",
        )
        == []
    )


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
    got = guarantee_fees(
        amount=amount,
        fee_rate=rate,
        start=start,
        maturity=maturity,
        coverage=D(100),
        fee_base="loan",
        fee_balance="original",
        fee_period="yearly",
    )
    assert len(got) == (months + 11) // 12
    assert sum(f.days for f in got) == (maturity - start).days
    assert got[0].on == start
    for f in got:
        exact = amount * rate / 100 * f.days / 360
        assert abs(f.amount - exact) <= D("0.005")
