"""Repayment schedules of the lending core: hand-worked examples and properties.

The hand-worked examples write every expected number out, with its working, in the test. The
properties check each schedule against an independent oracle written here with ``Fraction``:
a whole month of 等额本息 / 等额本金 is opening × rate / 1200, a day-counted period
(按月付息到期还本, 随借随还) opening × rate × days / 36000, each rounded half-up to the fen.

How far the last 等额本息 instalment may be from A
--------------------------------------------------
With i = rate / 1200, A = P·i/(1 − (1 + i)^−n) + a (|a| ≤ 0.005, the rounding of A) and each
interest rounded by e_k (|e_k| ≤ 0.005), the balance obeys B_k = B_{k−1}(1 + i) + e_k − A. The
exact annuity would leave B_{n−1} = A*/(1 + i) with A* = A − a; the roundings move it by
Σ_{k<n} (e_k − a)(1 + i)^(n−1−k), at most 0.01 × Σ_{k=0}^{n−2} (1 + i)^k in size. The last
instalment pays B_{n−1}(1 + i) (+ its own rounding), so it differs from A by at most
0.01 × Σ_{k=0}^{n−1} (1 + i)^k + 0.005 — about 0.12 yuan over 12 months at 3.6 %, 1 yuan over
84 months. The old schedule (interest on actual days over 360 against an annuity at rate / 12)
swelled the last instalment by 1,765 yuan on 500万 over 12 months.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhixin.lending.dates import DueDateCalendar, add_months
from zhixin.lending.schedule import MONTHLY_RATE_METHODS, Method, Schedule, build_schedule
from zhixin.workdays.rules import UnknownYear

D = Decimal


def half_up_fen(x: Fraction) -> Decimal:
    """The oracle's rounding: half-up to the fen, on an exact fraction (x ≥ 0)."""
    return D(floor(x * 100 + Fraction(1, 2))) / 100


def monthly(opening: Decimal, rate: Decimal) -> Decimal:
    return half_up_fen(Fraction(opening) * Fraction(rate) / 1200)


def daily(opening: Decimal, rate: Decimal, days: int) -> Decimal:
    return half_up_fen(Fraction(opening) * Fraction(rate) * days / 36000)


def last_bound(rate: Decimal, n: int) -> Decimal:
    """0.01 × Σ_{k<n} (1 + i)^k + 0.005 (the module docstring), a hair above."""
    i = Fraction(rate) / 1200
    return D(float(Fraction(1, 100) * sum((1 + i) ** k for k in range(n)))) + D("0.0051")


def build(method: Method, amount: str, rate: str, n: int, start: date, **kw: object) -> Schedule:
    return build_schedule(
        principal=D(amount),
        annual_rate=D(rate),
        start=start,
        term_months=n,
        method=method,
        **kw,  # type: ignore[arg-type]
    )


# -- hand-worked examples ----------------------------------------------------------------------


def test_equal_instalment_charges_the_monthly_rate_and_stays_level() -> None:
    """1,000,000.00 at 3.60 % 等额本息 over 12 months from 2025-01-15: i = 0.3 % a month."""
    s = build(Method.equal_instalment, "1000000.00", "3.60", 12, date(2025, 1, 15))
    # A = 1,000,000 × 0.003 / (1 − 1.003^−12) = 84,967.2563… → 84,967.26
    a = D("84967.26")
    assert [i.payment for i in s.instalments[:-1]] == [a] * 11
    rows = [(i.opening, i.interest, i.principal, i.closing) for i in s.instalments[:3]]
    assert rows == [
        # 1,000,000 × 0.003 = 3,000.00 (whatever the month's 31 days)
        (D("1000000.00"), D("3000.00"), D("81967.26"), D("918032.74")),
        # 918,032.74 × 0.003 = 2,754.098… → 2,754.10 (February's 28 days change nothing)
        (D("918032.74"), D("2754.10"), D("82213.16"), D("835819.58")),
        # 835,819.58 × 0.003 = 2,507.458… → 2,507.46
        (D("835819.58"), D("2507.46"), D("82459.80"), D("753359.78")),
    ]
    last = s.instalments[-1]
    # carried on by hand to the eleventh: 84,713.10 left; 84,713.10 × 0.003 = 254.139… → 254.14
    assert (last.opening, last.interest, last.payment) == (
        D("84713.10"),
        D("254.14"),
        D("84967.24"),  # two fen below A: the roundings, nothing else
    )
    assert {i.basis for i in s.instalments} == {"monthly"}
    assert s.total_principal == D("1000000.00") and last.closing == 0


def test_equal_principal_charges_the_monthly_rate() -> None:
    """1,000,000.00 at 3.65 % 等额本金 over 12 months from 2025-01-15."""
    s = build(Method.equal_principal, "1000000.00", "3.65", 12, date(2025, 1, 15))
    first, second, last = s.instalments[0], s.instalments[1], s.instalments[-1]
    # principal share 1,000,000 / 12 = 83,333.33; the last takes 1,000,000 − 11 × 83,333.33
    assert first.principal == second.principal == D("83333.33")
    assert last.principal == last.opening == D("83333.37")
    # 1,000,000 × 3.65 / 1200 = 3,041.666… → 3,041.67 (not 31 days' 3,143.06)
    assert (first.interest, first.payment) == (D("3041.67"), D("86375.00"))
    # 916,666.67 × 3.65 / 1200 = 2,788.194… → 2,788.19 (not 28 days' 2,602.31)
    assert second.interest == D("2788.19")
    # 83,333.37 × 3.65 / 1200 = 253.472… → 253.47
    assert last.interest == D("253.47")
    assert s.total_principal == D("1000000.00")


def test_interest_only_accrues_actual_days_over_360() -> None:
    """5,000,000.00 at 3.00 % from 2025-01-31: month ends of 28, 31 and 30 days."""
    for method in (Method.interest_monthly, Method.revolving):
        s = build(method, "5000000.00", "3.00", 3, date(2025, 1, 31), holiday_rule="none")
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
        assert {i.basis for i in s.instalments} == {"daily"}
        assert [i.principal for i in s.instalments] == [D(0), D(0), D("5000000.00")]


def test_a_maturity_off_the_monthly_grid_ends_a_broken_period() -> None:
    # 1,000,000 at 3.60 % from 2025-01-15 to 2025-03-01: a month, then 14 days (02-15 → 03-01)
    s = build_schedule(
        principal=D("1000000"),
        annual_rate=D("3.60"),
        start=date(2025, 1, 15),
        maturity=date(2025, 3, 1),
        method=Method.interest_monthly,
        holiday_rule="none",
    )
    assert [(i.due, i.days, i.interest) for i in s.instalments] == [
        (date(2025, 2, 15), 31, D("3100.00")),  # 100.00 a day
        (date(2025, 3, 1), 14, D("1400.00")),
    ]
    # an amortising loan runs whole months only
    with pytest.raises(ValueError, match="整月的对应日"):
        build_schedule(
            principal=D("1000000"),
            annual_rate=D("3.60"),
            start=date(2025, 1, 15),
            maturity=date(2025, 3, 1),
            method=Method.equal_instalment,
        )


def test_500_wan_over_12_months_and_5_yi_over_84_are_level() -> None:
    """The two cases the old schedule got wrong: its last instalment swelled by 1,765 yuan
    (500万, 12 months) and by 21 % (5亿, 84 months)."""
    for amount, rate, n in (("5000000.00", "4.35", 12), ("500000000.00", "3.95", 84)):
        s = build(Method.equal_instalment, amount, rate, n, date(2025, 7, 15))
        a = s.instalments[0].payment
        assert all(i.payment == a for i in s.instalments[:-1])
        assert abs(s.instalments[-1].payment - a) <= last_bound(D(rate), n)


class Weekdays:
    def is_workday(self, day: date) -> bool:
        return day.weekday() < 5


def test_holiday_rules_move_the_date_and_only_daily_interest_follows() -> None:
    """From Wednesday 2025-01-15, the 15ths of February and March 2025 are Saturdays."""
    start, cal = date(2025, 1, 15), Weekdays()
    kept = build(Method.interest_monthly, "1000000.00", "3.60", 2, start, holiday_rule="none")
    following = build(Method.interest_monthly, "1000000.00", "3.60", 2, start, calendar=cal)
    preceding = build(
        Method.interest_monthly, "1000000.00", "3.60", 2, start, holiday_rule="preceding"
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
    # 等额本息: the same dates move, the monthly interest does not
    level = build(Method.equal_instalment, "1000000.00", "3.60", 2, start, calendar=cal)
    assert [(i.due, i.interest) for i in level.instalments] == [
        (date(2025, 2, 17), D("3000.00")),
        # A = 1,000,000 × 0.003 × 1.003² / (1.003² − 1) = 502,251.123… → 502,251.12;
        # 1,000,000 − (502,251.12 − 3,000.00) = 500,748.88 left × 0.003 = 1,502.246… → 1,502.25
        (date(2025, 3, 17), D("1502.25")),
    ]


def test_a_year_the_calendar_does_not_know_avoids_weekends_and_says_so() -> None:
    class KnowsUntil2026:
        def is_workday(self, day: date) -> bool:
            if day.year >= 2027:
                raise UnknownYear(day.year)
            return day.weekday() < 5 and day != date(2026, 12, 15)  # a made-up holiday

    s = build(
        Method.equal_principal,
        "600000.00",
        "3.45",
        4,
        date(2026, 11, 15),
        calendar=KnowsUntil2026(),
    )
    # 2026-12-15 (a holiday here) → 12-16; 2027-01-15 is a Friday; 2027-02-15 a Monday;
    # 2027-03-15 a Monday
    assert [i.due for i in s.instalments] == [
        date(2026, 12, 16),
        date(2027, 1, 15),
        date(2027, 2, 15),
        date(2027, 3, 15),
    ]
    assert s.weekends_only == (2027,)
    # from 2027-05-15 (a Saturday): the year unknown, the Saturday is still not a due date
    later = build(
        Method.equal_principal, "600000.00", "3.45", 1, date(2027, 4, 15), calendar=KnowsUntil2026()
    )
    assert later.instalments[0].due == date(2027, 5, 17)  # the Monday after
    wrapped = DueDateCalendar(KnowsUntil2026())
    assert wrapped.is_workday(date(2027, 5, 15)) is False
    assert wrapped.weekends_only == {2027}

    class Broken:
        def is_workday(self, day: date) -> bool:
            raise RuntimeError("calendar down")

    with pytest.raises(RuntimeError):
        build(Method.equal_principal, "600000.00", "3.45", 3, date(2026, 12, 15), calendar=Broken())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"principal": D(0)}, "大于零"),
        ({"principal": D("-5.00")}, "大于零"),
        ({"principal": D("1000.001")}, "精确到分"),
        ({"term_months": 0}, "1 至 360"),
        ({"term_months": 361}, "1 至 360"),
        ({"annual_rate": D("-0.01")}, "不能为负数"),
        ({"holiday_rule": "modified"}, "未知的节假日规则"),
        ({"method": "气球贷"}, "未知的还款方式"),
        ({"term_months": None}, "期限（月）或到期日之一"),
        ({"maturity": date(2026, 1, 1)}, "期限（月）或到期日之一"),
    ],
)
def test_refusals_in_chinese(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {
        "method": Method.equal_principal,
        "principal": D("10000.00"),
        "annual_rate": D("3.45"),
        "term_months": 12,
        "start": date(2025, 1, 1),
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        build_schedule(**args)  # type: ignore[arg-type]


def test_balance_on_a_day() -> None:
    s = build(Method.equal_principal, "1200.00", "0", 12, date(2025, 1, 15), holiday_rule="none")
    assert s.balance_on(date(2025, 1, 15)) == D("1200.00")
    assert s.balance_on(date(2025, 2, 15)) == D("1200.00")  # the day it falls due: still owed
    assert s.balance_on(date(2025, 2, 16)) == D("1100.00")
    assert s.balance_on(date(2026, 1, 16)) == 0


def test_add_months_clamps_to_month_ends() -> None:
    assert [add_months(date(2024, 1, 31), k) for k in range(1, 5)] == [
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
    ]
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)


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
        want = nominal(s.start, k + 1)
        while want.weekday() >= 5:  # holiday_rule following, no calendar: weekends only
            want += timedelta(days=1)
        assert inst.due == want
        assert inst.days == (inst.due - previous).days > 0
        previous = inst.due
        for part in (inst.opening, inst.principal, inst.interest, inst.payment, inst.closing):
            assert part >= 0 and part == part.quantize(D("0.01"))
        if method in MONTHLY_RATE_METHODS:
            assert inst.interest == monthly(inst.opening, rate)
        else:
            assert inst.interest == daily(inst.opening, rate, inst.days)
        assert inst.payment == inst.principal + inst.interest
        assert inst.closing == inst.opening - inst.principal
        if k + 1 < n:
            assert inst.closing == rows[k + 1].opening
    body = rows[:-1]
    if method == Method.equal_instalment:
        i = Fraction(rate) / 1200
        exact = Fraction(amount) / n if i == 0 else Fraction(amount) * i / (1 - (1 + i) ** -n)
        a = rows[0].payment if n > 1 else half_up_fen(exact)
        assert abs(Fraction(a) - exact) <= Fraction(1, 200)
        # every instalment pays A — unless the fen roundings of A, compounded over a long term
        # on a small amount (1,000 yuan over 30 years), cleared the balance early
        paid_off = next(k for k, inst in enumerate(rows) if inst.closing == 0)
        assert all(inst.payment == a for inst in rows[:paid_off])
        if paid_off == n - 1:
            assert abs(rows[-1].payment - a) <= last_bound(rate, n)
        else:
            assert rows[paid_off].payment <= a
            assert all(inst.payment == 0 for inst in rows[paid_off + 1 :])
            assert last_bound(rate, n) > a / 4  # only where the roundings can add up so far
    elif method == Method.equal_principal:
        share = half_up_fen(Fraction(amount) / n)
        assert all(inst.principal == share for inst in body)
    else:
        assert all(inst.principal == 0 for inst in body)
        assert rows[-1].principal == amount


@pytest.mark.parametrize("method", list(Method))
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(amount=amounts, rate=rates, n=terms, start=starts())
def test_schedule_properties(
    method: Method, amount: Decimal, rate: Decimal, n: int, start: date
) -> None:
    s = build_schedule(
        principal=amount, annual_rate=rate, start=start, term_months=n, method=method
    )
    check_schedule(s, method, amount, rate, n)
