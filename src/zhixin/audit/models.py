from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime


class AuditEvent(Base):
    """Append-only, chained: ``hash = HMAC(key, prev_hash + canonical(event))`` under the row's
    ``scheme`` (audit.rules). The database refuses UPDATE and DELETE (triggers of migration
    0011, audit.triggers) except the deletion of archived rows at least 180 days old."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, object]] = mapped_column(JSONType)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # sha256 (rows written before 0011), hmac-sha256 or hmac-sm3
    scheme: Mapped[str] = mapped_column(String(16), server_default="sha256")


class AuditHead(Base):
    """One row: the last sequence number and hash, locked while appending (serialises writers);
    the first keyed row (``keyed_from``: rows before it are plain sha256) and the keyed seal
    over the three (``scheme:hex``, audit.rules.head_seal), rewritten at every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    keyed_from: Mapped[int | None] = mapped_column(BigInteger)
    seal: Mapped[str | None] = mapped_column(String(96))


class AuditArchive(Base):
    """Rows taken out of the database by ``zhixin audit archive``: seq ``from_seq``–``up_to_seq``
    went to a signed file; ``last_hash`` is where the chain in the database continues from.
    ``manifest`` (canonical JSON) is what ``signature`` (Ed25519, hex) signs. The triggers let a
    row of ``audit_event`` be deleted only when an archive covers it (and it is 180 days old),
    and refuse UPDATE and DELETE here."""

    __tablename__ = "audit_archive"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    from_seq: Mapped[int] = mapped_column(BigInteger)
    up_to_seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(200))
    manifest: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
