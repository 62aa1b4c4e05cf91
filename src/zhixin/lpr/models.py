"""The operator's rows of the LPR table (the published history ships as package data)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, UTCDateTime, utcnow


class LprRate(Base):
    """One LPR change point entered by an operator: from ``effective_on`` on, these rates.

    One row per day (unique): entering the same day again replaces the row, and the audit log
    keeps the old and new values. ``created_by_id`` is NULL when the operator acted through the
    command line without naming a user.
    """

    __tablename__ = "lpr_rate"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    effective_on: Mapped[date] = mapped_column(Date, unique=True)
    one_year: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    five_year: Mapped[Decimal] = mapped_column(Numeric(9, 4))
    source: Mapped[str] = mapped_column(Text, default="")  # the operator's note
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
