"""Demo loans (called by ``zhixin.demo.loader``): a few 鹭质贷 applications taken through
approval and signing, with drawdowns approved and disbursed, payees approved, vouchers
uploaded and payments made, so the portfolio, the loan page and the enterprise's own loans
have something to show. The five drawdowns are back-dated (20 to 420 days) and the nightly
batch runs every day through yesterday, so the loans are in all five classes by the rules;
the newest has an early repayment. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.applications import checks, workflow
from zhixin.applications import service as applications
from zhixin.applications.rules import Action
from zhixin.applications.schemas import ApplicationIn
from zhixin.applications.workflow import Inputs
from zhixin.errors import ZhixinError
from zhixin.kit import clock
from zhixin.lending.dates import add_months
from zhixin.loans import batch, service, servicing
from zhixin.loans.models import LoanContract, LoanCreditLine
from zhixin.products.terms import Method

MATERIALS = ["licence", "financials", "use_proof", "legal_rep_id", "premises", "authorisation"]
# A one-page PDF standing for a scanned invoice (the demo's vouchers are all this file).
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
CQC = "中国质量认证中心厦门分中心"
PLANS = (  # amount asked, drawdown, payee, its kind, purpose, paid (the voucher: + 5万),
    # days before today it was disbursed (nothing repaid since: its class comes from the
    # batch's days past due — 正常 / 关注 / 次级 / 可疑 / 损失)
    ("1000000", "600000.00", CQC, "certifier", "certification", "200000.00", 20),
    ("800000", "500000.00", "厦门市产品质量监督检验院", "lab", "testing", "160000.00", 50),
    ("600000", "400000.00", "厦门精测仪器设备有限公司", "equipment", "equipment", "350000.00", 150),
    ("700000", "450000.00", "厦门标准化研究院", "other", "standards", "120000.00", 330),
    ("500000", "300000.00", "厦门品牌建设服务中心", "other", "brand", "100000.00", 420),
)


def _who(session: Session, username: str) -> Principal | None:
    user = accounts.user_by_username(session, username)
    return accounts.principal_for(session, user) if user is not None else None


def _approved_contract(
    session: Session, officer: Principal, approver: Principal, enterprise_id: int, amount: str
) -> int | None:
    """An application by the officer for the enterprise, approved and signed; None when the
    enterprise does not qualify (everything it wrote is rolled back to the savepoint)."""
    try:
        # a savepoint: a firm that does not qualify leaves nothing behind
        with session.begin_nested():
            app = applications.submit(
                session,
                actor=officer,
                form=ApplicationIn(
                    product_code="luzhidai",
                    enterprise_id=enterprise_id,
                    authorisation_attested=True,
                    amount=Decimal(amount),
                    term_months=12,
                    method=Method.equal_instalment,
                    purpose="质量提升：认证、检测与设备购置",
                    use_of_funds="受托支付给认证机构、检测实验室与设备供应商",
                    annual_sales=Decimal("30000000.00"),
                    materials=MATERIALS,
                ),
            )
            for action in (Action.accept, Action.start_review):
                workflow.move(session, action, actor=officer, application_id=app.id)
            for code in ("fixed_premises", "real_need", "lawful_use"):
                try:
                    checks.attest(
                        session,
                        actor=officer,
                        application_id=app.id,
                        code=code,
                        passed=True,
                        note="演示：已实地核实",
                    )
                except ZhixinError:
                    continue  # decided by the records already
            workflow.move(
                session,
                Action.submit_for_approval,
                actor=officer,
                application_id=app.id,
                inputs=Inputs(recommendation="approve", note="演示：五项标准均通过"),
            )
            workflow.move(session, Action.approve, actor=approver, application_id=app.id)
            workflow.move(
                session,
                Action.contract,
                actor=officer,
                application_id=app.id,
                inputs=Inputs(note="演示合同"),
            )
    except ZhixinError:
        return None
    contract = service.contract_of_application(session, actor=officer, application_id=app.id)
    return contract.id if contract is not None else None


def load(
    session: Session, *, enterprise_ids: Sequence[int], store_dir: Path, max_bytes: int
) -> list[str]:
    """Up to five contracts for the first of ``enterprise_ids`` that qualify for 鹭质贷, each
    with one back-dated drawdown, one approved payee, one voucher and one payment against it;
    then the batch through yesterday and one repayment."""
    officer, approver = _who(session, "xmrcb-officer"), _who(session, "xmrcb-approver")
    if officer is None or approver is None:
        return ["演示贷款：缺少演示账号，未生成"]
    made: list[str] = []
    plans = list(PLANS)
    today = clock.today()
    drawdown_ids: list[int] = []
    for eid in enterprise_ids:
        if not plans:
            break
        asked, drawn, payee_name, kind, purpose, paid, back = plans[0]
        cid = _approved_contract(session, officer, approver, eid, asked)
        if cid is None:
            continue
        plans.pop(0)
        on = today - timedelta(days=back)
        _back_date(session, cid, on)
        d = service.request_drawdown(
            session, actor=officer, contract_id=cid, amount=Decimal(drawn), on=on
        )
        service.approve_drawdown(session, actor=approver, drawdown_id=d.id, on=on)
        service.disburse(session, actor=officer, drawdown_id=d.id, on=on)
        drawdown_ids.append(d.id)
        p = service.propose_payee(
            session,
            actor=officer,
            contract_id=cid,
            name=payee_name,
            bank_account=f"62220210{cid:08d}",
            kind=kind,
            bank_name="中国工商银行厦门分行",
        )
        service.decide_payee(session, actor=approver, payee_id=p.id, approve=True)
        v = service.upload_voucher(
            session,
            actor=officer,
            contract_id=cid,
            document_number=f"FP-DEMO-{cid:04d}",
            invoice_amount=Decimal(paid) + Decimal("50000.00"),
            filename="invoice.pdf",
            data=DEMO_PDF,
            store_dir=store_dir,
            max_bytes=max_bytes,
        )
        service.make_payment(
            session,
            actor=officer,
            drawdown_id=d.id,
            amount=Decimal(paid),
            purpose=purpose,
            payee_id=p.id,
            voucher_id=v.id,
        )
        made.append(f"贷款合同 #{cid}：用信 {drawn} 元，已受托支付 {paid} 元")
    if drawdown_ids:
        # the nightly batch for every day from the first value date through yesterday: the
        # classes come from the rules
        for day in batch.days_to_run(session, today - timedelta(days=1)):
            batch.close_day(session, day)
        # the newest loan's first repayment: an early one, entered today by the officer
        servicing.enter_repayment(
            session,
            actor=officer,
            drawdown_id=drawdown_ids[0],
            bank_txn_id=f"DEMO-{drawdown_ids[0]:06d}-1",
            value_date=today,
            amount=Decimal("50000.00"),
        )
    return made


def _back_date(session: Session, contract_id: int, on: date) -> None:
    """The demo's contract as if signed on ``on`` (its line and maturity from that day)."""
    c = session.get(LoanContract, contract_id)
    line = session.scalar(select(LoanCreditLine).where(LoanCreditLine.contract_id == contract_id))
    if c is None or line is None:  # pragma: no cover - just signed
        return
    c.start_date = on
    c.maturity_date = add_months(on, c.term_months)
    line.expiry = c.maturity_date
    if c.repricing_date is not None:
        c.repricing_date = batch.next_repricing(on, c.repricing_rule, on)
    session.flush()
