"""Repayment schedules and the annualised rate: hand-worked examples and properties.

The hand-worked examples write every expected number out, with its working, in the test. The
properties check each schedule against an independent oracle written here with ``Fraction``
(interest = opening × rate × days / 36000, rounded half-up to the fen).

The bound on a fee-free schedule's annualised rate
--------------------------------------------------
With B_k = B_{k−1}(1 + r·d_k/36000) + e_k − payment_k, where e_k is the fen rounding of the k-th
interest (|e_k| ≤ 0.005) and B_n = 0 exactly, multiplying by the discount factor D_k and summing
gives NPV(r) = Σ e_k·D_k: at the contract rate the NPV is not zero only by the roundings, so
|NPV(r)| ≤ 0.005·Σ D_k. NPV falls with the rate at the slope |NPV'(r)| = Σ payment_k·D_k·S_k
(S_k = Σ_{j≤k} (d_j/36000)/(1 + r·d_j/36000)), so the root lies within 0.005·Σ D_k / |NPV'(r)|
of r (first order; 5 % is allowed for the curvature over that tiny interval), plus 0.00005 for
the 4-decimal rounding of the answer. For equal principal at 0 % this is 0.005·n·36000 /
(amount·(n+1)/2·30.44) < 11.83 / amount percentage points, the largest case: so a schedule of
10,000 yuan is within 0.0012 pp (+0.00005) of its contract rate, one of 1,000,000 yuan within
0.000012 pp — the property below checks both the per-schedule bound and 12 / amount.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction
from itertools import pairwise
from math import floor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhixin.products.terms import Method
from zhixin.quotes.schedule import (
    Schedule,
    annualised_rate,
    annuity,
    build,
    due_dates,
    flows_of,
)

D = Decimal


def half_up_fen(x: Fraction) -> Decimal:
    """The oracle's rounding: half-up to the fen, on an exact fraction (x ≥ 0)."""
    cents = floor(x * 100 + Fraction(1, 2))
    return D(cents) / 100


def oracle_interest(opening: Decimal, rate: Decimal, days: int) -> Decimal:
    return half_up_fen(Fraction(opening) * Fraction(rate) * days / 36000)


def npv(flows: list[tuple[date, Decimal]], rate: Decimal) -> Decimal:
    """NPV at ``rate`` (% p.a.) compounding (1 + r·d/360) between consecutive flow dates."""
    with localcontext() as ctx:
        ctx.prec = 60
        total, discount = flows[0][1], D(1)
        for (before, _), (day, value) in pairwise(flows):
            discount /= 1 + rate * (day - before).days / D(36000)
            total += value * discount
        return total


def first_order_bound(s: Schedule) -> float:
    """0.005·Σ D_k / |NPV'(r)| in percentage points (see the module docstring)."""
    r, discount, s_k, sum_d, slope, previous = float(s.annual_rate), 1.0, 0.0, 0.0, 0.0, s.start
    for inst in s.instalments:
        d = (inst.due - previous).days
        previous = inst.due
        step = 1 + r * d / 36000
        discount /= step
        s_k += (d / 36000) / step
        sum_d += discount
        slope += float(inst.payment) * discount * s_k
    return 0.005 * sum_d / slope


# -- hand-worked examples ----------------------------------------------------------------------


def test_equal_principal_hand_worked() -> None:
    """1,000,000.00 at 3.65 % 等额本金 over 12 months from 2025-01-15."""
    s = build(Method.equal_principal, D("1000000.00"), D("3.65"), 12, date(2025, 1, 15))
    first, second, last = s.instalments[0], s.instalments[1], s.instalments[-1]
    # principal share: 1,000,000 / 12 = 83,333.333… → 83,333.33
    assert first.principal == second.principal == D("83333.33")
    # 2025-01-15 → 2025-02-15 is 31 days: 1,000,000 × 3.65 % × 31 / 360 = 3,143.0555… → 3,143.06
    assert (first.due, first.days, first.interest) == (date(2025, 2, 15), 31, D("3143.06"))
    assert first.payment == D("86476.39")  # 83,333.33 + 3,143.06
    assert first.closing == second.opening == D("916666.67")
    # February: 28 days on 916,666.67: 916,666.67 × 0.0365 × 28 / 360 = 2,602.3148… → 2,602.31
    assert (second.days, second.interest) == (28, D("2602.31"))
    # the last takes the remainder: 1,000,000 − 11 × 83,333.33 = 83,333.37
    assert last.opening == last.principal == D("83333.37")
    # 2025-12-15 → 2026-01-15, 31 days: 83,333.37 × 0.0365 × 31 / 360 = 261.9214… → 261.92
    assert (last.due, last.days, last.interest) == (date(2026, 1, 15), 31, D("261.92"))
    assert last.closing == 0
    assert s.total_principal == D("1000000.00")
    assert sum(i.days for i in s.instalments) == 365


def test_equal_instalment_hand_worked() -> None:
    """1,000,000.00 at 3.60 % 等额本息 over 12 months from 2025-01-15 (monthly rate 0.3 %)."""
    s = build(Method.equal_instalment, D("1000000.00"), D("3.60"), 12, date(2025, 1, 15))
    a = D("84967.26")
    # A is the annuity at 0.3 % a month rounded to the fen: 12 payments of A, discounted at
    # 1.003 a month, are worth 1,000,000 to within the discounted half-fens of the rounding.
    pv = sum(Fraction(a) / Fraction(1003, 1000) ** k for k in range(1, 13))
    assert abs(pv - 1_000_000) <= sum(
        Fraction(1, 200) / Fraction(1003, 1000) ** k for k in range(1, 13)
    )
    assert annuity(D("1000000.00"), D("3.60"), 12) == a
    assert [i.payment for i in s.instalments[:-1]] == [a] * 11
    one, two = s.instalments[0], s.instalments[1]
    # 31 days: 1,000,000 × 3.6 % × 31 / 360 = 3,100.00; principal 84,967.26 − 3,100.00
    assert (one.interest, one.principal, one.closing) == (
        D("3100.00"),
        D("81867.26"),
        D("918132.74"),
    )
    # 28 days: 918,132.74 × 0.036 × 28 / 360 = 918,132.74 × 0.0028 = 2,570.7717 → 2,570.77
    assert (two.interest, two.principal) == (D("2570.77"), D("82396.49"))
    last = s.instalments[-1]
    # the last pays what is left, 84,900.36, plus 31 days on it: 84,900.36 × 0.0031 = 263.19
    assert (last.opening, last.interest, last.payment) == (
        D("84900.36"),
        D("263.19"),
        D("85163.55"),
    )
    assert s.total_principal == D("1000000.00")
    assert annualised_rate(flows_of(s)) == D("3.6000")


def test_interest_monthly_month_ends_and_revolving() -> None:
    """5,000,000.00 at 3.00 % from 2025-01-31: due dates clamp to month ends (28, 31, 30 days)."""
    for method in (Method.interest_monthly, Method.revolving):
        s = build(method, D("5000000.00"), D("3.00"), 3, date(2025, 1, 31))
        assert [i.due for i in s.instalments] == [
            date(2025, 2, 28),
            date(2025, 3, 31),
            date(2025, 4, 30),
        ]
        # 5,000,000 × 3 % / 360 = 416.666… a day: × 28 = 11,666.67; × 31 = 12,916.67; × 30
        assert [i.interest for i in s.instalments] == [
            D("11666.67"),
            D("12916.67"),
            D("12500.00"),
        ]
        assert [i.principal for i in s.instalments] == [D(0), D(0), D("5000000.00")]
        assert s.instalments[-1].payment == D("5012500.00")
        assert s.total_interest == D("37083.34")
        assert annualised_rate(flows_of(s)) == D("3.0000")


def test_leap_year_month_end_clamp() -> None:
    assert due_dates(date(2024, 1, 31), 4) == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert due_dates(date(2023, 11, 30), 3) == [
        date(2023, 12, 30),
        date(2024, 1, 30),
        date(2024, 2, 29),
    ]


def test_zero_rate_equal_instalment() -> None:
    s = build(Method.equal_instalment, D("1000.00"), D(0), 3, date(2025, 3, 10))
    # 1,000 / 3 = 333.333… → 333.33 twice, the last 333.34
    assert [i.payment for i in s.instalments] == [D("333.33"), D("333.33"), D("333.34")]
    assert s.total_interest == 0
    assert annualised_rate(flows_of(s)) == D("0.0000")


def weekdays_only(day: date) -> bool:
    return day.weekday() < 5


def test_holiday_rules_move_due_dates_and_interest_follows() -> None:
    """From Wednesday 2025-01-15, the 15ths of February and March 2025 are Saturdays."""
    amount, rate, start = D("1000000.00"), D("3.60"), date(2025, 1, 15)
    kept = build(Method.interest_monthly, amount, rate, 2, start)
    following = build(
        Method.interest_monthly,
        amount,
        rate,
        2,
        start,
        holiday_rule="following",
        is_workday=weekdays_only,
    )
    preceding = build(
        Method.interest_monthly,
        amount,
        rate,
        2,
        start,
        holiday_rule="preceding",
        is_workday=weekdays_only,
    )
    # 1,000,000 × 3.6 % / 360 = 100.00 a day
    assert [(i.due, i.days, i.interest) for i in kept.instalments] == [
        (date(2025, 2, 15), 31, D("3100.00")),
        (date(2025, 3, 15), 28, D("2800.00")),
    ]
    assert [(i.due, i.days, i.interest) for i in following.instalments] == [
        (date(2025, 2, 17), 33, D("3300.00")),
        (date(2025, 3, 17), 28, D("2800.00")),
    ]
    assert [(i.due, i.days, i.interest) for i in preceding.instalments] == [
        (date(2025, 2, 14), 30, D("3000.00")),
        (date(2025, 3, 14), 28, D("2800.00")),
    ]


def test_holiday_rule_with_a_holiday_run() -> None:
    """A calendar with a week-long holiday: following jumps over all of it."""
    holidays = {date(2025, 10, d) for d in range(1, 9)}  # 1–8 October

    def cal(day: date) -> bool:
        return day.weekday() < 5 and day not in holidays

    s = build(
        Method.interest_monthly,
        D("100000.00"),
        D("3.60"),
        1,
        date(2025, 9, 3),
        holiday_rule="following",
        is_workday=cal,
    )
    # 3 October is a holiday → 9 October (Thursday); 36 days × 10.00 a day
    assert (s.instalments[0].due, s.instalments[0].days) == (date(2025, 10, 9), 36)
    assert s.instalments[0].interest == D("360.00")


def test_unknown_year_in_the_calendar_propagates() -> None:
    class YearUnknown(LookupError):
        pass

    def cal(day: date) -> bool:
        if day.year >= 2027:
            raise YearUnknown(f"{day.year} 年的节假日安排尚未录入")
        return day.weekday() < 5

    with pytest.raises(YearUnknown):
        build(
            Method.equal_principal,
            D("600000.00"),
            D("3.45"),
            3,
            date(2026, 11, 15),
            holiday_rule="following",
            is_workday=cal,
        )
    # without a holiday rule the calendar is not asked
    kept = build(
        Method.equal_principal,
        D("600000.00"),
        D("3.45"),
        3,
        date(2026, 11, 15),
        is_workday=cal,
    )
    assert kept.instalments[-1].due == date(2027, 2, 15)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": D(0)}, "大于零"),
        ({"amount": D("-5.00")}, "大于零"),
        ({"amount": D("1000.001")}, "精确到分"),
        ({"term_months": 0}, "1 至 360"),
        ({"term_months": 361}, "1 至 360"),
        ({"annual_rate": D("-0.01")}, "不能为负数"),
        ({"holiday_rule": "modified"}, "未知的节假日规则"),
        ({"holiday_rule": "following"}, "须提供工作日历"),
    ],
)
def test_refusals_in_chinese(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "method": Method.equal_principal,
        "amount": D("10000.00"),
        "annual_rate": D("3.45"),
        "term_months": 12,
        "start": date(2025, 1, 1),
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        build(**args)  # type: ignore[arg-type]


def test_equal_instalment_refused_where_interest_would_exceed_it() -> None:
    # 24 % over 30 years: A = 20,016.04 (0.02 a month), but a 31-day month's interest on
    # 1,000,000 is 1,000,000 × 24 % × 31 / 360 = 20,666.67 > A
    with pytest.raises(ValueError, match="不足以支付"):
        build(Method.equal_instalment, D("1000000.00"), D("24"), 360, date(2025, 1, 31))


def test_annualised_rate_with_a_fee_hand_worked() -> None:
    """One month, 1,000,000 at 3.60 % (31 days, interest 3,100.00), fee 1,000.00 upfront.

    Net lent 999,000.00, repaid 1,003,100.00 after 31 days: r = (1,003,100 / 999,000 − 1) ×
    36,000 / 31 % = 4,100 × 36,000 / (999,000 × 31) % = 147,600,000 / 30,969,000 % = 4.76605… %.
    """
    s = build(Method.interest_monthly, D("1000000.00"), D("3.60"), 1, date(2025, 1, 15))
    flows = flows_of(s, fees=[(date(2025, 1, 15), D("1000.00"))])
    assert flows == [(date(2025, 1, 15), D("-999000.00")), (date(2025, 2, 15), D("1003100.00"))]
    assert annualised_rate(flows) == D("4.7661")
    assert annualised_rate(flows_of(s)) == D("3.6000")


def test_annualised_rate_refusals() -> None:
    with pytest.raises(ValueError, match="两个不同日期"):
        annualised_rate([(date(2025, 1, 1), D("-100"))])
    with pytest.raises(ValueError, match="首笔现金流应为放款"):
        annualised_rate([(date(2025, 1, 1), D("100")), (date(2025, 2, 1), D("-100"))])
    with pytest.raises(ValueError, match="须有还款"):
        annualised_rate([(date(2025, 1, 1), D("-100")), (date(2025, 2, 1), D("0"))])


# -- properties ------------------------------------------------------------------------------

amounts = st.integers(100_000, 50_000_000_000).map(lambda fen: D(fen) / 100)
rates = st.integers(0, 240_000).map(lambda x: D(x) / 10_000)
terms = st.integers(1, 360)


@st.composite
def starts(draw: st.DrawFn) -> date:
    if draw(st.booleans()):
        year, month = draw(st.integers(2000, 2060)), draw(st.integers(1, 12))
        return date(year, month, calendar.monthrange(year, month)[1])  # a month end
    return draw(st.dates(date(2000, 1, 1), date(2060, 12, 31)))


def nominal(start: date, k: int) -> date:
    index = start.month - 1 + k
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def check_schedule(s: Schedule, method: Method, amount: Decimal, rate: Decimal, n: int) -> None:
    rows = s.instalments
    assert [i.number for i in rows] == list(range(1, n + 1))
    assert sum(i.principal for i in rows) == amount  # exactly
    assert rows[0].opening == amount and rows[-1].closing == 0
    previous = s.start
    for k, inst in enumerate(rows):
        assert inst.due == nominal(s.start, k + 1)
        assert inst.days == (inst.due - previous).days > 0
        previous = inst.due
        for part in (inst.opening, inst.principal, inst.interest, inst.payment, inst.closing):
            assert part >= 0 and part == part.quantize(D("0.01"))
        assert inst.interest == oracle_interest(inst.opening, rate, inst.days)
        assert inst.payment == inst.principal + inst.interest
        assert inst.closing == inst.opening - inst.principal
        if k + 1 < n:
            assert inst.closing == rows[k + 1].opening
    body = rows[:-1]
    if method == Method.equal_instalment:
        i = Fraction(rate) / 1200
        exact = Fraction(amount) / n if i == 0 else Fraction(amount) * i / (1 - (1 + i) ** -n)
        a = annuity(amount, rate, n)
        assert abs(Fraction(a) - exact) <= Fraction(1, 200)
        assert all(inst.payment == a for inst in body)
    elif method == Method.equal_principal:
        share = half_up_fen(Fraction(amount) / n)
        assert all(inst.principal == share for inst in body)
    else:
        assert all(inst.principal == 0 for inst in body)
        assert rows[-1].principal == amount


@pytest.mark.parametrize("method", list(Method))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=amounts, rate=rates, n=terms, start=starts())
def test_schedule_properties(
    method: Method, amount: Decimal, rate: Decimal, n: int, start: date
) -> None:
    try:
        s = build(method, amount, rate, n, start)
    except ValueError as exc:
        # only 等额本息 refuses valid input, and only where a month's interest can exceed A:
        # P·i·31/30 > P·i / (1 − (1 + i)^−n) needs (1 + i)^n > 31 (i = r/12), give or take the
        # fen roundings — certainly > 25
        assert method == Method.equal_instalment and "不足以支付" in str(exc)
        assert (1 + rate / 1200) ** n > 25
        return
    check_schedule(s, method, amount, rate, n)


@pytest.mark.parametrize("method", list(Method))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=amounts, rate=rates, n=terms, start=starts())
def test_annualised_rate_properties(
    method: Method, amount: Decimal, rate: Decimal, n: int, start: date
) -> None:
    try:
        s = build(method, amount, rate, n, start)
    except ValueError:
        return  # refused 等额本息: covered by test_schedule_properties
    flows = flows_of(s)
    irr = annualised_rate(flows)
    # the defining property, checked with this file's own NPV: the root rounds to irr
    half = D("0.00005")
    assert npv(flows, irr - half) >= 0 > npv(flows, irr + half)
    # fee-free: the contract rate up to the fen roundings of the interest (module docstring)
    bound = first_order_bound(s)
    assert abs(irr - rate) <= D(bound * 1.05) + half
    assert bound <= 12 / float(amount)
    # a fee raises it. 0.5 % of the amount at the start adds about 0.5 % / (weighted life in
    # years) ≥ 0.016 pp — visible at 4 decimals. 0.5 % at maturity is discounted over the term
    # (at 24 % over 30 years to a thousandth), so it must raise the rate visibly only over
    # ten years or less, and never lower it.
    fee = (amount / 200).quantize(D("0.01"))
    assert annualised_rate(flows_of(s, fees=[(start, fee)])) > irr
    at_maturity = annualised_rate(flows_of(s, fees=[(s.maturity, fee)]))
    assert at_maturity > irr if n <= 120 else at_maturity >= irr


@settings(max_examples=40, deadline=None)
@given(amount=amounts, rate=rates, n=st.integers(1, 60), start=starts())
def test_following_rule_keeps_the_properties(
    amount: Decimal, rate: Decimal, n: int, start: date
) -> None:
    s = build(
        Method.equal_principal,
        amount,
        rate,
        n,
        start,
        holiday_rule="following",
        is_workday=weekdays_only,
    )
    previous = start
    for k, inst in enumerate(s.instalments, start=1):
        want = nominal(start, k)
        while want.weekday() >= 5:
            want += timedelta(days=1)
        assert inst.due == want and inst.days == (want - previous).days
        assert inst.interest == oracle_interest(inst.opening, rate, inst.days)
        previous = want
    assert s.total_principal == amount and s.instalments[-1].closing == 0
