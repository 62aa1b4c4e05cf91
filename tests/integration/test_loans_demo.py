"""The demo region comes with signed loans: drawdowns disbursed, payees approved, vouchers
stored and payments made (and the applications' own demo states are untouched)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from zhixin.applications import reading
from zhixin.demo.loader import load_demo
from zhixin.kit.db import unit_of_work
from zhixin.loans.models import LoanContract, LoanDrawdown, LoanPayment, LoanVoucher


def test_the_demo_has_loans_with_payments_and_vouchers(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=200, voucher_dir=tmp_path).loaded
    with unit_of_work(factory) as s:
        contracts = s.scalars(select(LoanContract)).all()
        assert 1 <= len(contracts) <= 3
        assert {c.bank_code for c in contracts} == {"bank-xmrcb"}
        drawdowns = s.scalars(select(LoanDrawdown)).all()
        assert {d.status for d in drawdowns} == {"disbursed"} and len(drawdowns) == len(contracts)
        payments = s.scalars(select(LoanPayment)).all()
        vouchers = {v.id: v for v in s.scalars(select(LoanVoucher)).all()}
        assert len(payments) == len(contracts)
        for p in payments:
            assert p.payee_id is not None and p.voucher_id in vouchers
            assert p.amount < vouchers[p.voucher_id].invoice_amount
        for v in vouchers.values():
            assert Path(v.stored_path).parent.parent == tmp_path
        states = sorted(i.state for i in reading.operator_queue(s).items)
        assert states == sorted(
            ["rejected", "submitted", "under_review"] + ["contracted"] * len(contracts)
        )
