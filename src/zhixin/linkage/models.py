"""Quality linkage after the loan (贷后联动): covenant results, linkage actions, reversal
requests and the cursors the worker keeps.

``linkage_covenant_result``: one row per contract × covenant × period, written set-based by
``zhixin covenants check``; a quality-use result carries the sums it was computed from (the
payments behind it are the contract's payments made up to the period's end, listed on the page).

``linkage_action``: every effect linkage had on a loan — freeze, unfreeze, rate step-up or cut,
tranche unlock, 贴息 withheld, notice — each naming the rule (product covenant or trigger), and
the record, publication or covenant result that caused it. It is also the platform's notice to
the bank and the enterprise. Rows are never deleted; a reversal is a further action that names
the one it reverses (``reverses_id``) and the decision that approved it.
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
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow


class CovenantResult(Base):
    """One covenant of one contract for one period: met or breached, with what it measured."""

    __tablename__ = "linkage_covenant_result"
    __table_args__ = (
        UniqueConstraint("contract_id", "covenant", "period"),
        # breaches only (the consequences' query and the period's counts of breaches): a
        # quarter writes one row per contract and covenant, nearly all met, so an index over
        # every result cost the check a third of its B-tree writes (MariaDB has no partial
        # index: there it holds every row)
        Index(
            "ix_linkage_covenant_result_breach",
            "period",
            "covenant",
            # the predicate as SQLAlchemy writes ``~met`` on each (a partial index is used
            # only for a query that names its predicate so)
            postgresql_where=text("NOT met"),
            sqlite_where=text("met = 0"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    # no foreign key (migration 0034): every row is written by one INSERT … SELECT from
    # loan_contract itself, and contracts are never deleted; the per-row key check was 21 s of
    # a 1,000,000-loan quarter's 54 s on PostgreSQL (docs/performance.md)
    contract_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    enterprise_id: Mapped[int] = mapped_column(Integer)
    bank_tenant_id: Mapped[int] = mapped_column(Integer)
    product_version_id: Mapped[int] = mapped_column(Integer)
    covenant: Mapped[str] = mapped_column(String(48))  # the product's covenant code
    kind: Mapped[str] = mapped_column(String(24))
    period: Mapped[str] = mapped_column(String(8))  # 2026Q4, 2026M03, 2026H2, 2026
    period_end: Mapped[date] = mapped_column(Date)
    met: Mapped[bool] = mapped_column(Boolean)
    # quality_use_share: disbursed through the period's end, paid to quality purposes, share %
    drawn: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    quality_paid: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    share: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    threshold: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    payments: Mapped[int | None] = mapped_column(Integer)  # how many payments it counted
    consequence: Mapped[str] = mapped_column(String(24))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkageAction(Base):
    """One linkage effect on a contract, with its cause; the platform's notice of it."""

    __tablename__ = "linkage_action"
    __table_args__ = (
        Index("ix_linkage_action_contract", "contract_id", "kind", "status"),
        Index("ix_linkage_action_enterprise", "enterprise_id"),
        # freezes in force (a bank's queue), rate changes due: by status and kind
        Index("ix_linkage_action_state", "status", "kind", "effective_on"),
        Index("ix_linkage_action_result", "covenant_result_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("loan_contract.id", ondelete="RESTRICT"))
    enterprise_id: Mapped[int] = mapped_column(Integer)
    bank_tenant_id: Mapped[int] = mapped_column(Integer)
    # freeze | unfreeze | rate_step_up | rate_cut | tranche_unlock | tranche_relock |
    # subsidy_withheld | subsidy_restored | notice | rate_reverse
    kind: Mapped[str] = mapped_column(String(24))
    # effective (in force) | scheduled (a rate change waiting for its period) | reversed
    status: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(120))  # product code : covenant / trigger
    reason: Mapped[str] = mapped_column(Text)  # Chinese, shown to both sides
    record_id: Mapped[int | None] = mapped_column(Integer)
    publication_id: Mapped[int | None] = mapped_column(Integer)
    covenant_result_id: Mapped[int | None] = mapped_column(Integer)
    milestone: Mapped[str | None] = mapped_column(String(64))
    bp: Mapped[int | None] = mapped_column(Integer)  # rate change (+ step-up, − cut)
    effective_on: Mapped[date | None] = mapped_column(Date)
    applied_on: Mapped[date | None] = mapped_column(Date)
    reverses_id: Mapped[int | None] = mapped_column(Integer)
    decision_id: Mapped[int | None] = mapped_column(Integer)  # the reversal that approved it
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReversalRequest(Base):
    """An officer's request to reverse a linkage action (unfreeze …), approved by another."""

    __tablename__ = "linkage_reversal"
    __table_args__ = (Index("ix_linkage_reversal_status", "bank_tenant_id", "status"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("linkage_action.id", ondelete="RESTRICT"))
    bank_tenant_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved / rejected
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)


class LinkageCursor(Base):
    """How far the worker has read a source: the last record id, the last change seq."""

    __tablename__ = "linkage_cursor"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
