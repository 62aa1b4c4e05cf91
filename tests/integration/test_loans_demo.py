"""The demo region comes with signed loans: drawdowns disbursed, payees approved, vouchers
stored and payments made (and the applications' own demo states are untouched)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.applications import reading
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.evidence import service as evidence
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.linkage.models import CovenantResult, LinkageAction
from zhixin.loans import servicing_rules as rules
from zhixin.loans.models import LoanContract, LoanDrawdown, LoanPayment, LoanVoucher
from zhixin.loans.servicing_models import LoanRepayment


def test_the_demo_has_loans_with_payments_and_vouchers(
    factory: sessionmaker[Session], tmp_path: Path, client: TestClient
) -> None:
    assert load_demo(factory, enterprises=200, voucher_dir=tmp_path).loaded
    with unit_of_work(factory) as s:
        contracts = s.scalars(select(LoanContract)).all()
        assert len(contracts) == 5
        assert {c.bank_code for c in contracts} == {"bank-xmrcb"}
        drawdowns = s.scalars(select(LoanDrawdown)).all()
        assert {d.status for d in drawdowns} == {"disbursed"} and len(drawdowns) == len(contracts)
        # back-dated and closed by the batch through yesterday: all five classes, by the rules
        assert {d.classification for d in drawdowns} == {
            "normal",
            "special_mention",
            "substandard",
            "doubtful",
            "loss",
        }
        yesterday = clock.today() - timedelta(days=1)
        assert {d.last_accrual_date for d in drawdowns} == {yesterday}
        for d in drawdowns:
            assert rules.rule_class(d.days_past_due).value == d.classification
        (repaid,) = s.scalars(select(LoanRepayment)).all()
        assert repaid.amount == Decimal("50000.00") and repaid.value_date == clock.today()
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
    # the bank's portfolio page shows a loan in each class
    login(client, "xmrcb-officer", DEMO_PASSWORD)
    page = client.get("/loans")
    assert page.status_code == 200
    rows = page.text.split('id="loan-list"', 1)[1]
    for label in ("正常", "关注", "次级", "可疑", "损失"):
        assert f"· {label}" in rows, label
    # quality linkage: a penalty froze the first loan's line; the last quarter was checked
    with unit_of_work(factory) as s:
        (freeze,) = s.scalars(select(LinkageAction).where(LinkageAction.kind == "freeze")).all()
        assert s.scalars(select(CovenantResult)).first() is not None
    queue = client.get("/linkage").text
    assert f'id="freeze-{freeze.id}"' in queue and "产品质量类行政处罚" in queue
    loan = client.get(f"/loans/{freeze.contract_id}").text
    assert 'id="line-blocked"' in loan and 'id="covenant-results"' in loan
    # 链上存证: every loan's events are in the log, confirmed by the bank (the older half also
    # by the regulator), under a signed head, and the log verifies
    with unit_of_work(factory) as s:
        checked = evidence.verify(s)
        assert checked.finding is None and checked.tree_size >= 4 * len(contracts)
        assert checked.heads >= 1 and checked.confirmations == 2
    page = client.get(f"/loans/{contracts[0].id}")
    assert "链上存证" in page.text and "双方已确认" in page.text
