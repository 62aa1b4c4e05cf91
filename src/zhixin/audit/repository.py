"""Every select() of the audit domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from zhixin.audit.models import AuditEvent, AuditHead
from zhixin.kit.db import begin_write

# Every audited write runs these three, so they are built once: plain Core statements on the
# tables, their values bound at execution (no statement built, no cache key computed, no ORM
# layer per append).
_EVENTS = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditHead.__table__)
_HEAD_FOR_UPDATE = (
    select(_HEADS.c.last_seq, _HEADS.c.last_hash).where(_HEADS.c.id == 1).with_for_update()
)
_INSERT_EVENT = insert(_EVENTS)
_MOVE_HEAD = (
    update(_HEADS)
    .where(_HEADS.c.id == 1)
    .values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
)


def head_for_update(session: Session) -> tuple[int, str] | None:
    """The chain's last seq and hash, locked until the transaction ends (serialises appenders).

    SQLite has no row locks: the transaction is opened for writing first (:func:`begin_write`),
    so no other writer can move the head between this read and the append.
    """
    begin_write(session)
    row = session.connection().execute(_HEAD_FOR_UPDATE).one_or_none()
    return None if row is None else (int(row.last_seq), str(row.last_hash))


def append(session: Session, event: dict[str, object]) -> None:
    """Store one event and move the head to it (Core statements: the ORM's unit of work cost
    more than the rest of an append, and every audited write pays for it)."""
    conn = session.connection()
    conn.execute(_INSERT_EVENT, event)
    conn.execute(_MOVE_HEAD, {"new_seq": event["seq"], "new_hash": event["hash"]})


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
