"""授权: an enterprise lets one bank (a tenant) read its detailed quality records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, UTCDateTime, utcnow


class Consent(Base):
    """One grant: enterprise × bank tenant × scope, until ``expires_at`` or ``revoked_at``.

    Rows are never deleted: a revocation sets ``revoked_at``; a new grant is a new row.
    """

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_enterprise_tenant", "enterprise_id", "tenant_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
