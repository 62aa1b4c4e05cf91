"""The evidence log (链上存证, without a chain): entries (the Merkle tree's leaves), the log's
state (size, right edge, root), signed tree heads, confirmations by bank and regulator, and the
Ed25519 keys that sign them (private halves encrypted with the data key).

No foreign key to the loan book: any domain appends (loans, covenants, freezes), and an entry
names what it is about by ``subject_type``/``subject_id`` and, for a loan, ``contract_id``
with the bank and enterprise that see it (copied at append time: the log never reads back
into the domains it records).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, UTCDateTime, utcnow


class EvidenceEntry(Base):
    """One leaf: ``payload`` is the canonical JSON hashed into the tree (never rewritten);
    ``leaf_hash`` is H(0x00 || payload) as computed at append time; the confirmation columns
    point at the bank's and the regulator's signed confirmations once given."""

    __tablename__ = "evidence_entry"
    __table_args__ = (Index("ix_evidence_entry_contract", "contract_id", "seq"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)  # leaf index, from 0
    kind: Mapped[str] = mapped_column(String(16))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    contract_id: Mapped[int | None] = mapped_column(BigInteger)
    enterprise_id: Mapped[int | None] = mapped_column(BigInteger)
    bank_tenant_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[str] = mapped_column(Text)
    leaf_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    bank_confirmation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_confirmation.id", ondelete="RESTRICT")
    )
    regulator_confirmation_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_confirmation.id", ondelete="RESTRICT")
    )


class EvidenceLog(Base):
    """The one log's state (id 1): hash algorithm (fixed by the first entry), size, the
    compact right edge (space-separated hex, largest subtree first) and the root."""

    __tablename__ = "evidence_log"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    hash_alg: Mapped[str] = mapped_column(String(8))
    tree_size: Mapped[int] = mapped_column(BigInteger)
    compact: Mapped[str] = mapped_column(Text)
    root_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceKey(Base):
    """An Ed25519 key: the log's (``tenant_id`` NULL: signs tree heads) or a tenant's (signs
    its confirmations). ``private_key`` is the raw 32-byte seed, base64, encrypted with the
    data key (kit.crypto, Fernet); the public key is raw hex."""

    __tablename__ = "evidence_key"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(
        ForeignKey("tenant.id", ondelete="RESTRICT"), index=True
    )
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    private_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # a tenant-held key (maker-checker): ``pending`` when one officer proposed it (it signs
    # nothing), ``active`` once another officer of the same tenant approved it, ``retired``
    # when a newer key replaced it at ``retired_at`` (the approval of its successor): the
    # signatures it made before that moment still verify, those after are refused
    status: Mapped[str] = mapped_column(String(12), default="active", server_default="active")
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaces_id: Mapped[int | None] = mapped_column(Integer)  # the key it rotates out

    def valid_at(self, at: datetime) -> bool:
        """Whether a signature made (received) at ``at`` may be this key's: approved (or the
        platform's own) and not yet retired at that moment."""
        if self.status in ("pending", "rejected"):
            return False
        return self.retired_at is None or at < self.retired_at


class EvidenceTreeHead(Base):
    """A signed tree head: ``body`` is the canonical JSON signed (rules.sth_bytes)."""

    __tablename__ = "evidence_tree_head"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    hash_alg: Mapped[str] = mapped_column(String(8))
    timestamp: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, as signed
    key_id: Mapped[int] = mapped_column(ForeignKey("evidence_key.id", ondelete="RESTRICT"))
    signature: Mapped[str] = mapped_column(String(100))  # base64
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvidenceConfirmation(Base):
    """One signed confirmation by a bank or a regulator, of one or many entries: ``message``
    is the canonical JSON signed (rules.confirm_bytes), listing each entry's seq and leaf hash."""

    __tablename__ = "evidence_confirmation"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # bank | regulator
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    key_id: Mapped[int] = mapped_column(ForeignKey("evidence_key.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="RESTRICT"))
    message: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
