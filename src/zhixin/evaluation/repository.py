"""Every query of the evaluation domain, and the bulk writes of a run's results."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from zhixin.evaluation.models import (
    CatalogVersion,
    EvaluationDimension,
    EvaluationElement,
    EvaluationGate,
    EvaluationResult,
    EvaluationRun,
)
from zhixin.records.models import QualityRecord

BATCH = 20_000


def catalog_version(session: Session, *, name: str, sha256: str) -> CatalogVersion | None:
    return session.scalars(
        select(CatalogVersion).where(CatalogVersion.name == name, CatalogVersion.sha256 == sha256)
    ).first()


def catalog_version_by_id(session: Session, version_id: int) -> CatalogVersion | None:
    return session.get(CatalogVersion, version_id)


def run_by_id(session: Session, run_id: int) -> EvaluationRun | None:
    return session.get(EvaluationRun, run_id)


def runs(session: Session, *, limit: int, offset: int) -> Sequence[EvaluationRun]:
    return session.scalars(
        select(EvaluationRun).order_by(EvaluationRun.id.desc()).limit(limit).offset(offset)
    ).all()


def count_runs(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(EvaluationRun)) or 0)


def results(
    session: Session,
    *,
    run_id: int,
    limit: int,
    offset: int,
    listed: bool | None = None,
    enterprise_id: int | None = None,
) -> tuple[int, Sequence[EvaluationResult]]:
    stmt = select(EvaluationResult).where(EvaluationResult.run_id == run_id)
    if listed is not None:
        stmt = stmt.where(EvaluationResult.listed == listed)
    if enterprise_id is not None:
        stmt = stmt.where(EvaluationResult.enterprise_id == enterprise_id)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(
        stmt.order_by(EvaluationResult.enterprise_id).limit(limit).offset(offset)
    ).all()
    return total, rows


def dimensions_of(
    session: Session, *, run_id: int, enterprise_id: int
) -> Sequence[EvaluationDimension]:
    return session.scalars(
        select(EvaluationDimension).where(
            EvaluationDimension.run_id == run_id, EvaluationDimension.enterprise_id == enterprise_id
        )
    ).all()


def elements_of(
    session: Session, *, run_id: int, enterprise_id: int
) -> Sequence[EvaluationElement]:
    return session.scalars(
        select(EvaluationElement)
        .where(EvaluationElement.run_id == run_id, EvaluationElement.enterprise_id == enterprise_id)
        .order_by(EvaluationElement.element)
    ).all()


def gates_of(session: Session, *, run_id: int, enterprise_id: int) -> Sequence[EvaluationGate]:
    return session.scalars(
        select(EvaluationGate).where(
            EvaluationGate.run_id == run_id, EvaluationGate.enterprise_id == enterprise_id
        )
    ).all()


def records_by_ids(session: Session, ids: Sequence[int]) -> Sequence[QualityRecord]:
    if not ids:
        return []
    return session.scalars(select(QualityRecord).where(QualityRecord.id.in_(list(ids)))).all()


def _batches(table: pa.Table, extra: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    for batch in table.to_batches(max_chunksize=BATCH):
        rows = batch.to_pylist()
        for r in rows:
            r.update(extra)
        yield rows


def bulk_insert(
    session: Session,
    model: type[Any],
    table: pa.Table,
    *,
    run_id: int,
    rename: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Core executemany in batches of :data:`BATCH` rows (insertmanyvalues on PostgreSQL)."""
    if rename:
        table = table.rename_columns([rename.get(n, n) for n in table.column_names])
    n = 0
    for rows in _batches(table, {"run_id": run_id}):
        session.execute(insert(model.__table__), rows)
        n += len(rows)
        if progress is not None:
            progress(len(rows))
    return n


def level_counts(session: Session, *, run_id: int) -> list[tuple[str, str, int]]:
    """(dimension, level, enterprises) for a run."""
    rows = session.execute(
        select(EvaluationDimension.dimension, EvaluationDimension.level, func.count())
        .where(EvaluationDimension.run_id == run_id)
        .group_by(EvaluationDimension.dimension, EvaluationDimension.level)
    )
    return [(d, lv, int(n)) for d, lv, n in rows]


def overall_counts(session: Session, *, run_id: int) -> list[tuple[str | None, bool, int]]:
    rows = session.execute(
        select(EvaluationResult.overall_level, EvaluationResult.listed, func.count())
        .where(EvaluationResult.run_id == run_id)
        .group_by(EvaluationResult.overall_level, EvaluationResult.listed)
    )
    return [(lv, bool(listed), int(n)) for lv, listed, n in rows]


def score_counts(session: Session, *, run_id: int) -> list[tuple[Decimal, int]]:
    """How many enterprises got each exact total score (bucketed by the caller)."""
    rows = session.execute(
        select(EvaluationResult.total_score, func.count())
        .where(EvaluationResult.run_id == run_id)
        .group_by(EvaluationResult.total_score)
    )
    return [(Decimal(s), int(n)) for s, n in rows]


def latest_run_with(session: Session, *, enterprise_id: int) -> EvaluationRun | None:
    """The newest finished run that has a result for this enterprise."""
    return session.scalar(
        select(EvaluationRun)
        .join(EvaluationResult, EvaluationResult.run_id == EvaluationRun.id)
        .where(EvaluationResult.enterprise_id == enterprise_id, EvaluationRun.status == "finished")
        .order_by(EvaluationRun.id.desc())
        .limit(1)
    )
