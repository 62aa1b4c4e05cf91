"""Repayment schedules (还款计划), exact in ``Decimal``, and the annualised rate (年化利率).

Pure: no database, no web, no settings. Every figure is ``Decimal`` yuan to the fen; rates are
annual percentages (``Decimal("3.45")`` is 3.45 % p.a.).

Dates
    Due dates fall monthly on the start's day of month, clamped to the month's end and always
    counted from the start (start 2024-01-31 → 02-29 → 03-31 → 04-30 …). ``holiday_rule`` then
    moves a due date that is not a working day: ``"none"`` keeps it, ``"following"`` takes the
    next working day, ``"preceding"`` the previous one (``is_workday`` decides; an exception it
    raises for a year it does not know propagates — never a guess).

Interest
    A period's interest = opening balance × rate / 100 / 360 × the actual days between the
    previous (adjusted) due date — or the start — and this (adjusted) due date.

Rounding — the one place
    Every amount the schedule *chooses* is rounded half-up to the fen at the moment it is
    computed, and nowhere else:

    - each period's interest;
    - 等额本息: the level instalment A (the annuity at the monthly rate r/12 over n periods);
    - 等额本金: the level principal share amount / n.

    Everything else is a sum or difference of fen amounts and therefore exact: principal =
    A − interest (等额本息), payment = principal + interest, closing = opening − principal. The
    last instalment takes the whole remaining balance as its principal, so the principal parts
    sum exactly to the amount and the last closing balance is exactly zero.

Methods
    - 等额本息 (equal instalments): every instalment but the last pays A; its principal is
      A − interest. The last pays the remaining balance plus its interest, so it differs from A
      by what actual-day interest and the fen roundings added up to. When a period's actual-day
      interest would exceed A the schedule is refused (``ValueError``) rather than letting the
      balance grow: with r/12 in the annuity and up to 31 days of interest this needs
      (1 + r/12)^n > 31, i.e. rates above about 11.5 % over terms beyond 28 years (24 % beyond
      about 14.5 years) — never an ordinary loan.
    - No period repays more principal than is outstanding (this matters only for amounts of a
      few fen per period, where A or amount / n rounded up would overshoot).
    - 等额本金 (equal principal): principal amount / n each period (the last takes the
      remainder), interest on the declining balance.
    - 按月付息到期还本 and 随借随还 (a revolving line, quoted as if fully drawn for the whole
      term): interest every month, the whole principal at maturity.

Annualised rate (年化利率)
    :func:`annualised_rate` is the internal rate of return of the lender's cash flows, in % p.a.
    to 4 decimals, under the *same* convention as the interest: between consecutive flow dates
    the discount compounds as (1 + r·d/360), d the actual days. Hence a fee-free schedule's
    annualised rate equals its contract rate up to the fen roundings of its interest (the
    balance recursion B_k = B_{k−1}(1 + r·d_k/360) − payment_k is exactly the discounting; the
    gap is at most about 12 / amount percentage points, derived in ``tests/unit/test_schedule.py``),
    and a fee paid by the borrower raises it. Fees on dates that are not due dates split a period
    into two compounding steps. The PBoC announcement 〔2021〕No.3 (关于在利率统计及
    披露中使用年化利率的公告) allows the internal-rate-of-return method for the 年化利率 that loan
    offers must show. It is found by a safeguarded Newton iteration in floating point and then
    checked in ``Decimal``: the returned value r̂ is such that the exact NPV changes sign between
    r̂ − 0.00005 and r̂ + 0.00005 (the root rounds to r̂).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext

from zhixin.products.terms import Method
from zhixin.workdays.rules import UnknownYear

FEN = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
ZERO = Decimal(0)
MAX_TERM_MONTHS = 360
HOLIDAY_RULES = ("none", "following", "preceding")
MAX_SHIFT_DAYS = 31  # no official holiday run is this long; a calendar saying so is wrong


@dataclass(frozen=True)
class Instalment:
    number: int
    due: date
    days: int  # actual days since the previous due date (or the start)
    opening: Decimal
    principal: Decimal
    interest: Decimal
    payment: Decimal
    closing: Decimal


@dataclass(frozen=True)
class Schedule:
    method: Method
    amount: Decimal
    annual_rate: Decimal
    start: date
    term_months: int
    instalments: tuple[Instalment, ...]

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
        return self.instalments[-1].due


def fen(value: Decimal) -> Decimal:
    """Round half-up to the fen (分)."""
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


# -- dates -----------------------------------------------------------------------------------


def nominal_due(start: date, months: int) -> date:
    """``start`` plus ``months`` months on the start's day of month, clamped to the month end."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    if year > 9999:
        raise ValueError("到期日超出可表示的日期范围")
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def adjust(day: date, holiday_rule: str, is_workday: Callable[[date], bool] | None) -> date:
    """Move ``day`` to a working day by ``holiday_rule`` ("none" / "following" / "preceding")."""
    if holiday_rule == "none":
        return day
    if holiday_rule not in HOLIDAY_RULES:
        raise ValueError(
            f"未知的节假日规则「{holiday_rule}」（可选：none 不调整、following 顺延、"
            "preceding 提前）"
        )
    if is_workday is None:
        raise ValueError("节假日规则为顺延或提前时须提供工作日历（is_workday）")
    step = timedelta(days=1 if holiday_rule == "following" else -1)
    moved = day
    for _ in range(MAX_SHIFT_DAYS):
        if is_workday(moved):
            return moved
        moved += step
    raise ValueError(f"{day.isoformat()} 前后 {MAX_SHIFT_DAYS} 天内没有工作日，请检查工作日历")


def due_dates(
    start: date,
    term_months: int,
    *,
    holiday_rule: str = "none",
    is_workday: Callable[[date], bool] | None = None,
) -> list[date]:
    """The ``term_months`` due dates after ``start``, moved by ``holiday_rule``."""
    dues: list[date] = []
    previous = start
    for k in range(1, term_months + 1):
        due = adjust(nominal_due(start, k), holiday_rule, is_workday)
        if due <= previous:
            raise ValueError(
                f"第 {k} 期还款日调整后为 {due.isoformat()}，不晚于上一日期 "
                f"{previous.isoformat()}，请检查工作日历"
            )
        dues.append(due)
        previous = due
    return dues


class LenientWorkdays:
    """A calendar's ``is_workday`` for quotes: a year nobody has published yet (``UnknownYear``)
    counts as all working days, so its due dates stay where they fall, never guessed; the first
    such year is kept in ``unknown_from`` for the quote to say so."""

    def __init__(self, check: Callable[[date], bool]) -> None:
        self._check = check
        self.unknown_from: int | None = None

    def __call__(self, day: date) -> bool:
        try:
            return self._check(day)
        except UnknownYear:
            if self.unknown_from is None or day.year < self.unknown_from:
                self.unknown_from = day.year
            return True  # treated as a working day: the due date stays where it falls


# -- the schedule ----------------------------------------------------------------------------


def _check(method: Method, amount: Decimal, annual_rate: Decimal, term_months: int) -> None:
    if method not in tuple(Method):
        raise ValueError(f"未知的还款方式「{method}」（可选：{'、'.join(Method)}）")
    if not amount.is_finite() or amount <= 0:
        raise ValueError("贷款金额必须大于零")
    if amount != amount.quantize(FEN):
        raise ValueError("贷款金额须精确到分（最多两位小数）")
    if isinstance(term_months, bool) or not isinstance(term_months, int):
        raise ValueError("贷款期限须为整数个月")
    if term_months < 1 or term_months > MAX_TERM_MONTHS:
        raise ValueError(f"贷款期限须在 1 至 {MAX_TERM_MONTHS} 个月之间")
    if not annual_rate.is_finite() or annual_rate < 0:
        raise ValueError("年利率不能为负数")


def interest_for(balance: Decimal, annual_rate: Decimal, days: int) -> Decimal:
    """balance × rate/100 / 360 × days, rounded half-up to the fen."""
    return fen(balance * annual_rate * days / Decimal(36000))


def annuity(amount: Decimal, annual_rate: Decimal, term_months: int) -> Decimal:
    """等额本息 instalment A at the monthly rate r/12 over n periods, half-up to the fen."""
    if annual_rate == 0:
        return fen(amount / term_months)
    with localcontext() as ctx:
        ctx.prec = 50
        i = annual_rate / Decimal(1200)
        growth = (1 + i) ** term_months
        value = amount * i * growth / (growth - 1)
    return fen(value)


def build(
    method: Method,
    amount: Decimal,
    annual_rate: Decimal,
    term_months: int,
    start: date,
    *,
    holiday_rule: str = "none",
    is_workday: Callable[[date], bool] | None = None,
) -> Schedule:
    """The full repayment schedule; see the module's docstring for every convention."""
    _check(method, amount, annual_rate, term_months)
    amount = amount.quantize(FEN)  # 1000 → 1000.00: every figure carries its fen
    dues = due_dates(start, term_months, holiday_rule=holiday_rule, is_workday=is_workday)
    with localcontext() as ctx:  # whatever the caller's context: enough digits, then fen()
        ctx.prec, ctx.rounding = 40, ROUND_HALF_EVEN
        rows = _rows(Method(method), amount, annual_rate, term_months, start, dues)
    return Schedule(
        method=Method(method),
        amount=amount,
        annual_rate=annual_rate,
        start=start,
        term_months=term_months,
        instalments=tuple(rows),
    )


def _rows(
    method: Method,
    amount: Decimal,
    annual_rate: Decimal,
    term_months: int,
    start: date,
    dues: list[date],
) -> list[Instalment]:
    level = ZERO
    if method == Method.equal_instalment:
        level = annuity(amount, annual_rate, term_months)
    elif method == Method.equal_principal:
        level = fen(amount / term_months)
    rows: list[Instalment] = []
    balance, previous = amount, start
    for number, due in enumerate(dues, start=1):
        days = (due - previous).days
        interest = interest_for(balance, annual_rate, days)
        if number == term_months:
            principal = balance
        elif method == Method.equal_instalment:
            if interest > level:
                raise ValueError(
                    f"等额本息每期还款额 {level} 元不足以支付第 {number} 期利息 {interest} 元"
                    "（利率高且期限长时按实际天数计息会出现），请缩短期限或改用等额本金"
                )
            principal = min(level - interest, balance)
        elif method == Method.equal_principal:
            principal = min(level, balance)
        else:  # interest monthly / revolving: principal at maturity
            principal = ZERO
        closing = balance - principal
        rows.append(
            Instalment(
                number=number,
                due=due,
                days=days,
                opening=balance,
                principal=principal,
                interest=interest,
                payment=principal + interest,
                closing=closing,
            )
        )
        balance, previous = closing, due
    return rows


# -- cash flows and the annualised rate ------------------------------------------------------


def flows_of(
    schedule: Schedule, *, fees: Sequence[tuple[date, Decimal]] = ()
) -> list[tuple[date, Decimal]]:
    """The lender's cash flows: −amount at the start, +payment on each due date, + each fee.

    A fee is positive when the borrower pays it (to the lender or the guarantor) on that date.
    Flows on the same date are added together; every due date is kept (even with a zero flow),
    so the discounting compounds on the schedule's own periods. Sorted by date.
    """
    merged: dict[date, Decimal] = {schedule.start: -schedule.amount}
    for inst in schedule.instalments:
        merged[inst.due] = merged.get(inst.due, ZERO) + inst.payment
    for day, fee in fees:
        merged[day] = merged.get(day, ZERO) + fee
    return sorted(merged.items())


def _prepare(flows: Sequence[tuple[date, Decimal]]) -> tuple[list[int], list[Decimal]]:
    merged: dict[date, Decimal] = {}
    for day, value in flows:
        if not value.is_finite():
            raise ValueError("现金流金额无效")
        merged[day] = merged.get(day, ZERO) + value
    ordered = sorted(merged.items())
    if len(ordered) < 2:
        raise ValueError("计算年化利率至少需要两个不同日期的现金流")
    if ordered[0][1] >= 0:
        raise ValueError("计算年化利率时，首笔现金流应为放款（负数）")
    if not any(v > 0 for _, v in ordered):
        raise ValueError("计算年化利率时须有还款（正数）现金流")
    gaps = [(ordered[k][0] - ordered[k - 1][0]).days for k in range(1, len(ordered))]
    return gaps, [v for _, v in ordered]


def _npv_float(x: float, gaps: list[int], values: list[float]) -> tuple[float, float]:
    """NPV at x (% p.a.) and its derivative in x."""
    npv, slope = values[0], 0.0
    discount, log_slope = 1.0, 0.0  # d(discount)/dx = discount × log_slope
    for d, v in zip(gaps, values[1:], strict=True):
        step = 1.0 + x * d / 36000.0
        discount /= step
        log_slope -= (d / 36000.0) / step
        npv += v * discount
        slope += v * discount * log_slope
    return npv, slope


def _npv(x: Decimal, gaps: list[int], values: list[Decimal]) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        npv, discount = values[0], Decimal(1)
        for d, v in zip(gaps, values[1:], strict=True):
            discount /= 1 + x * d / Decimal(36000)
            npv += v * discount
        return npv


def _sign(value: float | Decimal) -> int:
    return (value > 0) - (value < 0)


def annualised_rate(flows: Sequence[tuple[date, Decimal]]) -> Decimal:
    """The internal rate of return of ``flows`` in % p.a., to 4 decimals (see the module doc)."""
    gaps, values = _prepare(flows)
    fvalues = [float(v) for v in values]
    # Discount factors stay positive for x > −36000 / longest gap.
    lo = max(-99.0, -36000.0 / max(gaps) * 0.999)
    f_lo, _ = _npv_float(lo, gaps, fvalues)
    s_lo = _sign(f_lo)
    if s_lo == 0:  # pragma: no cover - a root exactly at the bound
        return Decimal(repr(lo)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    hi = 100.0
    f_hi, _ = _npv_float(hi, gaps, fvalues)
    while _sign(f_hi) == s_lo and hi < 1e7:
        hi *= 4
        f_hi, _ = _npv_float(hi, gaps, fvalues)
    if _sign(f_hi) == s_lo:
        raise ValueError("该现金流没有合理的内部收益率，无法计算年化利率")
    x = min(max(5.0, lo), hi)
    for _ in range(200):
        f, slope = _npv_float(x, gaps, fvalues)
        if f == 0:
            break
        if _sign(f) == s_lo:
            lo = x
        else:
            hi = x
        nxt = x - f / slope if slope != 0 else (lo + hi) / 2
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2  # Newton left the bracket: bisect instead
        if abs(nxt - x) < 1e-10:
            x = nxt
            break
        x = nxt
    return _verify(x, gaps, values, s_lo)


def _verify(x: float, gaps: list[int], values: list[Decimal], s_lo: int) -> Decimal:
    """Round x to 4 decimals and make sure, in Decimal, that the root rounds to it.

    ``s_lo`` is the sign of the NPV below the root; the answer r is the one whose interval
    [r − 0.00005, r + 0.00005) holds the sign change of the exact NPV.
    """
    half = Decimal("0.00005")
    r = Decimal(repr(x)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    for _ in range(1000):
        below = _sign(_npv(r - half, gaps, values))
        above = _sign(_npv(r + half, gaps, values))
        if below in (s_lo, 0) and above == -s_lo:
            return r + 0  # (+ 0 turns −0.0000 into 0.0000)
        r += RATE_PLACES if above in (s_lo, 0) else -RATE_PLACES
    raise ValueError("年化利率未能收敛")  # pragma: no cover - the float root is never this far off
