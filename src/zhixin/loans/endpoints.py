"""JSON API of the loan book under ``/api/v1/loans``: contracts, credit lines, drawdowns,
payees, vouchers and payments. Refusals are Chinese (``{"error": …}``) and write nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import FileResponse

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid, ZhixinError
from zhixin.loans import service
from zhixin.loans.schemas import (
    ContractOut,
    ContractRowOut,
    DrawdownIn,
    DrawdownOut,
    FreezeIn,
    LineOut,
    NoteIn,
    PayeeIn,
    PayeeOut,
    PaymentIn,
    PaymentOut,
    ReasonIn,
    VoucherOut,
)
from zhixin.web.deps import DB, AppSettings, UnitOfWorkRoute, require

router = APIRouter(prefix="/loans", tags=["贷后 loans"], route_class=UnitOfWorkRoute)
Reader = Annotated[Principal, Depends(require(Permission.loan_read))]
Customer = Annotated[Principal, Depends(require(Permission.payment_submit, Permission.loan_manage))]
Manager = Annotated[Principal, Depends(require(Permission.loan_manage))]
Approver = Annotated[Principal, Depends(require(Permission.loan_approve))]


def _drawdown_out(db: DB, principal: Principal, drawdown_id: int) -> DrawdownOut:
    d = service.drawdown_view(db, actor=principal, drawdown_id=drawdown_id)
    return DrawdownOut.of(d.row, d)


@router.get("/contracts", response_model=list[ContractRowOut])
def contracts(
    db: DB,
    principal: Reader,
    status: Annotated[str | None, Query(max_length=16)] = None,
    product: Annotated[str | None, Query(max_length=64)] = None,
    classification: Annotated[str | None, Query(max_length=16)] = None,
    overdue: bool = False,
    maturing_within: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> list[ContractRowOut]:
    """The contracts the caller may see (its bank's, its own, its jurisdiction's), filtered."""
    rows = service.portfolio(
        db,
        actor=principal,
        status=status,
        product_code=product,
        classification=classification,
        overdue_only=overdue,
        maturing_within_days=maturing_within,
    )
    return [ContractRowOut.of(r) for r in rows]


@router.get("/contracts/{contract_id}", response_model=ContractOut)
def contract(contract_id: int, db: DB, principal: Reader) -> ContractOut:
    """One contract: terms, line, drawdowns with schedules and payments, payees, vouchers."""
    return ContractOut.of(service.view(db, actor=principal, contract_id=contract_id))


@router.get("/contracts/{contract_id}/line", response_model=LineOut)
def line(contract_id: int, db: DB, principal: Reader) -> LineOut:
    """授信额度: limit, expiry, and what is available now."""
    return LineOut.of(service.view(db, actor=principal, contract_id=contract_id))


@router.post("/contracts/{contract_id}/line/frozen", response_model=LineOut)
def freeze(contract_id: int, body: FreezeIn, db: DB, principal: Approver) -> LineOut:
    """冻结 / 解冻 part of the line (the amount frozen from now on; 0 releases it)."""
    service.set_frozen(
        db, actor=principal, contract_id=contract_id, amount=body.amount, reason=body.reason
    )
    return LineOut.of(service.view(db, actor=principal, contract_id=contract_id))


@router.post("/contracts/{contract_id}/drawdowns", response_model=DrawdownOut, status_code=201)
def request_drawdown(
    contract_id: int, body: DrawdownIn, db: DB, principal: Customer
) -> DrawdownOut:
    """用信申请 (the enterprise or an officer), within availability."""
    d = service.request_drawdown(
        db,
        actor=principal,
        contract_id=contract_id,
        amount=body.amount,
        term_months=body.term_months,
        milestone=body.milestone,
    )
    return _drawdown_out(db, principal, d.id)


@router.get("/drawdowns/{drawdown_id}", response_model=DrawdownOut)
def drawdown(drawdown_id: int, db: DB, principal: Reader) -> DrawdownOut:
    return _drawdown_out(db, principal, drawdown_id)


@router.post("/drawdowns/{drawdown_id}/approve", response_model=DrawdownOut)
def approve(drawdown_id: int, db: DB, principal: Approver) -> DrawdownOut:
    """审批 by a bank approver who did not request it."""
    service.approve_drawdown(db, actor=principal, drawdown_id=drawdown_id)
    return _drawdown_out(db, principal, drawdown_id)


@router.post("/drawdowns/{drawdown_id}/reject", response_model=DrawdownOut)
def reject(drawdown_id: int, body: ReasonIn, db: DB, principal: Approver) -> DrawdownOut:
    service.reject_drawdown(db, actor=principal, drawdown_id=drawdown_id, reason=body.reason)
    return _drawdown_out(db, principal, drawdown_id)


@router.post("/drawdowns/{drawdown_id}/disburse", response_model=DrawdownOut)
def disburse(drawdown_id: int, db: DB, principal: Manager) -> DrawdownOut:
    """放款 today: priced at the LPR in force + spread, scheduled by the lending core."""
    service.disburse(db, actor=principal, drawdown_id=drawdown_id)
    return _drawdown_out(db, principal, drawdown_id)


@router.post("/contracts/{contract_id}/milestones/{milestone}/verify", response_model=LineOut)
def verify_milestone(
    contract_id: int, milestone: str, body: NoteIn, db: DB, principal: Manager
) -> LineOut:
    """The officer verifies a milestone: its tranche unlocks."""
    service.verify_milestone(
        db, actor=principal, contract_id=contract_id, milestone=milestone, note=body.note
    )
    return LineOut.of(service.view(db, actor=principal, contract_id=contract_id))


@router.post("/contracts/{contract_id}/payees", response_model=PayeeOut, status_code=201)
def propose_payee(contract_id: int, body: PayeeIn, db: DB, principal: Customer) -> PayeeOut:
    """收款人 proposed for entrusted payment; the bank approves it before any payment."""
    p = service.propose_payee(
        db,
        actor=principal,
        contract_id=contract_id,
        name=body.name,
        bank_account=body.bank_account,
        kind=body.kind,
        uscc=body.uscc,
        bank_name=body.bank_name,
    )
    return PayeeOut.of(p)


@router.post("/payees/{payee_id}/approve", response_model=PayeeOut)
def approve_payee(payee_id: int, db: DB, principal: Approver) -> PayeeOut:
    return PayeeOut.of(service.decide_payee(db, actor=principal, payee_id=payee_id, approve=True))


@router.post("/payees/{payee_id}/reject", response_model=PayeeOut)
def reject_payee(payee_id: int, body: ReasonIn, db: DB, principal: Approver) -> PayeeOut:
    p = service.decide_payee(
        db, actor=principal, payee_id=payee_id, approve=False, reason=body.reason
    )
    return PayeeOut.of(p)


def amount_of(text: str, label: str = "凭证金额") -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise Invalid(f"{label}须为数字，如 120000.00") from None
    if not value.is_finite():
        raise Invalid(f"{label}须为数字，如 120000.00")
    return value


async def read_bounded(upload: UploadFile, max_bytes: int) -> bytes:
    """The upload's bytes, refused with 413 as soon as they pass ``max_bytes``."""
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ZhixinError(
            f"凭证文件超过 {max_bytes // (1024 * 1024) or 1} MB 的上限，请压缩或分开上传",
            status=413,
        )
    return data


@router.post("/contracts/{contract_id}/vouchers", response_model=VoucherOut, status_code=201)
async def upload_voucher(
    contract_id: int,
    db: DB,
    principal: Customer,
    settings: AppSettings,
    document_number: Annotated[str, Form(max_length=64)],
    invoice_amount: Annotated[str, Form(max_length=32)],
    file: Annotated[UploadFile, File()],
) -> VoucherOut:
    """凭证: contract/invoice number, amount and the file (PDF/OFD/JPG/PNG by content, size
    bounded, stored by SHA-256 outside the web root)."""
    data = await read_bounded(file, settings.voucher_max_bytes)
    v = service.upload_voucher(
        db,
        actor=principal,
        contract_id=contract_id,
        document_number=document_number,
        invoice_amount=amount_of(invoice_amount),
        filename=file.filename or "voucher",
        data=data,
        store_dir=settings.voucher_dir,
        max_bytes=settings.voucher_max_bytes,
    )
    return VoucherOut.of(service.VoucherView(v, Decimal("0.00")))


@router.get("/vouchers/{voucher_id}/file")
def voucher_file(voucher_id: int, db: DB, principal: Reader) -> FileResponse:
    """The voucher's file, to those who may see its loan (served by the application, never
    from a static directory)."""
    v = service.voucher_file(db, actor=principal, voucher_id=voucher_id)
    return FileResponse(
        v.stored_path,
        media_type=v.media_type,
        filename=v.original_name,
        headers={"X-Content-Type-Options": "nosniff"},
    )


@router.post("/drawdowns/{drawdown_id}/payments", response_model=PaymentOut, status_code=201)
def make_payment(drawdown_id: int, body: PaymentIn, db: DB, principal: Customer) -> PaymentOut:
    """支付: entrusted to an approved payee against a voucher, or self-payment within the
    product's threshold."""
    p = service.make_payment(
        db,
        actor=principal,
        drawdown_id=drawdown_id,
        amount=body.amount,
        purpose=body.purpose,
        payee_id=body.payee_id,
        voucher_id=body.voucher_id,
        self_payment=body.self_payment,
        note=body.note,
    )
    return PaymentOut.of(p)
