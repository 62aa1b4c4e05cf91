"""The 年化利率 of dated cash flows: an internal rate of return, annualised as monthly IRR × 12.

PBoC announcement 〔2021〕第3号 (关于在利率统计及披露中使用年化利率的公告) has loan offers show a
年化利率: the cost of all the borrower pays — interest and every fee that comes with the loan — on
the principal actually in use, annualised; the compound (internal-rate-of-return) method is the
one it describes for instalment loans. Here:

- **Flows**: one dated amount per event, from the lender's side — the principal lent is negative
  (net of any fee withheld on the day), every repayment, interest and fee the borrower pays is
  positive (:func:`flows_of` builds them from a schedule and fees). Flows on the same date add up.
- **Time**: months from the first flow's date on its monthly grid (the same grid as the
  schedule's due dates: start 01-31 → 02-28 is one month). A flow between two grid dates counts
  the elapsed fraction of that month's actual days — a due date moved from 02-15 to 02-24 is
  7 + 9/28 months from a 2025-07-15 start.
- **Rate**: the monthly rate i with Σ flow × (1 + i)^(−t) = 0, and the **年化利率 = i × 12**
  (the nominal annual rate the announcement's worked examples use: monthly IRR × 12). The
  compound equivalent (1 + i)^12 − 1 is given beside it (:class:`Irr`).

So a fee-free 等额本息 or 等额本金 schedule (charged at rate / 12 a month) on undisturbed monthly
dates gives back its contract rate, up to the fen roundings; interest charged on actual days over
360 (按月付息到期还本, 随借随还) shows its true cost, about rate × 365 / 360; a fee raises it.

The root is found by a safeguarded Newton iteration in floating point and then checked: the
returned annual rate r̂ (in % to 4 decimals) is such that the NPV changes sign between
r̂ − 0.00005 and r̂ + 0.00005, i.e. the true root rounds to r̂. Each sign is taken in floating
point where that cannot be wrong (the NPV is more than 1e-9 of the sum of the discounted flows'
sizes away from zero, a thousand times any rounding error of the sum), else in 40-digit
``Decimal``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from zhixin.lending.dates import add_months, months_between
from zhixin.lending.money import RATE_PLACES, ZERO
from zhixin.lending.schedule import Schedule

CashFlow = tuple[date, Decimal]
_HALF = Decimal("0.00005")  # half a unit of the answer's last place (% p.a.)


@dataclass(frozen=True)
class Irr:
    monthly: Decimal  # the monthly IRR, % per month (as found, about 10 significant digits)
    annual: Decimal  # 年化利率: monthly × 12, % p.a., 4 decimals, verified in Decimal
    compound: Decimal  # (1 + monthly)^12 − 1, % p.a., 4 decimals (for comparison)


def flows_of(schedule: Schedule, *, fees: Sequence[CashFlow] = ()) -> list[CashFlow]:
    """The lender's flows of ``schedule``: −principal at the start, +each instalment on its due
    date, + each fee (positive when the borrower pays it; a subsidy the borrower receives is
    negative). Sorted by date, flows on one date added together."""
    merged: dict[date, Decimal] = {schedule.start: -schedule.amount}
    for inst in schedule.instalments:
        merged[inst.due] = merged.get(inst.due, ZERO) + inst.payment
    for day, fee in fees:
        merged[day] = merged.get(day, ZERO) + fee
    return sorted(merged.items())


@dataclass(frozen=True)
class _Flows:
    whole: list[int]  # whole months from the first date
    part: list[Fraction]  # the fraction of the next month, 0 ≤ part < 1
    values: list[Decimal]

    @property
    def times(self) -> list[float]:
        return [m + float(f) for m, f in zip(self.whole, self.part, strict=True)]


def _prepare(flows: Sequence[CashFlow]) -> _Flows:
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
    first = ordered[0][0]
    whole, part = [], []
    for day, _ in ordered:
        m = months_between(first, day)
        lo = add_months(first, m)
        whole.append(m)
        if lo == day:
            part.append(Fraction(0))
        else:
            hi = add_months(first, m + 1)
            part.append(Fraction((day - lo).days, (hi - lo).days))
    return _Flows(whole, part, [v for _, v in ordered])


def _npv_float(i: float, times: list[float], values: list[float]) -> tuple[float, float]:
    """NPV at the monthly rate i and its derivative in i."""
    log_base = math.log1p(i)
    npv = slope = 0.0
    for t, v in zip(times, values, strict=True):
        d = math.exp(-t * log_base)
        npv += v * d
        slope -= t * v * d / (1 + i)
    return npv, slope


def _sign_at(annual: Decimal, f: _Flows, times: list[float], values: list[float]) -> int:
    """The sign of the NPV at ``annual`` (% p.a., monthly × 12): in floating point where its
    error (under 1e-12 of Σ|flow × discount|) cannot flip it, else exactly in Decimal."""
    i = float(annual) / 1200
    log_base = math.log1p(i)
    npv = scale = 0.0
    for t, v in zip(times, values, strict=True):
        term = v * math.exp(-t * log_base)
        npv += term
        scale += abs(term)
    if abs(npv) > 1e-9 * scale:
        return _sign(npv)
    return _sign(_npv(annual / 1200, f))


def _npv(i: Decimal, f: _Flows) -> Decimal:
    """The exact NPV (40 digits) at the monthly rate i (a fraction, not %)."""
    with localcontext() as ctx:
        ctx.prec = 40
        base = 1 / (1 + i)
        total, power, at = ZERO, Decimal(1), 0
        for m, part, v in zip(f.whole, f.part, f.values, strict=True):
            while at < m:
                power *= base
                at += 1
            d = power
            if part:
                d *= base ** (Decimal(part.numerator) / Decimal(part.denominator))
            total += v * d
        return total


def _sign(value: float | Decimal) -> int:
    return (value > 0) - (value < 0)


def _root(f: _Flows) -> tuple[float, int]:
    """The monthly IRR as a float (bracketed Newton), and the sign of the NPV below it."""
    times, values = f.times, [float(v) for v in f.values]
    # the lowest rate whose discount factors stay within a float: (1 + lo)^−t ≤ e^600
    lo, hi = max(-0.99, math.expm1(-600 / max(times))), 1.0
    s_lo = _sign(_npv_float(lo, times, values)[0])
    while _sign(_npv_float(hi, times, values)[0]) == s_lo and hi < 1e4:
        hi *= 4
    if s_lo == 0 or _sign(_npv_float(hi, times, values)[0]) == s_lo:
        raise ValueError("该现金流没有合理的内部收益率，无法计算年化利率")
    x = 0.004
    for _ in range(200):
        npv, slope = _npv_float(x, times, values)
        if npv == 0:
            return x, s_lo
        if _sign(npv) == s_lo:
            lo = x
        else:
            hi = x
        nxt = x - npv / slope if slope != 0 else (lo + hi) / 2
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2  # Newton left the bracket: bisect instead
        if abs(nxt - x) < 1e-13:
            return nxt, s_lo
        x = nxt
    return x, s_lo


def irr(flows: Sequence[CashFlow]) -> Irr:
    """The IRR of ``flows``, monthly and annualised (see the module's docstring)."""
    f = _prepare(flows)
    monthly, s_lo = _root(f)
    times, values = f.times, [float(v) for v in f.values]
    r = (Decimal(repr(monthly)) * 1200).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    for _ in range(1000):
        below = _sign_at(r - _HALF, f, times, values)
        above = _sign_at(r + _HALF, f, times, values)
        if below in (s_lo, 0) and above == -s_lo:
            break
        r += RATE_PLACES if above in (s_lo, 0) else -RATE_PLACES
    else:  # pragma: no cover - the float root is never this far off
        raise ValueError("年化利率未能收敛")
    with localcontext() as ctx:
        ctx.prec = 40
        i = Decimal(repr(monthly))
        compound = ((1 + i) ** 12 - 1) * 100
    return Irr(
        monthly=(i * 100).quantize(Decimal("1E-10")),
        annual=r + 0,  # (+ 0 turns −0.0000 into 0.0000)
        compound=compound.quantize(RATE_PLACES, rounding=ROUND_HALF_UP),
    )


def annualised_rate(flows: Sequence[CashFlow]) -> Decimal:
    """The 年化利率 of ``flows``: monthly IRR × 12, % p.a. to 4 decimals."""
    return irr(flows).annual
