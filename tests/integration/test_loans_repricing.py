"""利率重定价: a floating contract reprices on its anniversary in the nightly batch — the LPR in
force that day (after the 20 May 2025 cut: 1y 3.45 → 3.00 %) + the spread; the day's accrual
runs at the new rate; the instalments not yet begun are rescheduled by the lending core."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import add_drawdown, make_book
from zhixin.kit.db import unit_of_work
from zhixin.lending.dates import add_months
from zhixin.loans import batch
from zhixin.loans import service as book_service
from zhixin.loans import servicing_rules as rules
from zhixin.loans.models import LoanContract, LoanDrawdown, LoanInstalment

D = Decimal
VALUE = date(2024, 6, 15)  # 1y LPR 3.45 % in force (since 20 Feb 2024)
REPRICE = date(2025, 6, 15)  # the anniversary: 1y LPR 3.00 % (since 20 May 2025)


def test_a_floating_loan_reprices_on_its_anniversary(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        bk = make_book(s)
        cid = bk.contract_ids[0]
        c = s.get(LoanContract, cid)
        assert c is not None
        c.rate_kind, c.lpr_tenor, c.spread = "floating", "1y", D("1.5")
        c.repricing_rule, c.repricing_date = "anniversary/12m", REPRICE
        c.start_date, c.term_months = VALUE, 24
        c.maturity_date = add_months(VALUE, 24)
        s.flush()
        sched = book_service.drawdown_schedule(
            s, c=c, amount=D("2400000.00"), rate=D("4.95"), start=VALUE, term=24
        )
        did = add_drawdown(
            s,
            bk,
            cid,
            amount=D("2400000.00"),
            annual_rate=D("4.95"),
            value_date=VALUE,
            instalments=[(i.due, i.principal, i.interest) for i in sched.instalments],
        )
        # the first year repaid on time: instalments 1–12 paid, the day before closed
        paid = s.scalars(
            select(LoanInstalment).where(
                LoanInstalment.drawdown_id == did, LoanInstalment.seq <= 12
            )
        ).all()
        for i in paid:
            i.principal_paid, i.interest_paid, i.status = i.principal, i.interest, "paid"
        dd = s.get(LoanDrawdown, did)
        assert dd is not None
        dd.outstanding_principal = D("2400000.00") - sum((i.principal for i in paid), D(0))
        dd.last_accrual_date = date(2025, 6, 14)
        left = dd.outstanding_principal
        before = {
            i.seq: (i.principal, i.interest)
            for i in s.scalars(select(LoanInstalment).where(LoanInstalment.drawdown_id == did))
        }
    with unit_of_work(factory) as s:
        batch.close_day(s, date(2025, 6, 14))  # not the repricing date: nothing changes
    with factory() as s:
        dd = s.get(LoanDrawdown, did)
        assert dd is not None and dd.annual_rate == D("4.95")
    with unit_of_work(factory) as s:
        batch.close_day(s, REPRICE)
    with factory() as s:
        c = s.get(LoanContract, cid)
        dd = s.get(LoanDrawdown, did)
        assert c is not None and dd is not None
        assert (dd.lpr_rate, dd.lpr_on, dd.annual_rate) == (
            D("3.00"),
            date(2025, 5, 20),
            D("4.50"),
        )
        assert c.repricing_date == date(2026, 6, 15)
        # the repricing day's interest at the new rate (the 12th instalment fell due that day)
        assert dd.accrued_interest == rules.one_day(left, D("4.50"))
        rows = s.scalars(
            select(LoanInstalment)
            .where(LoanInstalment.drawdown_id == did)
            .order_by(LoanInstalment.seq)
        ).all()
        want = book_service.drawdown_schedule(
            s, c=c, amount=left, rate=D("4.50"), start=REPRICE, term=12
        )
        assert [(r.principal, r.interest) for r in rows[12:]] == [
            (i.principal, i.interest) for i in want.instalments
        ]
        assert sum((r.interest for r in rows[12:]), D(0)) < sum(
            (before[k][1] for k in range(13, 25)), D(0)
        )
        assert [(r.principal, r.interest) for r in rows[:12]] == [before[k] for k in range(1, 13)]
