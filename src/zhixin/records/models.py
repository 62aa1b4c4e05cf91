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
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow


class QualityRecord(Base):
    """质量要素记录: one fact about an enterprise, one row per version.

    The fields every kind shares are columns, so the evaluation engine can filter and group
    on them; what is particular to a kind is in ``extra``. A correction is a new version that
    supersedes the old one (``superseded_at``); a removal supersedes without a successor. Rows
    are never updated in place except to mark them superseded or repaired.
    """

    __tablename__ = "quality_record"
    __table_args__ = (
        UniqueConstraint("kind", "natural_key", "version"),
        Index("ix_quality_record_enterprise_kind", "enterprise_id", "kind"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(32))
    natural_key: Mapped[str] = mapped_column(String(191))
    version: Mapped[int] = mapped_column(SmallInteger, default=1)
    content_hash: Mapped[str] = mapped_column(String(32))
    subtype: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[str | None] = mapped_column(String(128))
    title: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str | None] = mapped_column(String(16))
    issuer: Mapped[str | None] = mapped_column(String(200))
    event_date: Mapped[date | None] = mapped_column(Date)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    year: Mapped[int | None] = mapped_column(SmallInteger)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    rank: Mapped[int | None] = mapped_column(SmallInteger)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    flag: Mapped[bool | None] = mapped_column(Boolean)
    extra: Mapped[dict[str, object]] = mapped_column(JSONType, default=dict)
    repaired_on: Mapped[date | None] = mapped_column(Date)
    source_system: Mapped[str] = mapped_column(String(64))
    source_ref: Mapped[str | None] = mapped_column(String(191))
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="RESTRICT"), index=True
    )
    known_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(Integer)
    removal_reason: Mapped[str | None] = mapped_column(Text)


class CreditRepair(Base):
    """信用修复申请: asks that a negative record's effect end on ``repair_date``."""

    __tablename__ = "credit_repair"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("quality_record.id", ondelete="RESTRICT"), index=True
    )
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    repair_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending/approved/rejected
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
