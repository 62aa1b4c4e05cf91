"""Pure arithmetic of a quote beyond the schedule: guarantee fee, interest subsidy (贴息), and
how money is written on a quote. No database, no web.

Conventions (the same as the schedule's, see DESIGN.md): day counts are actual days over a
360-day year; every amount is rounded half-up to the fen once, where it is computed (each fee,
each subsidy payment), and totals are sums of the rounded amounts.

- **Guarantee fee (担保费)**: ``fee rate % p.a. × loan amount × days / 360`` for each guarantee
  year, paid by the borrower upfront at the start of that year; the guarantee years run from
  the loan's start in steps of twelve months, the last one ending at maturity (so a 36-month
  loan pays three times, an 18-month loan once for twelve months and once for six). The fee is
  on the loan amount (the guarantee covers the amount lent), not on the falling balance.
- **Interest subsidy (贴息)**: the finance bureau pays ``subsidy points × the period's opening
  balance × subsidised days / 360`` for each repayment period, for the days of the period that
  fall within the subsidy months from the loan's start; never more than that period's interest
  (a subsidy pays interest, it does not pay the borrower), and in all no more than the cap.
  It is counted as received on the period's due date. The balance is the one the interest is
  computed on, so an amortising loan is subsidised on what is still owed — for an
  interest-only loan that is the whole amount.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
HUNDRED = Decimal(100)
YEAR_DAYS = Decimal(360)
WAN = Decimal(10000)


def fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def yuan(value: Decimal) -> str:
    """Money as a page shows it: thousands separators, 万元 from ten thousand yuan up."""
    if abs(value) >= WAN:
        return f"{fen(value / WAN):,}万元"
    return f"{fen(value):,}元"


def yuan_exact(value: Decimal) -> str:
    """Money to the fen with separators, and in 万元 beside it from ten thousand yuan up."""
    exact = f"{fen(value):,}元"
    if abs(value) >= WAN:
        return f"{exact}（{fen(value / WAN):,}万元）"
    return exact


def pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}%"


@dataclass(frozen=True)
class Period:
    """One repayment period of a schedule: from ``start`` to ``due``, on ``opening`` balance."""

    number: int
    start: date
    due: date
    days: int
    opening: Decimal
    interest: Decimal


@dataclass(frozen=True)
class Payment:
    """A fee paid by the borrower, or a subsidy paid to the borrower, on a date."""

    number: int
    on: date
    days: int
    base: Decimal  # the amount it is computed on
    amount: Decimal


def guarantee_fees(
    *, amount: Decimal, fee_rate: Decimal, start: date, maturity: date
) -> list[Payment]:
    """One fee per guarantee year, paid at the start of that year (see the module's note)."""
    if fee_rate <= 0 or amount <= 0 or maturity <= start:
        return []
    out: list[Payment] = []
    year = 0
    begin = start
    while begin < maturity:
        end = min(add_months(start, 12 * (year + 1)), maturity)
        days = (end - begin).days
        out.append(
            Payment(
                number=year + 1,
                on=begin,
                days=days,
                base=amount,
                amount=fen(amount * fee_rate / HUNDRED * days / YEAR_DAYS),
            )
        )
        year += 1
        begin = end
    return out


def subsidies(
    periods: Sequence[Period],
    *,
    points: Decimal,
    start: date,
    months: int | None,
    cap: Decimal | None,
) -> list[Payment]:
    """The subsidy of each period within the subsidy months, capped (see the module's note)."""
    if points <= 0:
        return []
    end = add_months(start, months) if months is not None else None
    out: list[Payment] = []
    paid = Decimal(0)
    for p in periods:
        last = p.due if end is None else min(p.due, end)
        days = max(0, (last - p.start).days)
        if days == 0:
            continue
        amount = min(fen(p.opening * points / HUNDRED * days / YEAR_DAYS), p.interest)
        if cap is not None:
            amount = min(amount, cap - paid)
        if amount <= 0:
            break
        paid += amount
        out.append(Payment(number=p.number, on=p.due, days=days, base=p.opening, amount=amount))
    return out
