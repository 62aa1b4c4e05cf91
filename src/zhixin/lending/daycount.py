"""Interest on a balance: the two day-count conventions, 罚息 and 复利.

- **Monthly rate (30/360-style periods)**: a whole month's interest is balance × annual rate / 12,
  whatever the month's length — how Chinese banks charge each period of 等额本息 and 等额本金
  (:func:`monthly_interest`). A due date moved off a holiday does not change it.
- **Daily, actual/360 (ACT/360)**: balance × annual rate / 360 × the actual days — for
  按月付息到期还本, 随借随还, overdue amounts and broken (partial) periods
  (:func:`daily_interest`, :func:`accrue`). Days run from the first date (included) to the
  second (excluded): money lent on the 15th and repaid on the 16th bears one day.
- **罚息 (overdue penalty interest)**: overdue principal bears interest at the penalty rate, the
  contract rate raised by the contract's markup — rate × (1 + markup %) — from the day it fell
  due until it is repaid (:func:`penalty_rate`, :func:`overdue_interest`; the markup is what the
  product or contract states, typically 30 %–50 %).
- **复利 (compound interest)**: interest not paid when due bears interest itself — under the
  PBoC's 《人民币利率管理规定》 at the penalty rate — daily, ACT/360 (:func:`compound_interest`).

Every result is rounded half-up to the fen once (:func:`zhixin.lending.money.fen`); rates are
annual percentages, kept exact.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from zhixin.lending.money import HUNDRED, fen

YEAR_DAYS = 360
YEAR_MONTHS = 12
_DAILY = HUNDRED * YEAR_DAYS  # rate % p.a. → per day
_MONTHLY = HUNDRED * YEAR_MONTHS  # rate % p.a. → per month


def _rate(annual_rate: Decimal) -> None:
    if not annual_rate.is_finite() or annual_rate < 0:
        raise ValueError("年利率不能为负数")


def monthly_interest(*, balance: Decimal, annual_rate: Decimal) -> Decimal:
    """One whole month: balance × rate / 100 / 12, half-up to the fen."""
    _rate(annual_rate)
    return fen(balance * annual_rate / _MONTHLY)


def daily_interest(*, balance: Decimal, annual_rate: Decimal, days: int) -> Decimal:
    """``days`` actual days: balance × rate / 100 / 360 × days, half-up to the fen."""
    _rate(annual_rate)
    if days < 0:
        raise ValueError("计息天数不能为负数")
    return fen(balance * annual_rate * days / _DAILY)


def accrue(*, balance: Decimal, annual_rate: Decimal, start: date, end: date) -> Decimal:
    """Interest on ``balance`` from ``start`` (included) to ``end`` (excluded), ACT/360."""
    if end < start:
        raise ValueError(f"计息止日 {end.isoformat()} 早于起日 {start.isoformat()}")
    return daily_interest(balance=balance, annual_rate=annual_rate, days=(end - start).days)


def penalty_rate(*, contract_rate: Decimal, markup: Decimal) -> Decimal:
    """The 罚息 rate: contract rate × (1 + markup / 100), exact (5.005, not 5.01)."""
    _rate(contract_rate)
    if not markup.is_finite() or markup < 0:
        raise ValueError("罚息上浮比例不能为负数")
    return contract_rate * (HUNDRED + markup) / HUNDRED


def overdue_interest(
    *,
    overdue_principal: Decimal,
    contract_rate: Decimal,
    markup: Decimal,
    start: date,
    end: date,
) -> Decimal:
    """罚息 on principal overdue from ``start`` (its due date) to ``end``: ACT/360 at the
    penalty rate."""
    rate = penalty_rate(contract_rate=contract_rate, markup=markup)
    return accrue(balance=overdue_principal, annual_rate=rate, start=start, end=end)


def compound_interest(
    *, unpaid_interest: Decimal, annual_rate: Decimal, start: date, end: date
) -> Decimal:
    """复利 on interest unpaid from ``start`` (its due date) to ``end``: ACT/360 at
    ``annual_rate`` — the penalty rate under the PBoC's rules (pass :func:`penalty_rate`)."""
    return accrue(balance=unpaid_interest, annual_rate=annual_rate, start=start, end=end)
