"""融资需求, its events, and the outcome ledger (对接办贷台账) with its file imports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
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


class FinancingNeed(Base):
    """One financing need; ``status`` and the clock are in :mod:`zhixin.demand.rules`."""

    __tablename__ = "financing_need"
    __table_args__ = (Index("ix_financing_need_status_bank", "status", "bank_code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))  # the enterprise's, when posted
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    term_months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    collateral: Mapped[str] = mapped_column(String(32))
    contact_consent: Mapped[bool] = mapped_column(Boolean)
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    listed: Mapped[bool] = mapped_column(Boolean, default=False)  # on the whitelist when posted
    grade: Mapped[str | None] = mapped_column(String(32))  # its class label then, e.g. Ⅰ类
    catalog_name: Mapped[str | None] = mapped_column(String(64))
    posted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    posted_on: Mapped[date] = mapped_column(Date)
    take_due_on: Mapped[date] = mapped_column(Date)  # the last working day for a bank to take it
    status: Mapped[str] = mapped_column(String(16), default="open")
    bank_code: Mapped[str | None] = mapped_column(String(64))  # the bank holding it
    taken_on: Mapped[date | None] = mapped_column(Date)
    assigned: Mapped[bool] = mapped_column(Boolean, default=False)  # by the task force
    step_on: Mapped[date | None] = mapped_column(Date)  # the day of the last step
    due_on: Mapped[date | None] = mapped_column(Date)  # the last working day for the next step
    refusal_code: Mapped[str | None] = mapped_column(String(8))
    escalation: Mapped[str | None] = mapped_column(String(16))  # untaken / overdue
    escalated_on: Mapped[date | None] = mapped_column(Date)


class NeedEvent(Base):
    """What happened to a need, in order (posted, taken, each step, escalations, assignments)."""

    __tablename__ = "financing_need_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("financing_need.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    bank_code: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason_code: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)  # the step came after its clock


class LedgerEntry(Base):
    """One firm pushed to one bank by one source, and what the bank reports happened."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("bank_code", "enterprise_id", "source", "source_ref"),
        Index("ix_ledger_entry_bank", "bank_code", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    source: Mapped[str] = mapped_column(String(16))  # whitelist / preapproved / need
    source_ref: Mapped[str] = mapped_column(String(64), default="")
    need_id: Mapped[int | None] = mapped_column(ForeignKey("financing_need.id"))
    pushed_on: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str | None] = mapped_column(String(6))
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    contacted_on: Mapped[date | None] = mapped_column(Date)
    granted_on: Mapped[date | None] = mapped_column(Date)
    granted_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    granted_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    product_code: Mapped[str | None] = mapped_column(String(64))
    disbursed_on: Mapped[date | None] = mapped_column(Date)
    disbursed_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    refused_on: Mapped[date | None] = mapped_column(Date)
    refusal_code: Mapped[str | None] = mapped_column(String(8))
    first_loan: Mapped[bool] = mapped_column(Boolean, default=False)
    credit: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class LedgerImport(Base):
    """One ledger file a bank sent, with its row-level report."""

    __tablename__ = "ledger_import"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    bank_code: Mapped[str] = mapped_column(String(64), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, object]]] = mapped_column(JSONType, default=list)


class PreapprovalList(Base):
    """预授信名单: one product's pre-approved list, priced on the whitelist version in force."""

    __tablename__ = "preapproval_list"
    __table_args__ = (Index("ix_preapproval_list_bank_code", "bank_code", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)  # the list's number
    product_code: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(100))
    bank_code: Mapped[str] = mapped_column(String(64))
    catalog_name: Mapped[str] = mapped_column(String(64))
    whitelist_version: Mapped[int | None] = mapped_column(Integer)
    priced_on: Mapped[date] = mapped_column(Date)
    listed: Mapped[int] = mapped_column(Integer)  # firms on the whitelist in force
    preapproved: Mapped[int] = mapped_column(Integer)  # rows: the eligible firms
    fast_lane: Mapped[int] = mapped_column(Integer)
    combinations: Mapped[int] = mapped_column(Integer)  # distinct fact combinations decided
    total_limit: Mapped[Decimal] = mapped_column(Numeric(20, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class PreapprovalRow(Base):
    """One enterprise on a pre-approved list: its limit, rate and fast lane."""

    __tablename__ = "preapproval_row"

    list_id: Mapped[int] = mapped_column(
        ForeignKey("preapproval_list.id", ondelete="CASCADE"), primary_key=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id"), primary_key=True, index=True
    )
    grade: Mapped[str | None] = mapped_column(String(32))
    limit_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    rate: Mapped[Decimal] = mapped_column(Numeric(8, 4))
    fast_lane_days: Mapped[int | None] = mapped_column(Integer)
