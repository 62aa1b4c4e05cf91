"""The portrait's own queries: an enterprise's results over runs, current records, repairs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.evaluation.models import EvaluationResult, EvaluationRun
from zhixin.records.models import CreditRepair, QualityRecord


def results_over_runs(
    session: Session, enterprise_id: int
) -> Sequence[tuple[EvaluationRun, EvaluationResult]]:
    """Every finished run's result of the enterprise, oldest first (by as-of date, then run)."""
    rows = session.execute(
        select(EvaluationRun, EvaluationResult)
        .join(EvaluationResult, EvaluationResult.run_id == EvaluationRun.id)
        .where(EvaluationResult.enterprise_id == enterprise_id, EvaluationRun.status == "finished")
        .order_by(EvaluationRun.as_of, EvaluationRun.id)
    ).all()
    return [(run, res) for run, res in rows]


def current_records(session: Session, enterprise_id: int) -> Sequence[QualityRecord]:
    return session.scalars(
        select(QualityRecord)
        .where(QualityRecord.enterprise_id == enterprise_id, QualityRecord.superseded_at.is_(None))
        .order_by(QualityRecord.id)
    ).all()


def pending_repairs(session: Session, enterprise_id: int) -> Sequence[CreditRepair]:
    return session.scalars(
        select(CreditRepair)
        .where(CreditRepair.enterprise_id == enterprise_id, CreditRepair.status == "pending")
        .order_by(CreditRepair.id)
    ).all()
