"""Every select() of the records domain."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhixin.enterprises.models import Enterprise
from zhixin.records.models import CreditRepair, QualityRecord


def by_id(session: Session, record_id: int) -> QualityRecord | None:
    return session.get(QualityRecord, record_id)


def of_enterprise(
    session: Session, enterprise_id: int, *, kind: str | None, include_history: bool
) -> Sequence[QualityRecord]:
    stmt = select(QualityRecord).where(QualityRecord.enterprise_id == enterprise_id)
    if kind:
        stmt = stmt.where(QualityRecord.kind == kind)
    if not include_history:
        stmt = stmt.where(QualityRecord.superseded_at.is_(None))
    return session.scalars(
        stmt.order_by(QualityRecord.kind, QualityRecord.natural_key, QualityRecord.version)
    ).all()


def versions(session: Session, kind: str, natural_key: str) -> Sequence[QualityRecord]:
    return session.scalars(
        select(QualityRecord)
        .where(QualityRecord.kind == kind, QualityRecord.natural_key == natural_key)
        .order_by(QualityRecord.version)
    ).all()


def counts_by_kind(session: Session, enterprise_id: int) -> dict[str, int]:
    rows = session.execute(
        select(QualityRecord.kind, func.count())
        .where(QualityRecord.enterprise_id == enterprise_id, QualityRecord.superseded_at.is_(None))
        .group_by(QualityRecord.kind)
    )
    return {k: int(n) for k, n in rows}


def total_current(session: Session) -> int:
    stmt = (
        select(func.count()).select_from(QualityRecord).where(QualityRecord.superseded_at.is_(None))
    )
    return int(session.scalar(stmt) or 0)


def repair_by_id(session: Session, repair_id: int) -> CreditRepair | None:
    return session.get(CreditRepair, repair_id)


def repairs(
    session: Session,
    *,
    status: str | None,
    enterprise_id: int | None,
    region_prefix: str | None = None,
) -> Sequence[CreditRepair]:
    stmt = select(CreditRepair).order_by(CreditRepair.requested_at.desc())
    if status:
        stmt = stmt.where(CreditRepair.status == status)
    if enterprise_id is not None:
        stmt = stmt.where(CreditRepair.enterprise_id == enterprise_id)
    if region_prefix is not None:  # a regulator's jurisdiction
        stmt = stmt.where(
            CreditRepair.enterprise_id.in_(
                select(Enterprise.id).where(
                    Enterprise.region_code.startswith(region_prefix, autoescape=True)
                )
            )
        )
    return session.scalars(stmt.limit(500)).all()


def pending_repair_for(session: Session, record_id: int) -> CreditRepair | None:
    return session.scalar(
        select(CreditRepair).where(
            CreditRepair.record_id == record_id, CreditRepair.status == "pending"
        )
    )
