"""Payees, vouchers and payments (受托支付): payees proposed and approved maker-checker, vouchers
stored by their hash, payments entrusted above the product's threshold. Never commits."""

from __future__ import annotations

import hashlib
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound, ZhixinError
from zhixin.kit.db import utcnow
from zhixin.loans import access, drawdowns, lines, rules
from zhixin.loans import repository as repo
from zhixin.loans.models import (
    PURPOSE_LABELS,
    LoanPayee,
    LoanPayment,
    LoanVoucher,
)

# -- payees ----------------------------------------------------------------------------------


def propose_payee(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    name: str,
    bank_account: str,
    kind: str,
    uscc: str | None = None,
    bank_name: str | None = None,
) -> LoanPayee:
    c = access.for_customer(session, actor, contract_id)
    access.require_active(c)
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("请填写收款人名称（不超过 200 字）")
    if kind not in rules.PAYEE_KINDS:
        raise Invalid(f"收款人类别须为：{'、'.join(rules.PAYEE_KINDS.values())}")
    try:
        account = rules.check_account(bank_account)
    except rules.Refused as exc:
        raise access.refused(exc) from exc
    code = (uscc or "").strip().upper() or None
    if code is not None and len(code) != 18:
        raise Invalid("统一社会信用代码须为 18 位")
    p = LoanPayee(
        contract_id=c.id,
        name=name,
        uscc=code,
        bank_name=(bank_name or "").strip()[:100] or None,
        bank_account=account,
        kind=kind,
        status="proposed",
        proposed_by_id=actor.user_id,
        proposed_at=utcnow(),
    )
    session.add(p)
    session.flush()
    access.audited(
        session,
        actor,
        "payee.propose",
        "loan_payee",
        p.id,
        contract_id=c.id,
        name=name,
        account=rules.mask_account(account),
    )
    return p


def decide_payee(
    session: Session, *, actor: Principal, payee_id: int, approve: bool, reason: str = ""
) -> LoanPayee:
    p = repo.payee(session, payee_id)
    if p is None:
        raise NotFound("未找到该收款人")
    access.as_bank(session, actor, p.contract_id, Permission.loan_approve)
    if p.status != "proposed":
        raise Conflict("该收款人已审核")
    if p.proposed_by_id == actor.user_id:
        raise Forbidden("审贷分离：提出收款人的人不能审核自己提出的收款人")
    if not approve and not reason.strip():
        raise Invalid("请填写驳回理由")
    p.status = "approved" if approve else "rejected"
    p.approved_by_id = actor.user_id
    p.decided_at = utcnow()
    p.reject_reason = None if approve else reason.strip()[:500]
    session.flush()
    access.audited(
        session, actor, f"payee.{p.status}", "loan_payee", p.id, reason=reason.strip()[:200]
    )
    return p


# -- vouchers --------------------------------------------------------------------------------


def _store(data: bytes, digest: str, store_dir: Path, media_type: str) -> Path:
    """Content-addressed: ``<store_dir>/ab/abcdef….<ext>``, written once (atomically)."""
    ext = {"application/pdf": ".pdf", "application/ofd": ".ofd", "image/jpeg": ".jpg"}.get(
        media_type, ".png"
    )
    target = store_dir / digest[:2] / f"{digest}{ext}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def upload_voucher(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    document_number: str,
    invoice_amount: Decimal,
    filename: str,
    data: bytes,
    store_dir: Path,
    max_bytes: int,
) -> LoanVoucher:
    """A voucher (contract/invoice number, amount, file): the file's type read from its bytes,
    its size bounded (413), stored by SHA-256 under ``store_dir`` (outside the web root)."""
    c = access.for_customer(session, actor, contract_id)
    access.require_active(c)
    if len(data) > max_bytes:
        raise ZhixinError(
            f"凭证文件超过 {max_bytes // (1024 * 1024) or 1} MB 的上限，请压缩或分开上传",
            status=413,
        )
    try:
        number = rules.check_document_number(document_number)
        rules.check_amount(invoice_amount, "凭证金额")
        media_type = rules.check_voucher(
            size=len(data), max_bytes=max_bytes, media_type=rules.sniff(data[:65536])
        )
    except rules.Refused as exc:
        raise access.refused(exc) from exc
    if repo.voucher_by_number(session, c.id, number) is not None:
        raise Conflict(f"合同已有编号为「{number}」的凭证，同一凭证不能重复上传")
    digest = hashlib.sha256(data).hexdigest()
    path = _store(data, digest, store_dir, media_type)
    v = LoanVoucher(
        contract_id=c.id,
        document_number=number,
        invoice_amount=invoice_amount,
        file_sha256=digest,
        file_size=len(data),
        media_type=media_type,
        original_name=(Path(filename).name or "voucher")[:200],
        stored_path=str(path),
        uploaded_by_id=actor.user_id,
        uploaded_at=utcnow(),
    )
    session.add(v)
    session.flush()
    access.audited(
        session,
        actor,
        "voucher.upload",
        "loan_voucher",
        v.id,
        contract_id=c.id,
        number=number,
        amount=str(invoice_amount),
        sha256=digest,
        size=len(data),
    )
    access.log_evidence(
        session,
        c,
        "voucher",
        ("loan_voucher", v.id),
        file=data,
        document_number=number,
        amount=invoice_amount,
        media_type=media_type,
    )
    return v


def voucher_file(session: Session, *, actor: Principal, voucher_id: int) -> LoanVoucher:
    """A voucher whose loan the actor may see, with its file present."""
    v = repo.voucher(session, voucher_id)
    if v is None:
        raise NotFound("未找到该凭证")
    access.contract(session, actor, v.contract_id)
    if not Path(v.stored_path).is_file():
        raise NotFound("凭证文件不在存储目录中，请联系管理员")
    return v


# -- payments --------------------------------------------------------------------------------


def make_payment(
    session: Session,
    *,
    actor: Principal,
    drawdown_id: int,
    amount: Decimal,
    purpose: str,
    payee_id: int | None = None,
    voucher_id: int | None = None,
    self_payment: bool = False,
    note: str = "",
) -> LoanPayment:
    """One payment of a disbursed drawdown (rules.check_payment)."""
    d = drawdowns.drawdown_for(session, actor, drawdown_id)
    c = access.for_customer(session, actor, d.contract_id)
    access.require_active(c)
    lines.not_blocked(lines.line_of(session, c))
    payee = repo.payee(session, payee_id) if payee_id is not None else None
    if payee is not None and payee.contract_id != c.id:
        payee = None
    voucher = repo.voucher(session, voucher_id) if voucher_id is not None else None
    if voucher is not None and voucher.contract_id != c.id:
        voucher = None
    if voucher_id is not None and voucher is None:
        raise Invalid("未找到该凭证：凭证须为本合同已上传的凭证")
    sp = (c.terms or {}).get("self_payment") or {}
    check = rules.PaymentCheck(
        amount=amount,
        purpose=purpose,
        self_payment=self_payment,
        payee_status=payee.status if payee is not None else None,
        voucher_remaining=(
            voucher.invoice_amount - repo.paid_against_voucher(session, voucher.id)
            if voucher is not None
            else None
        ),
        drawdown_status=d.status,
        drawdown_remaining=d.amount - repo.paid_from_drawdown(session, d.id),
        self_payment_max=Decimal(str(sp.get("max_amount", "0"))),
        self_payment_source=str(sp.get("source", access.NO_SELF_PAYMENT)),
    )
    try:
        rules.check_payment(check)
    except rules.Refused as exc:
        raise access.refused(exc) from exc
    p = LoanPayment(
        drawdown_id=d.id,
        payee_id=payee.id if payee is not None and not self_payment else None,
        purpose=purpose,
        amount=amount,
        voucher_id=voucher.id if voucher is not None else None,
        self_payment=self_payment,
        note=note.strip()[:500] or None,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(p)
    access.bump(session, c)
    access.audited(
        session,
        actor,
        "payment.make",
        "loan_payment",
        p.id,
        drawdown_id=d.id,
        amount=str(amount),
        purpose=purpose,
        payee_id=p.payee_id,
        voucher_id=p.voucher_id,
        self_payment=self_payment,
    )
    access.log_evidence(
        session,
        c,
        "payment",
        ("loan_payment", p.id),
        drawdown=d.id,
        amount=amount,
        purpose=PURPOSE_LABELS.get(purpose, purpose),
        payee=payee.name if payee is not None and not self_payment else None,
        voucher=voucher.document_number if voucher is not None else None,
        voucher_sha256=voucher.file_sha256 if voucher is not None else None,
        self_payment=self_payment,
    )
    return p
