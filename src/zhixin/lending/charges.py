"""Charges beside the interest: the guarantee fee, other yearly fees, the interest subsidy (贴息).

- **Charge years**: from the loan's start in steps of twelve months, the last one ending at
  maturity (a 36-month loan has three, an 18-month loan one of twelve months and one of six).
  Pass the contractual maturity (``Schedule.term_end``): a last due date moved past a weekend
  does not add a charge year.
- **A yearly charge** (:func:`yearly_charges`) is rate % p.a. × its base × the year's actual
  days / 360, rounded half-up to the fen, paid at the start of each charge year (``"yearly"``),
  or once at the start for the whole term (``"upfront"``: rate × base × all the days / 360).
- **The guarantee fee** (:func:`guarantee_fees`) is a yearly charge whose base the product
  states: the whole loan or only the guaranteed part (× coverage %), and the original amount or
  the principal outstanding at the start of each guarantee year. The base is an amount, rounded
  half-up to the fen.
- **The interest subsidy** (:func:`subsidies`): the finance bureau pays ``points`` percentage
  points of interest on each period's opening balance, under the period's own convention — a
  whole month of a monthly-rate schedule at points / 12, a daily period at points / 360 × the
  days of the period within the subsidy months from the start — never more than that period's
  interest (a subsidy pays interest, it does not pay the borrower), and in all no more than
  ``cap``. It is received on the period's due date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from zhixin.lending import daycount
from zhixin.lending.dates import add_months
from zhixin.lending.money import HUNDRED, ZERO, fen
from zhixin.lending.schedule import Instalment

FeeBase = Literal["loan", "guaranteed"]
FeeBalance = Literal["original", "outstanding"]
FeePeriod = Literal["yearly", "upfront"]


@dataclass(frozen=True)
class Charge:
    """A fee the borrower pays, or a subsidy paid to the borrower, on a date."""

    number: int
    on: date
    days: int  # the days it is computed for
    base: Decimal  # the amount it is computed on
    amount: Decimal


def charge_years(start: date, maturity: date) -> list[tuple[date, date]]:
    """The charge years of a loan from ``start`` to ``maturity``: (first day, end)."""
    years: list[tuple[date, date]] = []
    begin, k = start, 1
    while begin < maturity:
        end = min(add_months(start, 12 * k), maturity)
        years.append((begin, end))
        begin, k = end, k + 1
    return years


def yearly_charges(
    *,
    rate: Decimal,
    start: date,
    maturity: date,
    base_on: Callable[[date], Decimal],
    period: FeePeriod,
) -> list[Charge]:
    """``rate`` % p.a. on ``base_on(first day)`` for each charge year, or once upfront."""
    if rate <= 0 or maturity <= start:
        return []
    spans = [(start, maturity)] if period == "upfront" else charge_years(start, maturity)
    out = []
    for number, (begin, end) in enumerate(spans, start=1):
        base = base_on(begin)
        if base <= 0:
            break
        days = (end - begin).days
        amount = daycount.daily_interest(balance=base, annual_rate=rate, days=days)
        out.append(Charge(number=number, on=begin, days=days, base=base, amount=amount))
    return out


def guarantee_fees(
    *,
    amount: Decimal,
    fee_rate: Decimal,
    start: date,
    maturity: date,
    coverage: Decimal,
    fee_base: FeeBase,
    fee_balance: FeeBalance,
    fee_period: FeePeriod,
    outstanding: Callable[[date], Decimal] | None = None,
) -> list[Charge]:
    """The guarantee fee of a loan of ``amount`` (see the module's docstring).

    ``outstanding(day)`` gives the principal outstanding on a day; it is needed when
    ``fee_balance == "outstanding"`` (a schedule's ``balance_on``).
    """
    if fee_balance == "outstanding" and outstanding is None:
        raise ValueError("按未偿本金计收担保费时须提供还款计划")
    share = coverage / HUNDRED if fee_base == "guaranteed" else Decimal(1)

    def base_on(day: date) -> Decimal:
        balance = (
            outstanding(day) if outstanding is not None and fee_balance == "outstanding" else amount
        )
        return fen(balance * share)

    return yearly_charges(
        rate=fee_rate, start=start, maturity=maturity, base_on=base_on, period=fee_period
    )


def subsidies(
    instalments: Sequence[Instalment],
    *,
    points: Decimal,
    start: date,
    months: int | None,
    cap: Decimal | None,
) -> list[Charge]:
    """The subsidy of each period within the subsidy months, capped (see the module's note)."""
    if points <= 0:
        return []
    end = add_months(start, months) if months is not None else None
    out: list[Charge] = []
    paid = ZERO
    for p in instalments:
        if p.basis == "monthly":
            if months is not None and p.number > months:
                break
            days = p.days
            amount = daycount.monthly_interest(balance=p.opening, annual_rate=points)
        else:
            last = p.due if end is None else min(p.due, end)
            days = (last - p.start).days
            if days <= 0:
                continue
            amount = daycount.daily_interest(balance=p.opening, annual_rate=points, days=days)
        amount = min(amount, p.interest)
        if cap is not None:
            amount = min(amount, cap - paid)
        if amount <= 0:
            break
        paid += amount
        out.append(Charge(number=p.number, on=p.due, days=days, base=p.opening, amount=amount))
    return out
