"""The delivered reports' rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhixin.reports.models import ALL, ReportDelivery

LISTED = (
    ReportDelivery.id,
    ReportDelivery.kind,
    ReportDelivery.period_key,
    ReportDelivery.audience_code,
    ReportDelivery.audience_name,
    ReportDelivery.rows,
    ReportDelivery.generated_at,
)


def audiences(session: Session, kind: str, period_key: str) -> set[str]:
    d = ReportDelivery
    stmt = select(d.audience_code).where(d.kind == kind, d.period_key == period_key)
    return set(session.scalars(stmt))


def add(session: Session, values: dict[str, Any]) -> bool:
    """Insert one delivery unless another process delivered the same one first (its unique
    key, in a savepoint: the loser keeps its transaction). True when this one was added."""
    try:
        with session.begin_nested():
            session.add(ReportDelivery(**values))
    except IntegrityError:
        return False
    return True


def listed(
    session: Session, *, tenant_id: int | None, everything: bool, limit: int = 60
) -> Sequence[Any]:
    """Newest first: a bank's own deliveries, or the task force's (``*``)."""
    d = ReportDelivery
    stmt = select(*LISTED).order_by(d.period_key.desc(), d.id.desc()).limit(limit)
    if everything:
        stmt = stmt.where(d.audience_code == ALL)
    else:
        stmt = stmt.where(d.audience_tenant_id == tenant_id)
    return session.execute(stmt).all()


def by_id(session: Session, delivery_id: int) -> ReportDelivery | None:
    return session.get(ReportDelivery, delivery_id)
