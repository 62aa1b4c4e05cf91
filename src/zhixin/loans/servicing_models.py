"""Servicing tables (贷后): repayments, the classification history and the nightly batch's runs.

The drawdown's own servicing figures (outstanding, overdue, 罚息, 复利, DPD, class) are columns
of ``loan_drawdown`` (:mod:`zhixin.loans.models`); these tables keep what happened to them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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

from zhixin.kit.db import Base, BigIntPK, UTCDateTime, utcnow
from zhixin.loans.models import LoanInstalment

# The nightly batch reads the few overdue instalments by status (the book's table, servicing's
# index; created by migration 0015).
Index("ix_loan_instalment_status", LoanInstalment.__table__.c.status)


class LoanRepayment(Base):
    """One repayment (还款) and how it was allocated. The bank's transaction id (流水号) is unique
    per bank: entering or importing the same one again writes nothing."""

    __tablename__ = "loan_repayment"
    __table_args__ = (
        UniqueConstraint("bank_tenant_id", "bank_txn_id", name="uq_loan_repayment_txn"),
        Index("ix_loan_repayment_drawdown", "drawdown_id", "value_date"),
        # a period's interest paid (the quarter's 贴息 basis, loans.reads.interest_paid) read
        # from the index alone: the period's range only, not the whole history (migration 0028)
        Index("ix_loan_repayment_value_date", "value_date", "drawdown_id", "interest", "accrued"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    bank_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    bank_txn_id: Mapped[str] = mapped_column(String(64))
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("loan_drawdown.id"))
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    source: Mapped[str] = mapped_column(String(8))  # manual / import / api
    penalty: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # 罚息
    compound: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # 复利
    interest: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # 利息 due
    principal: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # 本金 due
    accrued: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # 提前还款: accrued interest
    prepaid: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # 提前还款: principal not yet due
    fee: Mapped[Decimal] = mapped_column(  # 提前还款违约金 (migration 0020)
        Numeric(18, 2), default=Decimal("0.00"), server_default="0"
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoanClassification(Base):
    """One change of a drawdown's five-tier class: by the rules (the batch) or by an officer."""

    __tablename__ = "loan_classification"
    __table_args__ = (Index("ix_loan_classification_drawdown", "drawdown_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    drawdown_id: Mapped[int] = mapped_column(ForeignKey("loan_drawdown.id"))
    from_class: Mapped[str] = mapped_column(String(16))
    to_class: Mapped[str] = mapped_column(String(16))
    rule_class: Mapped[str] = mapped_column(String(16))  # the rules' floor that day
    on_date: Mapped[date] = mapped_column(Date)
    by: Mapped[str] = mapped_column(String(8))  # rule / officer
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoanBatchRun(Base):
    """One business day closed by the nightly batch (one row per day: running it again is a
    no-op)."""

    __tablename__ = "loan_batch_run"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, unique=True)
    status: Mapped[str] = mapped_column(String(8))  # done
    drawdowns: Mapped[int] = mapped_column(Integer, default=0)  # accrued that day
    overdue: Mapped[int] = mapped_column(Integer, default=0)  # overdue after the day
    reclassified: Mapped[int] = mapped_column(Integer, default=0)
    renewal_candidates: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
