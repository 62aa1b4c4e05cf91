"""Repricing floating contracts (step 0 of the nightly batch): the next repricing date of a
contract's cycle, and on that date the LPR in force + the spread, the instalments not yet
begun rescheduled at the new rate — the one step that loops, over only those contracts.
Re-exported by ``loans.batch``. Never commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.lending.dates import add_months
from zhixin.loans import models as _book  # noqa: F401 - the book's tables in the metadata


def _cycle_months(rule: str | None) -> tuple[str, int]:
    """``anniversary/12m`` → ("anniversary", 12); the anchor and the cycle of a repricing rule."""
    anchor, _, cycle = (rule or "anniversary/12m").partition("/")
    months = cycle.rstrip("m")
    return anchor, int(months) if months.isdigit() and int(months) > 0 else 12


def next_repricing(start: date, rule: str | None, after: date) -> date:
    """The first repricing date after ``after``: 1 January of the next year (``january_1``),
    else the contract start + k × the cycle (anniversaries, never drifting off month ends)."""
    anchor, months = _cycle_months(rule)
    if anchor == "january_1":
        return date(after.year + 1, 1, 1)
    k = 1
    while add_months(start, k * months) <= after:
        k += 1
    return add_months(start, k * months)


def reprice(session: Session, day: date) -> int:
    """利率重定价 on business day ``day``: every active floating contract whose repricing date is
    ``day`` takes the LPR of its tenor in force that day + its spread on each disbursed drawdown
    (``annual_rate``, ``lpr_rate``, ``lpr_on``: the day's accrual and every later one run at it).
    The instalments not yet begun — those whose nominal period (value date + (seq − 1) months)
    starts on or after ``day`` and still ``due`` — are rescheduled by the lending core at the new
    rate over their unpaid principal (same count, same due dates); an instalment whose period
    began before ``day`` keeps its interest. The contract's repricing date moves to the next one.

    Not set-based: a bounded loop over only the contracts (and their drawdowns) repricing that
    day — few on any day. Returns the number of drawdowns repriced."""
    from zhixin.loans import service as book
    from zhixin.loans.models import LoanContract, LoanDrawdown, LoanInstalment
    from zhixin.lpr import service as lpr

    contracts = session.scalars(
        select(LoanContract).where(
            LoanContract.status == "active",
            LoanContract.rate_kind == "floating",
            LoanContract.repricing_date == day,
        )
    ).all()
    if not contracts:
        return 0
    in_force = lpr.rates_on(session, day)
    n = 0
    for c in contracts:
        base = in_force.tenor(c.lpr_tenor or "1y")
        rate = base + c.spread
        for dd in session.scalars(
            select(LoanDrawdown).where(
                LoanDrawdown.contract_id == c.id, LoanDrawdown.status == "disbursed"
            )
        ):
            dd.annual_rate, dd.lpr_rate, dd.lpr_on = rate, base, in_force.effective_on
            n += 1
            if dd.value_date is None:
                continue
            value_date = dd.value_date
            rows = [
                i
                for i in session.scalars(
                    select(LoanInstalment)
                    .where(LoanInstalment.drawdown_id == dd.id, LoanInstalment.status == "due")
                    .order_by(LoanInstalment.seq)
                )
                if add_months(value_date, i.seq - 1) >= day
            ]
            left = sum((i.principal - i.principal_paid for i in rows), Decimal(0))
            if not rows or left <= 0:
                continue
            sched = book.drawdown_schedule(
                session,
                c=c,
                amount=left,
                rate=rate,
                start=add_months(value_date, rows[0].seq - 1),
                term=len(rows),
            )
            for row, new in zip(rows, sched.instalments, strict=True):
                row.principal = row.principal_paid + new.principal
                row.interest = new.interest
        c.repricing_date = next_repricing(c.start_date, c.repricing_rule, day)
    session.flush()
    return n
