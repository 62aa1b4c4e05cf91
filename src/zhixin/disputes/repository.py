"""Every query of disputes."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhixin.disputes.models import Dispute
from zhixin.disputes.rules import OPEN


def by_id(session: Session, dispute_id: int) -> Dispute | None:
    return session.get(Dispute, dispute_id)


def open_on(
    session: Session, enterprise_id: int, record_id: int | None, element_code: str | None
) -> Dispute | None:
    stmt = select(Dispute).where(
        Dispute.enterprise_id == enterprise_id,
        Dispute.status.in_(OPEN),
        Dispute.record_id.is_(None) if record_id is None else Dispute.record_id == record_id,
        Dispute.element_code.is_(None)
        if element_code is None
        else Dispute.element_code == element_code,
    )
    return session.scalars(stmt.limit(1)).first()


def listing(
    session: Session,
    *,
    enterprise_ids: Collection[int] | None,
    status: str | None,
    limit: int = 200,
) -> Sequence[Dispute]:
    stmt = select(Dispute).order_by(Dispute.due_on, Dispute.id).limit(limit)
    if enterprise_ids is not None:
        stmt = stmt.where(Dispute.enterprise_id.in_(list(enterprise_ids)))
    if status == "open":
        stmt = stmt.where(Dispute.status.in_(OPEN))
    elif status:
        stmt = stmt.where(Dispute.status == status)
    return session.scalars(stmt).all()


def enterprise_ids_with_disputes(session: Session, status: str | None) -> list[int]:
    stmt = select(Dispute.enterprise_id).distinct()
    if status == "open":
        stmt = stmt.where(Dispute.status.in_(OPEN))
    return [int(i) for i in session.scalars(stmt)]


def open_count(session: Session, enterprise_id: int) -> int:
    stmt = (
        select(func.count())
        .select_from(Dispute)
        .where(Dispute.enterprise_id == enterprise_id, Dispute.status.in_(OPEN))
    )
    return int(session.execute(stmt).scalar_one())
