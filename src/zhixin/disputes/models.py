"""异议: an enterprise disputes one of its records or a grade element, with evidence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow

# up to disputes.rules.EVIDENCE_MAX_BYTES (4 MiB): MySQL's BLOB holds 64 KiB, MEDIUMBLOB 16 MiB
EvidenceBytes = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")


class Dispute(Base):
    """One dispute and its resolution (maker-checker: one regulator proposes, another decides).

    ``status``: pending (filed) → proposed (a regulator proposed uphold or reject) → upheld /
    rejected (another regulator approved the proposal); a proposal sent back returns to pending.
    """

    __tablename__ = "dispute"
    __table_args__ = (Index("ix_dispute_enterprise_status", "enterprise_id", "status"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    record_id: Mapped[int | None] = mapped_column(
        ForeignKey("quality_record.id", ondelete="RESTRICT")
    )
    element_code: Mapped[str | None] = mapped_column(String(32))
    statement: Mapped[str] = mapped_column(Text)  # what the enterprise says is wrong, and why
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(64))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_size: Mapped[int | None] = mapped_column(Integer)
    evidence: Mapped[bytes | None] = mapped_column(EvidenceBytes)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on: Mapped[date] = mapped_column(Date)  # the last working day to resolve it
    proposal: Mapped[str | None] = mapped_column(String(16))  # uphold / reject
    proposal_note: Mapped[str | None] = mapped_column(Text)
    correction: Mapped[dict[str, object] | None] = mapped_column(JSONType)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    corrected_record_id: Mapped[int | None] = mapped_column(Integer)  # the new version
    rerun_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # re-evaluation owed
