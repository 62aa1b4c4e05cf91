"""提前还款违约金: a repayment beyond what is due pays the contract's fee on the principal prepaid,
kept on the repayment row and answered by the API's figures."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import flag_modified

from tests.support.loan_book import add_drawdown, make_book
from zhixin.kit.db import unit_of_work
from zhixin.loans import servicing as svc
from zhixin.loans.models import LoanContract, LoanDrawdown

START = date(2025, 6, 3)


def test_an_early_repayment_pays_the_contracts_fee(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        book = make_book(s)
        c = s.get(LoanContract, book.contract_ids[0])
        assert c is not None
        c.terms = {**c.terms, "prepayment": {"allowed": True, "fee_rate": "1.5"}}
        flag_modified(c, "terms")
        did = add_drawdown(
            s,
            book,
            c.id,
            amount=Decimal("10000.00"),
            annual_rate=Decimal("3.6"),
            value_date=START,
            instalments=[(START + timedelta(days=30), Decimal("10000.00"), Decimal("30.00"))],
        )
    with unit_of_work(factory) as s:
        entered = svc.record_repayment(
            s,
            bank_tenant_id=book.bank_id,
            drawdown_id=did,
            bank_txn_id="PRE-1",
            value_date=START,
            amount=Decimal("2030.00"),
            source="api",
            created_by_id=None,
        )
        r = entered.repayment
        assert (r.prepaid, r.fee) == (Decimal("2000.00"), Decimal("30.00"))
    with factory() as s:
        dd = s.get(LoanDrawdown, did)
        assert dd is not None and dd.outstanding_principal == Decimal("8000.00")
