"""The loan book's API bodies and answers. Bank accounts leave the server masked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from zhixin.loans import rules
from zhixin.loans.models import (
    CLASSIFICATION_LABELS,
    CONTRACT_STATUS_LABELS,
    DRAWDOWN_STATUS_LABELS,
    INSTALMENT_STATUS_LABELS,
    PAYEE_STATUS_LABELS,
    LoanDrawdown,
    LoanInstalment,
    LoanPayee,
    LoanPayment,
)
from zhixin.loans.service import ContractView, DrawdownView, PortfolioRow, VoucherView

Money = Decimal
Purpose = Literal[
    "certification", "testing", "equipment", "rnd", "standards", "brand", "working_capital"
]
PayeeKind = Literal["supplier", "certifier", "lab", "equipment", "other"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DrawdownIn(_In):
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2, description="用信金额（元）")
    term_months: int | None = Field(
        None, ge=1, le=360, description="用信期限（月），缺省为合同期限"
    )
    milestone: str | None = Field(None, max_length=64, description="动态增信里程碑代码")


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=500, description="理由")


class FreezeIn(_In):
    amount: Decimal = Field(ge=0, max_digits=18, decimal_places=2, description="冻结金额（元）")
    reason: str = Field(min_length=1, max_length=500)


class NoteIn(_In):
    note: str = Field("", max_length=200)


class PayeeIn(_In):
    name: str = Field(min_length=1, max_length=200)
    uscc: str | None = Field(None, max_length=18)
    bank_name: str | None = Field(None, max_length=100)
    bank_account: str = Field(min_length=8, max_length=40)
    kind: PayeeKind


class PaymentIn(_In):
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    purpose: Purpose
    payee_id: int | None = None
    voucher_id: int | None = None
    self_payment: bool = False
    note: str = Field("", max_length=500)


class InstalmentOut(BaseModel):
    seq: int
    period_start: dt.date
    due_date: dt.date
    principal: Money
    interest: Money
    payment: Money
    principal_paid: Money
    interest_paid: Money
    status: str
    status_label: str

    @classmethod
    def of(cls, i: LoanInstalment) -> InstalmentOut:
        return cls(
            seq=i.seq,
            period_start=i.period_start,
            due_date=i.due_date,
            principal=i.principal,
            interest=i.interest,
            payment=i.principal + i.interest,
            principal_paid=i.principal_paid,
            interest_paid=i.interest_paid,
            status=i.status,
            status_label=INSTALMENT_STATUS_LABELS.get(i.status, i.status),
        )


class PaymentOut(BaseModel):
    id: int
    drawdown_id: int
    payee_id: int | None
    voucher_id: int | None
    purpose: str
    purpose_label: str
    amount: Money
    self_payment: bool
    note: str | None
    created_at: dt.datetime

    @classmethod
    def of(cls, p: LoanPayment) -> PaymentOut:
        return cls(
            id=p.id,
            drawdown_id=p.drawdown_id,
            payee_id=p.payee_id,
            voucher_id=p.voucher_id,
            purpose=p.purpose,
            purpose_label=rules.PURPOSES.get(p.purpose, p.purpose),
            amount=p.amount,
            self_payment=p.self_payment,
            note=p.note,
            created_at=p.created_at,
        )


class DrawdownOut(BaseModel):
    id: int
    contract_id: int
    amount: Money
    status: str
    status_label: str
    term_months: int
    method: str
    milestone: str | None
    milestone_verified_at: dt.datetime | None
    requested_by_id: int
    approved_by_id: int | None
    reject_reason: str | None
    value_date: dt.date | None
    maturity: dt.date | None
    lpr_rate: Decimal | None
    lpr_on: dt.date | None
    annual_rate: Decimal | None
    outstanding_principal: Money
    overdue_principal: Money
    overdue_interest: Money
    days_past_due: int
    classification: str
    classification_label: str
    paid_out: Money = Decimal("0.00")
    schedule: list[InstalmentOut] = []
    payments: list[PaymentOut] = []

    @classmethod
    def of(cls, d: LoanDrawdown, v: DrawdownView | None = None) -> DrawdownOut:
        return cls(
            id=d.id,
            contract_id=d.contract_id,
            amount=d.amount,
            status=d.status,
            status_label=DRAWDOWN_STATUS_LABELS.get(d.status, d.status),
            term_months=d.term_months,
            method=d.method,
            milestone=d.milestone,
            milestone_verified_at=d.milestone_verified_at,
            requested_by_id=d.requested_by_id,
            approved_by_id=d.approved_by_id,
            reject_reason=d.reject_reason,
            value_date=d.value_date,
            maturity=d.maturity,
            lpr_rate=d.lpr_rate,
            lpr_on=d.lpr_on,
            annual_rate=d.annual_rate,
            outstanding_principal=d.outstanding_principal,
            overdue_principal=d.overdue_principal,
            overdue_interest=d.overdue_interest,
            days_past_due=d.days_past_due,
            classification=d.classification,
            classification_label=CLASSIFICATION_LABELS.get(d.classification, d.classification),
            paid_out=v.paid if v is not None else Decimal("0.00"),
            schedule=[InstalmentOut.of(i) for i in v.instalments] if v is not None else [],
            payments=[PaymentOut.of(p) for p in v.payments] if v is not None else [],
        )


class PayeeOut(BaseModel):
    id: int
    contract_id: int
    name: str
    uscc: str | None
    bank_name: str | None
    bank_account: str  # masked
    kind: str
    kind_label: str
    status: str
    status_label: str
    reject_reason: str | None

    @classmethod
    def of(cls, p: LoanPayee) -> PayeeOut:
        return cls(
            id=p.id,
            contract_id=p.contract_id,
            name=p.name,
            uscc=p.uscc,
            bank_name=p.bank_name,
            bank_account=rules.mask_account(p.bank_account),
            kind=p.kind,
            kind_label=rules.PAYEE_KINDS.get(p.kind, p.kind),
            status=p.status,
            status_label=PAYEE_STATUS_LABELS.get(p.status, p.status),
            reject_reason=p.reject_reason,
        )


class VoucherOut(BaseModel):
    id: int
    contract_id: int
    document_number: str
    invoice_amount: Money
    paid: Money
    remaining: Money
    file_sha256: str
    file_size: int
    media_type: str
    original_name: str
    uploaded_at: dt.datetime

    @classmethod
    def of(cls, v: VoucherView) -> VoucherOut:
        r = v.row
        return cls(
            id=r.id,
            contract_id=r.contract_id,
            document_number=r.document_number,
            invoice_amount=r.invoice_amount,
            paid=v.paid,
            remaining=v.remaining,
            file_sha256=r.file_sha256,
            file_size=r.file_size,
            media_type=r.media_type,
            original_name=r.original_name,
            uploaded_at=r.uploaded_at,
        )


class LineOut(BaseModel):
    contract_id: int
    limit: Money
    expiry: dt.date
    revolving: bool
    frozen: Money
    locked: Money
    outstanding: Money
    in_flight: Money
    available: Money
    tranches: list[dict[str, object]]

    @classmethod
    def of(cls, v: ContractView) -> LineOut:
        a = v.availability
        return cls(
            contract_id=v.contract.id,
            limit=v.line.limit_amount,
            expiry=v.line.expiry,
            revolving=v.line.revolving,
            frozen=v.line.frozen_amount,
            locked=a.locked,
            outstanding=a.outstanding,
            in_flight=a.in_flight,
            available=a.available,
            tranches=v.tranches,
        )


class ContractOut(BaseModel):
    id: int
    contract_no: str
    application_id: int | None = Field(
        default=None, description="续贷合同为空（见 renewed_from_id）"
    )
    enterprise_id: int
    enterprise_name: str
    bank_code: str
    product_code: str
    product_version_id: int
    quote_id: int
    rate_kind: str
    rate_kind_label: str
    lpr_tenor: str | None
    spread: Decimal
    repricing_rule: str | None
    repricing_date: dt.date | None
    contract_rate: Decimal
    penalty_markup: Decimal
    allocation_order: list[str]
    principal_limit: Money
    term_months: int
    method: str
    start_date: dt.date
    maturity_date: dt.date
    status: str
    status_label: str
    renewed_from_id: int | None
    self_payment_max: Money
    self_payment_source: str
    renewal_allowed: bool
    line: LineOut
    drawdowns: list[DrawdownOut]
    payees: list[PayeeOut]
    vouchers: list[VoucherOut]

    @classmethod
    def of(cls, v: ContractView) -> ContractOut:
        c = v.contract
        sp = (c.terms or {}).get("self_payment") or {}
        return cls(
            id=c.id,
            contract_no=c.contract_no,
            application_id=c.application_id,
            enterprise_id=c.enterprise_id,
            enterprise_name=v.enterprise_name,
            bank_code=c.bank_code,
            product_code=c.product_code,
            product_version_id=c.product_version_id,
            quote_id=c.quote_id,
            rate_kind=c.rate_kind,
            rate_kind_label=rules.RATE_KINDS.get(c.rate_kind, c.rate_kind),
            lpr_tenor=c.lpr_tenor,
            spread=c.spread,
            repricing_rule=c.repricing_rule,
            repricing_date=c.repricing_date,
            contract_rate=c.contract_rate,
            penalty_markup=c.penalty_markup,
            allocation_order=list(c.allocation_order),
            principal_limit=c.principal_limit,
            term_months=c.term_months,
            method=c.method,
            start_date=c.start_date,
            maturity_date=c.maturity_date,
            status=c.status,
            status_label=CONTRACT_STATUS_LABELS.get(c.status, c.status),
            renewed_from_id=c.renewed_from_id,
            self_payment_max=Decimal(str(sp.get("max_amount", "0"))),
            self_payment_source=str(sp.get("source", "")),
            renewal_allowed=bool((c.terms or {}).get("renewal_allowed")),
            line=LineOut.of(v),
            drawdowns=[DrawdownOut.of(d.row, d) for d in v.drawdowns],
            payees=[PayeeOut.of(p) for p in v.payees],
            vouchers=[VoucherOut.of(x) for x in v.vouchers],
        )


class ContractRowOut(BaseModel):
    id: int
    contract_no: str
    enterprise_id: int
    enterprise_name: str
    uscc: str
    bank_code: str
    product_code: str
    limit: Money
    outstanding: Money
    overdue: Money
    rate: Decimal
    rate_kind: str
    start_date: dt.date
    maturity_date: dt.date
    status: str
    status_label: str
    classification: str
    classification_label: str
    days_past_due: int
    next_due: dt.date | None
    next_payment: Money

    @classmethod
    def of(cls, r: PortfolioRow) -> ContractRowOut:
        return cls(
            **{k: getattr(r, k) for k in PortfolioRow.__dataclass_fields__},
            status_label=CONTRACT_STATUS_LABELS.get(r.status, r.status),
            classification_label=CLASSIFICATION_LABELS.get(r.classification, r.classification),
        )
