"""Delivered reports (报表推送): the daily report the worker generated for one audience — the
task force (everything, ``audience_code`` ``*``) or one bank (its own rows) — kept as the
workbook it was, so a bank downloads what was generated that morning."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
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


class ReportFact(Base):
    """The daily facts (日汇总) the report's sections sum: per day, measure and (bank, product,
    borrower's county, industry, loan class, quality) a count and a total (fen, or working days
    for the decision and resolution times). Written only by :mod:`zhixin.reports.daily`; a
    day's rows are replaced whole when it is refreshed."""

    __tablename__ = "report_fact"
    __table_args__ = (Index("ix_report_fact_day_measure", "day", "measure"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    measure: Mapped[str] = mapped_column(String(16))
    bank_tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    product_code: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(6))
    industry_code: Mapped[str | None] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(16))  # the loan's class, a consultation's status
    quality: Mapped[bool] = mapped_column()
    n: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)


class ReportFactDay(Base):
    """One row per day whose facts have been computed, and when (the "数据截至" of a figure
    that reads it)."""

    __tablename__ = "report_fact_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(Integer)


class ReportListedFirm(Base):
    """The whitelist and its conversion, pre-aggregated per publication (the dashboard's first
    paint reads these instead of the firm-id sets): one row per listed firm with no bank
    (``bank_tenant_id`` and ``product_code`` NULL: the firm over every bank and product, with
    its 家次 and county), and one per (bank, product) the firm applied to or borrowed from;
    each with the first day the firm applied, had an application approved and drew. Written
    only by :mod:`zhixin.reports.listed`; a firm's rows are replaced whole when recomputed."""

    __tablename__ = "report_listed_firm"
    __table_args__ = (
        # covering: the first paint's sums read the index alone
        Index(
            "ix_report_listed_firm_read",
            "publication_id",
            "bank_tenant_id",
            "region_code",
            "entries",
            "applied_on",
            "approved_on",
            "drawn_on",
        ),
        Index("ix_report_listed_firm_pub_firm", "publication_id", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    publication_id: Mapped[int] = mapped_column(BigInteger)
    enterprise_id: Mapped[int] = mapped_column(BigInteger)
    bank_tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    product_code: Mapped[str | None] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(6))
    entries: Mapped[int] = mapped_column(Integer)  # 家次 (the firm's row; 0 on the others)
    applied_on: Mapped[date | None] = mapped_column(Date)
    approved_on: Mapped[date | None] = mapped_column(Date)
    drawn_on: Mapped[date | None] = mapped_column(Date)


class ReportListedPublication(Base):
    """One row per publication whose listed firms have been computed, and when their first
    days were last brought up to date (part of the dashboard's "数据截至")."""

    __tablename__ = "report_listed_publication"

    publication_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    firms: Mapped[int] = mapped_column(Integer)
