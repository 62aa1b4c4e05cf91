"""Whitelist publications (白名单第N批), their entries, and the change log banks poll.

``whitelist_entry`` is written in bulk (``INSERT ... SELECT``), never through ORM objects: a
version can hold a million entries. ``whitelist_change`` is the monotonic change log: one row per
entry change per published version, numbered by ``seq`` under the lock of ``whitelist_head``, so
sequence numbers commit in order and a poller that remembers the last ``seq`` it saw never misses
a change nor sees one twice. A later outbox (webhooks) reads the same log.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, UTCDateTime, utcnow


class WhitelistPublication(Base):
    """One draft or published version of the whitelist."""

    __tablename__ = "whitelist_publication"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    version: Mapped[int | None] = mapped_column(Integer, unique=True)  # set when published
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    kind: Mapped[str] = mapped_column(String(16), default="full")  # full / delta / urgent
    run_id: Mapped[int] = mapped_column(
        ForeignKey("evaluation_run.id", ondelete="RESTRICT"), index=True
    )
    base_id: Mapped[int | None] = mapped_column(Integer)  # the publication a delta starts from
    catalog_name: Mapped[str] = mapped_column(String(64))
    catalog_version: Mapped[str] = mapped_column(String(32))
    catalog_sha256: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    # records known (or superseded) up to this moment are reflected in the entries
    basis_at: Mapped[datetime] = mapped_column(UTCDateTime)
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    entries: Mapped[int] = mapped_column(Integer, default=0)  # 家次
    note: Mapped[str | None] = mapped_column(Text)
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)


class WhitelistEntry(Base):
    """One enterprise × dimension × level of a publication (家次)."""

    __tablename__ = "whitelist_entry"

    publication_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("whitelist_publication.id", ondelete="CASCADE"),
        primary_key=True,
    )
    enterprise_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    level_rank: Mapped[int] = mapped_column(SmallInteger)  # 0 = best, from the catalog
    points: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[int] = mapped_column(BigInteger)  # the run that evaluated this enterprise


class WhitelistChange(Base):
    """The change log: added / removed / upgraded / downgraded, per published version."""

    __tablename__ = "whitelist_change"
    __table_args__ = (Index("ix_whitelist_change_version", "version"),)

    seq: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer)
    publication_id: Mapped[int] = mapped_column(BigInteger)
    enterprise_id: Mapped[int] = mapped_column(BigInteger)
    dimension: Mapped[str] = mapped_column(String(32))
    change: Mapped[str] = mapped_column(String(16))
    old_level: Mapped[str | None] = mapped_column(String(16))
    new_level: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(16))  # removals: gate/expired/below/absent


class WhitelistHead(Base):
    """A single row locked FOR UPDATE while publishing: versions and change seqs in order."""

    __tablename__ = "whitelist_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_version: Mapped[int] = mapped_column(Integer, default=0)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
