"""Every select() of the audit domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhixin.audit.models import AuditEvent, AuditHead
from zhixin.kit.db import begin_write


def head_for_update(session: Session) -> AuditHead | None:
    """The chain's head row, locked until the transaction ends (serialises appenders).

    SQLite has no row locks: the transaction is opened for writing first (:func:`begin_write`),
    so no other writer can move the head between this read and the append.
    """
    begin_write(session)
    stmt = select(AuditHead).where(AuditHead.id == 1).with_for_update()
    return session.scalar(stmt.execution_options(populate_existing=True))


def head(session: Session) -> AuditHead | None:
    return session.get(AuditHead, 1)


def events_after(session: Session, seq: int, limit: int) -> Sequence[AuditEvent]:
    return session.scalars(
        select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq).limit(limit)
    ).all()


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def latest(
    session: Session, *, limit: int, before_seq: int | None, action: str | None
) -> Sequence[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit)
    if before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < before_seq)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return session.scalars(stmt).all()
