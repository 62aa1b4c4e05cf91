"""What the reports read of the visits (``zhixin.reports``): every visit and matching event up
to a day, as plain rows. No permission check (the caller, a report service, has made it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.enterprises import service as enterprises
from zhixin.visits import repository as repo
from zhixin.visits.models import VisitRecord


@dataclass(frozen=True, slots=True)
class VisitFact:
    id: int
    campaign_id: int
    enterprise_id: int
    visited_on: date
    bank_code: str | None
    amount_wanted: Decimal | None
    need_id: int | None
    follow_up_due_on: date | None
    outcome: str
    outcome_on: date | None
    escalated_on: date | None
    area: str | None  # the community or street recorded, else the enterprise's county


@dataclass(frozen=True, slots=True)
class EventFact:
    id: int
    held_on: date
    bank_codes: tuple[str, ...]
    enterprise_ids: tuple[int, ...]
    application_ids: tuple[int, ...]


def visit_facts(session: Session, *, until: date) -> list[VisitFact]:
    region = enterprises.region_of(VisitRecord.enterprise_id)
    return [VisitFact(*row) for row in repo.visit_rows(session, until, region)]  # type: ignore[arg-type]


def event_facts(session: Session, *, until: date) -> list[EventFact]:
    return [
        EventFact(
            e.id,
            e.held_on,
            tuple(e.bank_codes),
            tuple(int(i) for i in e.enterprise_ids),
            tuple(int(i) for i in e.application_ids),
        )
        for e in repo.event_rows(session, until)
    ]
