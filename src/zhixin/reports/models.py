"""Delivered reports (报表推送): the daily report the worker generated for one audience — the
task force (everything, ``audience_code`` ``*``) or one bank (its own rows) — kept as the
workbook it was, so a bank downloads what was generated that morning."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, UTCDateTime, utcnow

ALL = "*"  # the task force's delivery: every bank and enterprise


class ReportDelivery(Base):
    __tablename__ = "report_delivery"
    __table_args__ = (UniqueConstraint("kind", "period_key", "audience_code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # daily / weekly / monthly
    period_key: Mapped[str] = mapped_column(String(16))  # 2026-12-06
    audience_code: Mapped[str] = mapped_column(String(64))  # "*" or the bank tenant's code
    audience_tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant.id", ondelete="RESTRICT"), index=True
    )
    audience_name: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer)
    # a day's workbook is tens of KiB; MySQL's BLOB holds 64 KiB, MEDIUMBLOB 16 MiB
    content: Mapped[bytes] = mapped_column(
        LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")
    )
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
