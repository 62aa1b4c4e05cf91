"""Public support around the loan: guarantee products and guarantees (担保), risk-compensation
funds with their ledger, claims and recoveries (风险补偿), subsidy policies and quarterly subsidy
claims with one line per loan (贴息). Rules are JSON (``terms``) read by :mod:`.rules`.

Money is ``Numeric(18, 2)`` yuan to the fen. Loans are referred to by the loan book's ids
(``contract_id``, ``drawdown_id``); their figures are read through the book, never copied but
into a claim's basis (what the claim was computed on, kept as filed).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow

ZERO = Decimal("0.00")

# the state labels live with the rules (the CLI and pages read them there)


def _money(**kw: Any) -> Any:
    return mapped_column(Numeric(18, 2), **kw)


class GuaranteeProduct(Base):
    """A guarantor's product (担保产品): its rules as JSON (coverage, fee, caps, fee subsidy)."""

    __tablename__ = "support_guarantee_product"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    guarantor_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    terms: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GuaranteeBatch(Base):
    """批量担保: a list of contracts a bank submits at once; the guarantor decides the whole list
    or line by line."""

    __tablename__ = "support_guarantee_batch"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("support_guarantee_product.id"))
    bank_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Guarantee(Base):
    """One guarantee on one loan contract (at most one live per contract)."""

    __tablename__ = "support_guarantee"
    __table_args__ = (
        Index("ix_support_guarantee_guarantor_status", "guarantor_tenant_id", "status"),
        Index("ix_support_guarantee_contract", "contract_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("support_guarantee_product.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("support_guarantee_batch.id"))
    guarantor_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    bank_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("loan_contract.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    amount: Mapped[Decimal] = _money()  # principal guaranteed (the contract's limit)
    coverage: Mapped[Decimal] = mapped_column(Numeric(9, 4))  # % as the product said
    fee_rate: Mapped[Decimal] = mapped_column(Numeric(9, 4))  # % p.a.
    fee: Mapped[Decimal] = _money(default=ZERO)  # first guarantee year's fee
    fee_subsidy: Mapped[Decimal] = _money(default=ZERO)  # of it, paid by the finance bureau
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    ended_on: Mapped[date | None] = mapped_column(Date)  # released or called


class Fund(Base):
    """A risk-compensation fund (风险补偿资金池) kept by a finance tenant, its rules as JSON."""

    __tablename__ = "support_fund"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    manager_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    terms: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FundEntry(Base):
    """The fund's ledger: contributions in, claim payments out, its share of recoveries back.
    Balance = Σ contribution + Σ recovery − Σ payment (amounts stored positive)."""

    __tablename__ = "support_fund_entry"
    __table_args__ = (Index("ix_support_fund_entry_fund_date", "fund_id", "on_date"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("support_fund.id"))
    kind: Mapped[str] = mapped_column(String(16))  # contribution | payment | recovery
    amount: Mapped[Decimal] = _money()
    on_date: Mapped[date] = mapped_column(Date)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("support_claim.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Claim(Base):
    """代偿申请: the bank claims the fund's share of a defaulted contract's loss, or of one
    defaulted drawdown's (借据). The loss and its split are computed from the loan book when
    filed and kept as filed."""

    __tablename__ = "support_claim"
    __table_args__ = (
        Index("ix_support_claim_fund_status", "fund_id", "status"),
        Index("ix_support_claim_contract", "contract_id", "drawdown_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("support_fund.id"))
    bank_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("loan_contract.id", ondelete="RESTRICT"))
    # the drawdown (借据) claimed; None: the whole contract (all its disbursed drawdowns)
    drawdown_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_drawdown.id", ondelete="RESTRICT")
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    guarantee_id: Mapped[int | None] = mapped_column(ForeignKey("support_guarantee.id"))
    year: Mapped[int] = mapped_column(Integer)  # the year it counts against the caps
    outstanding: Mapped[Decimal] = _money()  # principal outstanding when filed
    overdue_interest: Mapped[Decimal] = _money()
    loss: Mapped[Decimal] = _money()
    bank_part: Mapped[Decimal] = _money()
    guarantor_part: Mapped[Decimal] = _money()
    fund_part: Mapped[Decimal] = _money()
    remainder_to: Mapped[str] = mapped_column(String(16))
    recovered_bank: Mapped[Decimal] = _money(default=ZERO)
    recovered_guarantor: Mapped[Decimal] = _money(default=ZERO)
    recovered_fund: Mapped[Decimal] = _money(default=ZERO)
    status: Mapped[str] = mapped_column(String(16), default="filed")
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    filed_on: Mapped[date] = mapped_column(Date)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    paid_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Recovery(Base):
    """追偿: money recovered after the claim was paid, shared back pro rata."""

    __tablename__ = "support_recovery"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("support_claim.id"), index=True)
    amount: Mapped[Decimal] = _money()
    on_date: Mapped[date] = mapped_column(Date)
    bank: Mapped[Decimal] = _money()
    guarantor: Mapped[Decimal] = _money()
    fund: Mapped[Decimal] = _money()
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubsidyPolicy(Base):
    """贴息政策 of a finance tenant: rules as JSON (points or share, caps, conditions, payee)."""

    __tablename__ = "support_subsidy_policy"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    finance_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    terms: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubsidyClaim(Base):
    """One policy's subsidies of one quarter (贴息清单): computed → approved → paid."""

    __tablename__ = "support_subsidy_claim"
    __table_args__ = (UniqueConstraint("policy_id", "quarter"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("support_subsidy_policy.id"))
    quarter: Mapped[str] = mapped_column(String(6))  # 2026Q4
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="computed")
    lines: Mapped[int] = mapped_column(Integer, default=0)
    basis: Mapped[Decimal] = _money(default=ZERO)  # interest paid, Σ of the lines
    total: Mapped[Decimal] = _money(default=ZERO)  # subsidy, Σ of the lines
    # NULL: computed by the operator's scheduled run (``zhixin subsidies compute`` without --by)
    computed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_ref: Mapped[str | None] = mapped_column(String(64))


class SubsidyLine(Base):
    """One loan's subsidy in a quarter's claim, with its basis."""

    __tablename__ = "support_subsidy_line"
    __table_args__ = (
        Index("ix_support_subsidy_line_claim", "claim_id", "drawdown_id"),
        Index("ix_support_subsidy_line_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # no foreign key: a million lines are written by one INSERT … SELECT of the claim's own
    # computation (a per-row constraint check would cost a fifth of it); the claim's lines are
    # deleted before it is recomputed, and claims are never deleted
    claim_id: Mapped[int] = mapped_column(Integer)
    drawdown_id: Mapped[int] = mapped_column(Integer)  # the loan book's drawdown
    contract_id: Mapped[int] = mapped_column(Integer)
    enterprise_id: Mapped[int] = mapped_column(Integer)
    bank_tenant_id: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str | None] = mapped_column(String(6))  # the enterprise's district
    annual_rate: Mapped[Decimal] = mapped_column(Numeric(9, 6))
    interest_paid: Mapped[Decimal] = _money()  # basis: interest paid in the quarter
    raw: Mapped[Decimal] = _money()  # the subsidy before caps
    amount: Mapped[Decimal] = _money()  # after caps
    payee: Mapped[str] = mapped_column(String(16))  # enterprise | bank
