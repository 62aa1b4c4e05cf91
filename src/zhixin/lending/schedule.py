"""Repayment schedules (还款计划), exact in ``Decimal``.

:func:`build_schedule` is the one entry point (keyword-only)::

    build_schedule(principal=Decimal("5000000.00"), annual_rate=Decimal("4.2"),
                   start=date(2025, 7, 15), term_months=12, method=Method.equal_instalment,
                   holiday_rule="following", calendar=workdays.calendar(session))

Dates (:mod:`zhixin.lending.dates`)
    Period ends fall monthly on the start's day of month (clamped to month ends), ``term_months``
    of them — or up to ``maturity``, which for interest-only methods may end a last, shorter
    (broken) period off the monthly grid. Each due date is then moved off non-working days by
    ``holiday_rule`` on ``calendar``; where the calendar does not know a year (or no calendar is
    given) weekends only are avoided and the year is listed in ``Schedule.weekends_only``.

Interest (:mod:`zhixin.lending.daycount`)
    - 等额本息 and 等额本金 charge every period at the monthly rate: opening balance × annual
      rate / 12 (``basis == "monthly"``). Moving a due date off a holiday changes the date only,
      never the period's interest, so the instalments stay level.
    - 按月付息到期还本 and 随借随还 accrue daily: opening balance × annual rate / 360 × the actual
      days between the (moved) due dates (``basis == "daily"``), a broken last period included.
      A revolving line (随借随还) is scheduled on the principal the caller says is drawn — for a
      quote, the line × the product's expected utilisation.

Methods
    - 等额本息 (equal instalments): A = the annuity P·i / (1 − (1 + i)^−n) at i = rate / 12,
      rounded half-up to the fen; every instalment but the last pays exactly A (principal =
      A − that month's interest). The last pays the remaining balance and its interest, so it
      differs from A only by the fen roundings of A and of the interests before it (cents to a
      few yuan over a long term).
    - 等额本金 (equal principal): principal P / n rounded half-up to the fen each period, the
      last takes the remainder; interest on the declining balance.
    - 按月付息到期还本 and 随借随还: interest each period, all principal on the last due date.
    No period repays more than is outstanding. For a small amount over a long term (1,000 yuan
    over 30 years at 10 %) the fen rounding of A, compounded, can add up to more than the last
    instalment: the balance is then cleared by a smaller instalment before the last, and the
    ones after it pay nothing — never an ordinary loan (the gap is under a yuan for 500万 over
    7 years).

Rounding
    Every amount the schedule chooses — each period's interest, A, the level principal share — is
    rounded half-up to the fen when computed (:func:`zhixin.lending.money.fen`); the rest are
    exact differences. Principal sums exactly to the amount lent; the last closing balance is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum
from typing import Literal

from zhixin.lending import daycount
from zhixin.lending.dates import (
    DueDateCalendar,
    HolidayRule,
    WorkdayCalendar,
    add_months,
    adjusted,
    nominal_ends,
)
from zhixin.lending.money import ZERO, fen, is_fen

MAX_TERM_MONTHS = 360


class Method(StrEnum):
    """Repayment methods (还款方式); the value is what users see and type."""

    equal_instalment = "等额本息"
    equal_principal = "等额本金"
    interest_monthly = "按月付息到期还本"
    revolving = "随借随还"


MONTHLY_RATE_METHODS = frozenset({Method.equal_instalment, Method.equal_principal})
Basis = Literal["monthly", "daily"]
BASIS_LABELS: dict[str, str] = {
    "monthly": "按月利率（年利率 ÷ 12）× 期初本金",
    "daily": "按日利率（年利率 ÷ 360）× 期初本金 × 实际天数",
}


@dataclass(frozen=True)
class Instalment:
    number: int
    start: date  # the period's first day: the loan's start or the previous due date
    due: date
    days: int  # actual days from ``start`` to ``due``
    basis: Basis  # how ``interest`` was charged (see BASIS_LABELS)
    opening: Decimal
    principal: Decimal
    interest: Decimal
    payment: Decimal
    closing: Decimal


@dataclass(frozen=True)
class Schedule:
    method: Method
    amount: Decimal  # the principal scheduled
    annual_rate: Decimal
    start: date
    holiday_rule: HolidayRule
    instalments: tuple[Instalment, ...]
    term_end: date  # the contractual maturity: the last period's end before any holiday move
    weekends_only: tuple[int, ...] = ()  # years whose due dates avoided weekends only

    @property
    def total_principal(self) -> Decimal:
        return sum((i.principal for i in self.instalments), ZERO)

    @property
    def total_interest(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)

    @property
    def total_payment(self) -> Decimal:
        return sum((i.payment for i in self.instalments), ZERO)

    @property
    def maturity(self) -> date:
        """The last due date (``term_end`` moved off a non-working day)."""
        return self.instalments[-1].due

    def balance_on(self, day: date) -> Decimal:
        """The principal outstanding at the start of ``day``: what was lent less the principal
        of the instalments due before it."""
        if day < self.start:
            return ZERO
        repaid = sum((i.principal for i in self.instalments if i.due < day), ZERO)
        return self.amount - repaid


def annuity(*, principal: Decimal, annual_rate: Decimal, months: int) -> Decimal:
    """等额本息 instalment A at the monthly rate rate / 12 over ``months``, half-up to the fen."""
    if annual_rate == 0:
        return fen(principal / months)
    with localcontext() as ctx:
        ctx.prec = 50
        i = annual_rate / Decimal(1200)
        growth = (1 + i) ** months
        return fen(principal * i * growth / (growth - 1))


def _method(method: Method | str) -> Method:
    try:
        return Method(method)
    except ValueError:
        raise ValueError(f"未知的还款方式「{method}」（可选：{'、'.join(Method)}）") from None


def _check(principal: Decimal, annual_rate: Decimal, term: int | None) -> None:
    if not principal.is_finite() or principal <= 0:
        raise ValueError("贷款金额必须大于零")
    if not is_fen(principal):
        raise ValueError("贷款金额须精确到分（最多两位小数）")
    if term is not None:
        if isinstance(term, bool) or not isinstance(term, int):
            raise ValueError("贷款期限须为整数个月")
        if not 1 <= term <= MAX_TERM_MONTHS:
            raise ValueError(f"贷款期限须在 1 至 {MAX_TERM_MONTHS} 个月之间")
    if not annual_rate.is_finite() or annual_rate < 0:
        raise ValueError("年利率不能为负数")


def build_schedule(
    *,
    principal: Decimal,
    annual_rate: Decimal,
    start: date,
    method: Method | str,
    term_months: int | None = None,
    maturity: date | None = None,
    holiday_rule: HolidayRule = "following",
    calendar: WorkdayCalendar | None = None,
) -> Schedule:
    """The full schedule of ``principal`` lent on ``start``; see the module's docstring.

    Give ``term_months`` or ``maturity``. Refusals are ``ValueError`` with a Chinese message.
    """
    method = _method(method)
    _check(principal, annual_rate, term_months)
    ends = nominal_ends(start, term_months=term_months, maturity=maturity)
    if len(ends) > MAX_TERM_MONTHS:
        raise ValueError(f"贷款期限须在 1 至 {MAX_TERM_MONTHS} 个月之间")
    if method in MONTHLY_RATE_METHODS and ends[-1] != add_months(start, len(ends)):
        raise ValueError(f"{method.value}的到期日须为放款日之后整月的对应日")
    days = DueDateCalendar(calendar)
    dues = adjusted(start, ends, holiday_rule, days.is_workday)
    whole = [add_months(start, k) == end for k, end in enumerate(ends, start=1)]
    principal = principal.quantize(Decimal("0.01"))  # 1000 → 1000.00: every figure has its fen
    with localcontext() as ctx:  # whatever the caller's context: enough digits, then fen()
        ctx.prec, ctx.rounding = 40, ROUND_HALF_EVEN
        rows = _rows(method, principal, annual_rate, start, dues, whole)
    return Schedule(
        method=method,
        amount=principal,
        annual_rate=annual_rate,
        start=start,
        holiday_rule=holiday_rule,
        instalments=tuple(rows),
        term_end=ends[-1],
        weekends_only=tuple(sorted(days.weekends_only)),
    )


def _interest_of(
    method: Method, balance: Decimal, annual_rate: Decimal, days: int, whole: bool
) -> tuple[Basis, Decimal]:
    if method in MONTHLY_RATE_METHODS and whole:
        return "monthly", daycount.monthly_interest(balance=balance, annual_rate=annual_rate)
    return "daily", daycount.daily_interest(balance=balance, annual_rate=annual_rate, days=days)


def _level(method: Method, principal: Decimal, annual_rate: Decimal, n: int) -> Decimal:
    if method == Method.equal_instalment:
        return annuity(principal=principal, annual_rate=annual_rate, months=n)
    if method == Method.equal_principal:
        return fen(principal / n)
    return ZERO


def _rows(
    method: Method,
    principal: Decimal,
    annual_rate: Decimal,
    start: date,
    dues: list[date],
    whole: list[bool],
) -> list[Instalment]:
    n = len(dues)
    level = _level(method, principal, annual_rate, n)
    rows: list[Instalment] = []
    balance, previous = principal, start
    for number, (due, full) in enumerate(zip(dues, whole, strict=True), start=1):
        days = (due - previous).days
        basis, interest = _interest_of(method, balance, annual_rate, days, full)
        if number == n:
            part = balance
        elif method == Method.equal_instalment:
            part = min(level - interest, balance)
        elif method == Method.equal_principal:
            part = min(level, balance)
        else:
            part = ZERO
        rows.append(
            Instalment(
                number=number,
                start=previous,
                due=due,
                days=days,
                basis=basis,
                opening=balance,
                principal=part,
                interest=interest,
                payment=part + interest,
                closing=balance - part,
            )
        )
        balance, previous = balance - part, due
    return rows
