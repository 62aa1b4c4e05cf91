"""The quality-loan book (贷后台账): contracts (合同), credit lines (授信额度), drawdowns (用信)
with their schedules, and entrusted payment (受托支付): payees, payments and vouchers.

Money is ``Numeric(18, 2)`` yuan to the fen; rates are percent per year (``Numeric(9, 6)``,
e.g. ``3.450000`` for 3.45 %), except ``penalty_markup``, a fraction (``0.5`` = 罚息利率为合同
利率上浮 50 %). The servicing columns of ``loan_drawdown`` (outstanding … last_accrual_date) are
written by the nightly batch of the servicing side; the book only opens them at disbursement.

``renewed_from_id`` has no self-referencing foreign key (as ``loan_application``'s
``resubmission_of_id``): MariaDB and SQLite check RESTRICT row by row within one DELETE; the
service checks it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow

ZERO = Decimal("0.00")

# contract status: value stored, label shown
CONTRACT_STATUS_LABELS: dict[str, str] = {
    "active": "生效",
    "settled": "结清",
    "renewed": "续贷",
    "terminated": "终止",
}
DRAWDOWN_STATUS_LABELS: dict[str, str] = {
    "requested": "待审批",
    "approved": "已审批",
    "disbursed": "已放款",
    "rejected": "已拒绝",
    "settled": "已结清",
    "renewed": "已续贷",
}
INSTALMENT_STATUS_LABELS: dict[str, str] = {
    "due": "未到期",
    "paid": "已还",
    "overdue": "逾期",
    "renewed": "已续贷",  # principal carried to the renewal's drawdown (no money moved)
}
CLASSIFICATION_LABELS: dict[str, str] = {
    "normal": "正常",
    "special_mention": "关注",
    "substandard": "次级",
    "doubtful": "可疑",
    "loss": "损失",
}
PAYEE_KIND_LABELS: dict[str, str] = {
    "supplier": "供应商",
    "certifier": "认证机构",
    "lab": "检测实验室",
    "equipment": "设备供应商",
    "other": "其他",
}
PAYEE_STATUS_LABELS: dict[str, str] = {
    "proposed": "待审核",
    "approved": "已核准",
    "rejected": "已驳回",
}
PURPOSE_LABELS: dict[str, str] = {
    "certification": "认证",
    "testing": "检验检测",
    "equipment": "设备购置",
    "rnd": "研发",
    "standards": "标准制定",
    "brand": "品牌建设",
    "working_capital": "流动资金",
}


def _money(**kw: Any) -> Any:
    return mapped_column(Numeric(18, 2), **kw)


def _serviced() -> Any:
    return mapped_column(Numeric(18, 2), default=ZERO, server_default="0")


class LoanContract(Base):
    """One loan contract, made from an approved application and its frozen quote."""

    __tablename__ = "loan_contract"
    __table_args__ = (
        Index("ix_loan_contract_bank_status", "bank_tenant_id", "status"),
        Index("ix_loan_contract_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    contract_no: Mapped[str] = mapped_column(String(32), unique=True)
    bank_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    bank_code: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    # NULL for a renewal (无还本续贷): the renewed contract links to the one it renews by
    # ``renewed_from_id``; the chain's first contract holds the application
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_application.id", ondelete="RESTRICT"), unique=True
    )
    product_code: Mapped[str] = mapped_column(String(64))
    product_version_id: Mapped[int] = mapped_column(
        ForeignKey("product_version.id", ondelete="RESTRICT")
    )
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id", ondelete="RESTRICT"))
    rate_kind: Mapped[str] = mapped_column(String(8))  # fixed | floating
    lpr_tenor: Mapped[str | None] = mapped_column(String(4))  # 1y | 5y (floating)
    spread: Mapped[Decimal] = mapped_column(Numeric(9, 6))  # percentage points over the LPR
    repricing_rule: Mapped[str | None] = mapped_column(String(32))  # anniversary | jan1
    repricing_date: Mapped[date | None] = mapped_column(Date)  # the next repricing date
    contract_rate: Mapped[Decimal] = mapped_column(Numeric(9, 6))  # % p.a. when signed
    penalty_markup: Mapped[Decimal] = mapped_column(Numeric(9, 4))  # 0.5 = +50 %
    allocation_order: Mapped[list[str]] = mapped_column(JSONType, default=list)
    principal_limit: Mapped[Decimal] = _money()
    term_months: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(16))  # lending.Method's value
    start_date: Mapped[date] = mapped_column(Date)
    maturity_date: Mapped[date] = mapped_column(Date)
    # the product's terms the book runs on, frozen at signing (renewal, self-payment threshold
    # with its source, early repayment, milestones)
    terms: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="active")
    renewed_from_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration


class LoanCreditLine(Base):
    """授信额度 of one contract: its limit, expiry, and the amount frozen by the bank."""

    __tablename__ = "loan_credit_line"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("loan_contract.id", ondelete="RESTRICT"), unique=True
    )
    limit_amount: Mapped[Decimal] = _money()
    expiry: Mapped[date] = mapped_column(Date)
    revolving: Mapped[bool] = mapped_column(Boolean, default=False)
    frozen_amount: Mapped[Decimal] = _money(default=ZERO)
    # 质量联动冻结 (zhixin.linkage): while set, new drawdowns and payments are refused with this
    # reason (error code ``line_frozen``); set and cleared only through the linkage service
    blocked_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoanDrawdown(Base):
    """用信: one drawdown under a contract, with its own rate and schedule."""

    __tablename__ = "loan_drawdown"
    __table_args__ = (
        Index("ix_loan_drawdown_contract_status", "contract_id", "status"),
        # the reports' daily facts are refreshed by value date (each minute: yesterday, today)
        Index("ix_loan_drawdown_value_date", "value_date"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("loan_contract.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = _money()
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    value_date: Mapped[date | None] = mapped_column(Date)
    maturity: Mapped[date | None] = mapped_column(Date)
    term_months: Mapped[int] = mapped_column(SmallInteger)
    lpr_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))  # the LPR in force (floating)
    lpr_on: Mapped[date | None] = mapped_column(Date)  # the LPR's effective date
    annual_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))  # LPR + spread, % p.a.
    method: Mapped[str] = mapped_column(String(16))
    milestone: Mapped[str | None] = mapped_column(String(64))
    milestone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    milestone_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # servicing (written by the nightly batch)
    outstanding_principal: Mapped[Decimal] = _serviced()
    overdue_principal: Mapped[Decimal] = _serviced()
    overdue_interest: Mapped[Decimal] = _serviced()
    accrued_interest: Mapped[Decimal] = _serviced()
    penalty_interest: Mapped[Decimal] = _serviced()
    compound_interest: Mapped[Decimal] = _serviced()
    days_past_due: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    classification: Mapped[str] = mapped_column(
        String(16), default="normal", server_default="normal"
    )
    last_accrual_date: Mapped[date | None] = mapped_column(Date)
    # 重组 (第二十二条): set by an officer with a reason; the batch keeps the drawdown at least
    # 关注, and at least its class before the restructuring, until the observation period ends
    restructured_on: Mapped[date | None] = mapped_column(Date)
    restructured_from: Mapped[str | None] = mapped_column(String(16))  # class before
    observation_until: Mapped[date | None] = mapped_column(Date)
    restructure_reason: Mapped[str | None] = mapped_column(Text)


class LoanInstalment(Base):
    """One row of a drawdown's schedule, as the lending core drew it up."""

    __tablename__ = "loan_instalment"
    __table_args__ = (UniqueConstraint("drawdown_id", "seq"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("loan_drawdown.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(SmallInteger)
    period_start: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    principal: Mapped[Decimal] = _money()
    interest: Mapped[Decimal] = _money()
    principal_paid: Mapped[Decimal] = _serviced()
    interest_paid: Mapped[Decimal] = _serviced()
    status: Mapped[str] = mapped_column(String(8), default="due", server_default="due")


class LoanPayee(Base):
    """收款人 proposed for a contract's entrusted payments and approved (or not) by the bank."""

    __tablename__ = "loan_payee"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("loan_contract.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str | None] = mapped_column(String(18))
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str] = mapped_column(String(40))  # shown masked
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(Text)


class LoanVoucher(Base):
    """A payment's voucher (凭证): the contract or invoice it pays, with the uploaded file,
    stored by its SHA-256 under the data directory (never under the web root)."""

    __tablename__ = "loan_voucher"
    __table_args__ = (UniqueConstraint("contract_id", "document_number"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("loan_contract.id", ondelete="RESTRICT"))
    document_number: Mapped[str] = mapped_column(String(64))
    invoice_amount: Mapped[Decimal] = _money()
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_path: Mapped[str] = mapped_column(String(500))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoanPayment(Base):
    """One payment of a drawdown: to an approved payee against a voucher, or 自主支付."""

    __tablename__ = "loan_payment"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(
        ForeignKey("loan_drawdown.id", ondelete="RESTRICT"), index=True
    )
    payee_id: Mapped[int | None] = mapped_column(ForeignKey("loan_payee.id", ondelete="RESTRICT"))
    purpose: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Decimal] = _money()
    voucher_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_voucher.id", ondelete="RESTRICT"), index=True
    )
    self_payment: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
