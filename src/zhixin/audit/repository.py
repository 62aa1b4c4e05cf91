"""Every select() of the audit domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from zhixin.audit.models import AuditArchive, AuditEvent, AuditHead
from zhixin.kit.db import begin_write

# Every audited write runs these three, so they are built once: plain Core statements on the
# tables, their values bound at execution (no statement built, no cache key computed, no ORM
# layer per append).
_EVENTS = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditHead.__table__)
_HEAD_FOR_UPDATE = (
    select(_HEADS.c.last_seq, _HEADS.c.last_hash, _HEADS.c.keyed_from, _HEADS.c.seal)
    .where(_HEADS.c.id == 1)
    .with_for_update()
)
_INSERT_EVENT = insert(_EVENTS)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.id == 1)
    .values(
        last_seq=bindparam("new_seq"),
        last_hash=bindparam("new_hash"),
        keyed_from=bindparam("keyed_from"),
        seal=bindparam("seal"),
    )
)


def head_for_update(session: Session) -> tuple[int, str, int | None, str | None] | None:
    """The chain's last seq and hash, its switch-over point and seal, locked until the
    transaction ends (serialises appenders).

    SQLite has no row locks: the transaction is opened for writing first (:func:`begin_write`),
    so no other writer can move the head between this read and the append.
    """
    begin_write(session)
    row = session.connection().execute(_HEAD_FOR_UPDATE).one_or_none()
    if row is None:
        return None
    keyed_from = None if row.keyed_from is None else int(row.keyed_from)
    return int(row.last_seq), str(row.last_hash), keyed_from, row.seal


def append(
    session: Session, event: dict[str, object], *, keyed_from: int, seal: str | None
) -> None:
    """Store one event and move the (sealed) head to it (Core statements: the ORM's unit of
    work cost more than the rest of an append, and every audited write pays for it)."""
    conn = session.connection()
    conn.execute(_INSERT_EVENT, event)
    conn.execute(
        _MOVE_HEAD,
        {
            "new_seq": event["seq"],
            "new_hash": event["hash"],
            "keyed_from": keyed_from,
            "seal": seal,
        },
    )


def head(session: Session) -> AuditHead | None:
    return session.get(AuditHead, 1)


def events_after(session: Session, seq: int, limit: int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(limit)
    ).all()


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def latest(
    session: Session,
    *,
    limit: int,
    before_seq: int | None,
    action: str | None,
    action_prefix: str | None = None,
    actor: str | None = None,
    at_from: datetime | None = None,
    at_to: datetime | None = None,
) -> Sequence[AuditEvent]:
    """The newest events first; every filter given narrows (``at_to`` is exclusive)."""
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < before_seq)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if action_prefix:
        stmt = stmt.where(AuditEvent.action.startswith(action_prefix, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEvent.actor == actor)
    if at_from is not None:
        stmt = stmt.where(AuditEvent.at >= at_from)
    if at_to is not None:
        stmt = stmt.where(AuditEvent.at < at_to)
    return session.scalars(stmt).all()


def event_at(session: Session, seq: int) -> AuditEvent | None:
    return session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))


def events_between(session: Session, first: int, last: int, limit: int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.seq >= first, AuditEvent.seq <= last)
        .order_by(AuditEvent.seq)
        .limit(limit)
    ).all()


def first_seq_at_or_after(session: Session, at: datetime) -> int | None:
    """The smallest seq written at or after ``at`` (rows are appended in time order)."""
    value = session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.at >= at))
    return None if value is None else int(value)


def first_seq(session: Session) -> int | None:
    value = session.scalar(select(func.min(AuditEvent.seq)))
    return None if value is None else int(value)


def archives(session: Session) -> Sequence[AuditArchive]:
    return session.scalars(select(AuditArchive).order_by(AuditArchive.up_to_seq)).all()


def add_archive(session: Session, archive: AuditArchive) -> None:
    session.add(archive)
    session.flush()


def delete_archived(session: Session, first: int, last: int) -> int:
    """Remove archived rows: the one DELETE the triggers allow (an archive covers the rows and
    they are at least 180 days old)."""
    result = session.execute(
        delete(AuditEvent).where(AuditEvent.seq >= first, AuditEvent.seq <= last)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def on_object(
    session: Session, *, object_type: str, object_id: str, actions: Sequence[str], limit: int
) -> Sequence[AuditEvent]:
    """The newest events of ``actions`` about one object."""
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.object_type == object_type,
            AuditEvent.object_id == object_id,
            AuditEvent.action.in_(list(actions)),
        )
        .order_by(AuditEvent.seq.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()
