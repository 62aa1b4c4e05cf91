"""What the reports read of the evaluations (``zhixin.reports``, 以贷提质): each enterprise's
finished results over time; one statement per 1,000 enterprises, no permission check (grades
are no record references; the caller, a report service, has made its own)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.evaluation.models import EvaluationResult, EvaluationRun


@dataclass(frozen=True, slots=True)
class GradeFact:
    enterprise_id: int
    catalog_name: str
    as_of: date
    run_id: int
    total_score: Decimal
    overall_level: str | None


def grade_history(session: Session, enterprise_ids: Sequence[int]) -> dict[int, list[GradeFact]]:
    """enterprise → its results in finished runs, by as-of date then run (oldest first)."""
    r, run = EvaluationResult, EvaluationRun
    out: dict[int, list[GradeFact]] = {}
    unique = sorted(set(enterprise_ids))
    for k in range(0, len(unique), 1000):
        stmt = (
            select(
                r.enterprise_id, run.catalog_name, run.as_of, run.id, r.total_score, r.overall_level
            )
            .join(run, run.id == r.run_id)
            .where(run.status == "finished", r.enterprise_id.in_(unique[k : k + 1000]))
        )
        for row in session.connection().execute(stmt):
            fact = GradeFact(int(row[0]), row[1], row[2], int(row[3]), Decimal(row[4]), row[5])
            out.setdefault(fact.enterprise_id, []).append(fact)
    for facts in out.values():
        facts.sort(key=lambda g: (g.as_of, g.run_id))
    return out
