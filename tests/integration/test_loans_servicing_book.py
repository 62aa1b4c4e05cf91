"""Servicing on a contract signed through the real book: disbursed by the book, closed by the
batch, repaid on time through the service, listed among the renewal candidates with the
whitelist and the product file as they are."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import build_world
from tests.integration.test_loans import _drawn, signed_contract
from zhixin.kit.db import unit_of_work
from zhixin.lending.daycount import daily_interest
from zhixin.loans import batch
from zhixin.loans import servicing as svc
from zhixin.loans.models import LoanDrawdown, LoanInstalment

VALUE = date(2025, 2, 10)


def test_a_signed_loan_is_accrued_repaid_on_time_and_listed_for_renewal(
    factory: sessionmaker[Session],
) -> None:
    w = build_world(factory)
    cid = signed_contract(w)
    did = _drawn(w, cid, "1000000.00", on=VALUE)
    with unit_of_work(factory) as s:
        first = s.scalars(
            select(LoanInstalment)
            .where(LoanInstalment.drawdown_id == did)
            .order_by(LoanInstalment.seq)
        ).first()
        assert first is not None
        due, owed = first.due_date, first.principal + first.interest
        rate = s.get(LoanDrawdown, did).annual_rate  # type: ignore[union-attr]
        assert batch.days_to_run(s, due) == [
            VALUE + timedelta(days=k) for k in range((due - VALUE).days + 1)
        ]
    for day in [VALUE + timedelta(days=k) for k in range((due - VALUE).days)]:
        with unit_of_work(factory) as s:
            batch.close_day(s, day)
    with factory() as s:
        dd = s.get(LoanDrawdown, did)
        assert dd is not None and rate is not None
        # the value date bears interest: (due − value) days of ACT/360, a day at a time
        one = daily_interest(balance=Decimal("1000000.00"), annual_rate=rate, days=1)
        assert dd.accrued_interest == one * (due - VALUE).days
    with unit_of_work(factory) as s:
        entered = svc.enter_repayment(
            s, actor=w.who("officer"), drawdown_id=did, bank_txn_id="CORE-77",
            value_date=due, amount=owed,
        )  # fmt: skip
        assert entered.created and entered.repayment.penalty == 0
        batch.close_day(s, due)
    with factory() as s:
        dd = s.get(LoanDrawdown, did)
        assert dd is not None
        assert (dd.days_past_due, dd.classification, dd.penalty_interest) == (0, "normal", 0)
        inst = s.scalars(
            select(LoanInstalment)
            .where(LoanInstalment.drawdown_id == did)
            .order_by(LoanInstalment.seq)
        ).first()
        assert inst is not None and inst.status == "paid"
        found = svc.renewal_candidates(s, today=date(2025, 12, 1), within=90)
        assert [c.contract_id for c in found] == [cid]
        assert "存在逾期本金、利息、罚息或复利" not in found[0].reasons
