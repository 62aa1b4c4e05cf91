"""测算/报价: one stored quote — what was asked, what the product decided, and the full result.

A quote is a fact: never updated. ``body`` holds the whole result exactly as it was shown
(limit and rate with every factor, the schedule, fees, subsidy, the annualised rate), so the
page shows it again unchanged and an application can freeze it by id; the columns beside it
are what other domains filter and read.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow


class Quote(Base):
    __tablename__ = "quote"
    __table_args__ = (Index("ix_quote_enterprise_created", "enterprise_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    product_code: Mapped[str] = mapped_column(String(64))
    product_version_id: Mapped[int] = mapped_column(
        ForeignKey("product_version.id", ondelete="RESTRICT"), index=True
    )
    bank_code: Mapped[str] = mapped_column(String(64), index=True)
    quoted_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))  # asked for, yuan
    term_months: Mapped[int] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(16))  # 等额本息 / 等额本金 / ...
    eligible: Mapped[bool] = mapped_column(Boolean)
    limit_amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    rate: Mapped[Decimal] = mapped_column(Numeric(9, 4))  # contract rate, % p.a.
    # 年化利率 of the borrower's flows (interest and guarantee fee, before subsidy); NULL when
    # not eligible (no schedule is drawn up)
    annualised_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    evaluation_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_run.id", ondelete="RESTRICT")
    )
    whitelist_version: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[dict[str, object]] = mapped_column(JSONType)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # NULL: CLI
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
