from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, UTCDateTime, utcnow


class Enterprise(Base):
    """经营主体, identified by its 统一社会信用代码 (``uscc``)."""

    __tablename__ = "enterprise"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # 企业 / 个体工商户
    size_class: Mapped[str | None] = mapped_column(String(4))  # 大/中/小/微
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(5), index=True)
    established_on: Mapped[date | None] = mapped_column(Date)
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    status: Mapped[str] = mapped_column(String(16), default="存续")
    content_hash: Mapped[str | None] = mapped_column(String(32))
    source_system: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EnterpriseVersion(Base):
    """A superseded state of an enterprise's register entry (经营主体登记的历史版本).

    The ``enterprise`` row holds the current state; when an import corrects it, the state it
    replaces is kept here first (numbered 1, 2, … in order), with its content hash, so an older
    file that would restore it is recognised ("与历史版本相同") as for quality records.
    """

    __tablename__ = "enterprise_version"
    __table_args__ = (UniqueConstraint("enterprise_id", "version"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    size_class: Mapped[str | None] = mapped_column(String(4))
    region_code: Mapped[str | None] = mapped_column(String(6))
    industry_code: Mapped[str | None] = mapped_column(String(5))
    established_on: Mapped[date | None] = mapped_column(Date)
    registered_capital: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    status: Mapped[str] = mapped_column(String(16))
    content_hash: Mapped[str | None] = mapped_column(String(32))
    source_system: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[int | None] = mapped_column()
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)  # when this state was written
    superseded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    superseded_by_batch_id: Mapped[int | None] = mapped_column()
