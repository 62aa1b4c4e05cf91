"""Pages of the loan book: the bank's portfolio (filters, XLSX), the enterprise's own loans,
and one loan (line, drawdowns with schedules, payees, vouchers, payments) with the forms each
party may use. Every form posts, redirects back, and a refusal shows its Chinese message."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid
from zhixin.evidence import service as evidence
from zhixin.kit import clock
from zhixin.kit.sheets import Book
from zhixin.linkage import reading as linkage
from zhixin.linkage import renewals
from zhixin.loans import rules, service, servicing
from zhixin.loans.endpoints import amount_of, read_bounded
from zhixin.loans.models import (
    CLASSIFICATION_LABELS,
    CONTRACT_STATUS_LABELS,
    DRAWDOWN_STATUS_LABELS,
    INSTALMENT_STATUS_LABELS,
    PAYEE_STATUS_LABELS,
)
from zhixin.web.deps import DB, AppSettings, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.loan_read))]
Customer = Annotated[Principal, Depends(require(Permission.payment_submit, Permission.loan_manage))]
Manager = Annotated[Principal, Depends(require(Permission.loan_manage))]
Approver = Annotated[Principal, Depends(require(Permission.loan_approve))]

Status = Annotated[str | None, Query(max_length=16)]
Text = Annotated[str | None, Query(max_length=64)]
Within = Annotated[int | None, Query(ge=0, le=3650)]

EXPORT_HEADERS = (
    "合同编号",
    "企业",
    "统一社会信用代码",
    "产品",
    "额度（元）",
    "贷款余额（元）",
    "逾期本息（元）",
    "合同利率（%）",
    "利率类型",
    "起始日",
    "到期日",
    "合同状态",
    "五级分类",
    "逾期天数",
    "下一还款日",
    "下一期应还（元）",
)


def num(value: Decimal) -> str:
    """A rate or percentage as written: 5.3, 3.45, 50 (no exponent, no trailing zeros)."""
    text = format(value.normalize(), "f")
    return text


def dec(value: object) -> Decimal:
    return Decimal(str(value))


def _rows(
    db: DB,
    principal: Principal,
    status: str | None,
    product: str | None,
    classification: str | None,
    overdue: bool,
    maturing_within: int | None,
) -> list[service.PortfolioRow]:
    return service.portfolio(
        db,
        actor=principal,
        status=status,
        product_code=product,
        classification=classification,
        overdue_only=overdue,
        maturing_within_days=maturing_within,
    )


@router.get("/loans", response_class=HTMLResponse)
def loans_page(
    request: Request,
    db: DB,
    principal: Reader,
    status: Status = None,
    product: Text = None,
    classification: Status = None,
    overdue: bool = False,
    maturing_within: Within = None,
) -> Response:
    rows = _rows(db, principal, status, product, classification, overdue, maturing_within)
    totals = {
        "count": len(rows),
        "outstanding": sum((r.outstanding for r in rows), Decimal("0.00")),
        "overdue": sum((r.overdue for r in rows), Decimal("0.00")),
    }
    by_class: dict[str, int] = {}
    for r in rows:
        by_class[r.classification] = by_class.get(r.classification, 0) + 1
    return render(
        request,
        "loans.html",
        rows=rows,
        totals=totals,
        by_class=by_class,
        statuses=CONTRACT_STATUS_LABELS,
        classes=CLASSIFICATION_LABELS,
        status=status or "",
        product=product or "",
        classification=classification or "",
        overdue=overdue,
        maturing_within=maturing_within,
        today=clock.today(),
        query=request.url.query,
        num=num,
    )


@router.get("/loans/export.xlsx", dependencies=[Heavy])
def loans_export(
    db: DB,
    principal: Reader,
    status: Status = None,
    product: Text = None,
    classification: Status = None,
    overdue: bool = False,
    maturing_within: Within = None,
) -> Response:
    """The portfolio as listed, as a workbook (kit.sheets: formula-injection safe)."""
    rows = _rows(db, principal, status, product, classification, overdue, maturing_within)
    book = Book()
    sheet = book.sheet("贷款台账")
    sheet.append(list(EXPORT_HEADERS))
    for r in rows:
        sheet.append(
            [
                r.contract_no,
                r.enterprise_name,
                r.uscc,
                r.product_code,
                r.limit,
                r.outstanding,
                r.overdue,
                r.rate,
                rules.RATE_KINDS.get(r.rate_kind, r.rate_kind),
                r.start_date,
                r.maturity_date,
                CONTRACT_STATUS_LABELS.get(r.status, r.status),
                CLASSIFICATION_LABELS.get(r.classification, r.classification),
                r.days_past_due,
                r.next_due,
                r.next_payment,
            ]
        )
    name = f"loans-{clock.today().isoformat()}.xlsx"
    return StreamingResponse(
        io.BytesIO(book.to_bytes()),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/loans/{contract_id}", response_class=HTMLResponse)
def loan_page(
    request: Request, contract_id: int, db: DB, principal: Reader, done: str = ""
) -> Response:
    v = service.view(db, actor=principal, contract_id=contract_id)
    bank = principal.tenant_kind.value == "bank"
    repaid = {
        dv.row.id: servicing.repayments(db, actor=principal, drawdown_id=dv.row.id)
        for dv in v.drawdowns
        if dv.row.status in ("disbursed", "settled")
    }
    customer = (
        principal.tenant_kind.value == "enterprise" and principal.can(Permission.payment_submit)
    ) or (bank and principal.can(Permission.loan_manage))
    return render(
        request,
        "loan.html",
        v=v,
        c=v.contract,
        sp=(v.contract.terms or {}).get("self_payment") or {},
        may_customer=customer and v.contract.status == "active",
        may_manage=bank and principal.can(Permission.loan_manage),
        may_approve=bank and principal.can(Permission.loan_approve),
        statuses=CONTRACT_STATUS_LABELS,
        dd_statuses=DRAWDOWN_STATUS_LABELS,
        inst_statuses=INSTALMENT_STATUS_LABELS,
        payee_statuses=PAYEE_STATUS_LABELS,
        classes=CLASSIFICATION_LABELS,
        purposes=rules.PURPOSES,
        kinds=rules.PAYEE_KINDS,
        rate_kinds=rules.RATE_KINDS,
        mask=rules.mask_account,
        num=num,
        dec=dec,
        done=done[:40],
        repaid=repaid,
        today=clock.today(),
        lk=linkage.of_loan(db, actor=principal, contract_id=contract_id),
        evidence=evidence.for_contract(db, actor=principal, contract_id=contract_id),
        evidence_role=evidence.may_confirm(principal),
    )


def _back(contract_id: int, done: str) -> Response:
    return RedirectResponse(f"/loans/{contract_id}?done={done}", status_code=303)


@router.post("/loans/{contract_id}/drawdowns")
def drawdown_form(
    contract_id: int,
    db: DB,
    principal: Customer,
    amount: Annotated[str, Form(max_length=32)],
    term_months: Annotated[str, Form(max_length=4)] = "",
    milestone: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    term = None
    if term_months.strip():
        if not term_months.strip().isdigit():
            raise Invalid("用信期限须为整数个月")
        term = int(term_months)
    service.request_drawdown(
        db,
        actor=principal,
        contract_id=contract_id,
        amount=amount_of(amount, "用信金额"),
        term_months=term,
        milestone=milestone or None,
    )
    return _back(contract_id, "drawdown")


def _contract_of_drawdown(db: DB, principal: Principal, drawdown_id: int) -> int:
    return service.drawdown_view(db, actor=principal, drawdown_id=drawdown_id).row.contract_id


@router.post("/loans/drawdowns/{drawdown_id}/approve")
def approve_form(drawdown_id: int, db: DB, principal: Approver) -> Response:
    d = service.approve_drawdown(db, actor=principal, drawdown_id=drawdown_id)
    return _back(d.contract_id, "approved")


@router.post("/loans/drawdowns/{drawdown_id}/reject")
def reject_form(
    drawdown_id: int,
    db: DB,
    principal: Approver,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    d = service.reject_drawdown(db, actor=principal, drawdown_id=drawdown_id, reason=reason)
    return _back(d.contract_id, "rejected")


@router.post("/loans/drawdowns/{drawdown_id}/disburse")
def disburse_form(drawdown_id: int, db: DB, principal: Manager) -> Response:
    d = service.disburse(db, actor=principal, drawdown_id=drawdown_id)
    return _back(d.contract_id, "disbursed")


@router.post("/loans/{contract_id}/frozen")
def freeze_form(
    contract_id: int,
    db: DB,
    principal: Approver,
    amount: Annotated[str, Form(max_length=32)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    service.set_frozen(
        db,
        actor=principal,
        contract_id=contract_id,
        amount=amount_of(amount, "冻结金额"),
        reason=reason,
    )
    return _back(contract_id, "frozen")


@router.post("/loans/{contract_id}/milestones/verify")
def milestone_form(
    contract_id: int,
    db: DB,
    principal: Manager,
    milestone: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    service.verify_milestone(
        db, actor=principal, contract_id=contract_id, milestone=milestone, note=note
    )
    return _back(contract_id, "milestone")


@router.post("/loans/{contract_id}/payees")
def payee_form(
    contract_id: int,
    db: DB,
    principal: Customer,
    name: Annotated[str, Form(max_length=200)],
    bank_account: Annotated[str, Form(max_length=40)],
    kind: Annotated[str, Form(max_length=16)],
    uscc: Annotated[str, Form(max_length=18)] = "",
    bank_name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    service.propose_payee(
        db,
        actor=principal,
        contract_id=contract_id,
        name=name,
        bank_account=bank_account,
        kind=kind,
        uscc=uscc or None,
        bank_name=bank_name or None,
    )
    return _back(contract_id, "payee")


@router.post("/loans/payees/{payee_id}/approve")
def payee_approve_form(payee_id: int, db: DB, principal: Approver) -> Response:
    p = service.decide_payee(db, actor=principal, payee_id=payee_id, approve=True)
    return _back(p.contract_id, "payee-approved")


@router.post("/loans/payees/{payee_id}/reject")
def payee_reject_form(
    payee_id: int,
    db: DB,
    principal: Approver,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    p = service.decide_payee(db, actor=principal, payee_id=payee_id, approve=False, reason=reason)
    return _back(p.contract_id, "payee-rejected")


@router.post("/loans/{contract_id}/vouchers", dependencies=[Heavy])
async def voucher_form(
    contract_id: int,
    db: DB,
    principal: Customer,
    settings: AppSettings,
    document_number: Annotated[str, Form(max_length=64)],
    invoice_amount: Annotated[str, Form(max_length=32)],
    file: Annotated[UploadFile, File()],
) -> Response:
    data = await read_bounded(file, settings.voucher_max_bytes)
    service.upload_voucher(
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
    return _back(contract_id, "voucher")


def _id_or_none(text: str, label: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise Invalid(f"请选择{label}")
    return int(text)


@router.post("/loans/drawdowns/{drawdown_id}/payments")
def payment_form(
    drawdown_id: int,
    db: DB,
    principal: Customer,
    amount: Annotated[str, Form(max_length=32)],
    purpose: Annotated[str, Form(max_length=24)] = "",
    payee_id: Annotated[str, Form(max_length=20)] = "",
    voucher_id: Annotated[str, Form(max_length=20)] = "",
    self_payment: Annotated[str, Form(max_length=8)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    p = service.make_payment(
        db,
        actor=principal,
        drawdown_id=drawdown_id,
        amount=amount_of(amount, "支付金额"),
        purpose=purpose,
        payee_id=_id_or_none(payee_id, "收款人"),
        voucher_id=_id_or_none(voucher_id, "凭证"),
        self_payment=self_payment == "yes",
        note=note,
    )
    return _back(_contract_of_drawdown(db, principal, p.drawdown_id), "payment")


@router.post("/loans/{contract_id}/renewal")
def renewal_form(contract_id: int, db: DB, principal: Manager) -> Response:
    """无还本续贷 (loan:manage): on to the new contract's page."""
    new = renewals.renew(db, actor=principal, contract_id=contract_id)
    return RedirectResponse(f"/loans/{new.id}?done=renewed", status_code=303)


@router.post("/loans/drawdowns/{drawdown_id}/repayments")
def repayment_form(
    drawdown_id: int,
    db: DB,
    principal: Manager,
    bank_txn_id: Annotated[str, Form(max_length=64)],
    amount: Annotated[str, Form(max_length=32)],
    value_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """还款入账 by an officer (the same transaction id twice writes once)."""
    if not bank_txn_id.strip():
        raise Invalid("请填写银行交易流水号")
    try:
        day = date.fromisoformat(value_date) if value_date.strip() else clock.today()
    except ValueError:
        raise Invalid("还款日须为 YYYY-MM-DD") from None
    servicing.enter_repayment(
        db,
        actor=principal,
        drawdown_id=drawdown_id,
        bank_txn_id=bank_txn_id.strip(),
        value_date=day,
        amount=amount_of(amount, "还款金额"),
        source="manual",
    )
    return _back(_contract_of_drawdown(db, principal, drawdown_id), "repaid")


@router.post("/loans/drawdowns/{drawdown_id}/restructuring")
def restructure_form(
    drawdown_id: int,
    db: DB,
    principal: Manager,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """登记重组 with a reason (loan:manage)."""
    servicing.restructure(db, actor=principal, drawdown_id=drawdown_id, reason=reason)
    return _back(_contract_of_drawdown(db, principal, drawdown_id), "restructured")
