"""Every select of the visits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.visits.models import MatchingEvent, VisitCampaign, VisitImport, VisitRecord, VisitTeam


def campaigns(session: Session) -> Sequence[VisitCampaign]:
    return session.scalars(select(VisitCampaign).order_by(VisitCampaign.start_on.desc())).all()


def campaign(session: Session, campaign_id: int) -> VisitCampaign | None:
    return session.get(VisitCampaign, campaign_id)


def campaign_by_name(session: Session, name: str) -> VisitCampaign | None:
    return session.scalars(select(VisitCampaign).where(VisitCampaign.name == name)).first()


def teams(session: Session, campaign_id: int | None = None) -> Sequence[VisitTeam]:
    stmt = select(VisitTeam).order_by(VisitTeam.campaign_id, VisitTeam.name)
    if campaign_id is not None:
        stmt = stmt.where(VisitTeam.campaign_id == campaign_id)
    return session.scalars(stmt).all()


def team_by_name(session: Session, campaign_id: int, name: str) -> VisitTeam | None:
    t = VisitTeam
    return session.scalars(select(t).where(t.campaign_id == campaign_id, t.name == name)).first()


def visit(session: Session, visit_id: int) -> VisitRecord | None:
    return session.get(VisitRecord, visit_id)


def visit_by_key(
    session: Session, campaign_id: int, enterprise_id: int, visited_on: date
) -> VisitRecord | None:
    v = VisitRecord
    return session.scalars(
        select(v).where(
            v.campaign_id == campaign_id,
            v.enterprise_id == enterprise_id,
            v.visited_on == visited_on,
        )
    ).first()


def visits(
    session: Session,
    *,
    campaign_id: int | None = None,
    bank_code: str | None = None,
    outcome: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = 1000,
) -> Sequence[VisitRecord]:
    v = VisitRecord
    stmt = select(v).order_by(v.visited_on.desc(), v.id.desc())
    if campaign_id is not None:
        stmt = stmt.where(v.campaign_id == campaign_id)
    if bank_code is not None:
        stmt = stmt.where(v.bank_code == bank_code)
    if outcome is not None:
        stmt = stmt.where(v.outcome == outcome)
    if start is not None:
        stmt = stmt.where(v.visited_on >= start)
    if end is not None:
        stmt = stmt.where(v.visited_on <= end)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.scalars(stmt).all()


def due_for_escalation(session: Session, today: date) -> Sequence[VisitRecord]:
    v = VisitRecord
    stmt = select(v).where(
        v.outcome == "open",
        v.escalated_on.is_(None),
        v.follow_up_due_on.is_not(None),
        v.follow_up_due_on < today,
    )
    return session.scalars(stmt.order_by(v.id)).all()


def imports(session: Session, limit: int = 20) -> Sequence[VisitImport]:
    return session.scalars(select(VisitImport).order_by(VisitImport.id.desc()).limit(limit)).all()


def import_by_id(session: Session, import_id: int) -> VisitImport | None:
    return session.get(VisitImport, import_id)


def events(session: Session) -> Sequence[MatchingEvent]:
    m = MatchingEvent
    return session.scalars(select(m).order_by(m.held_on.desc(), m.id.desc())).all()


def visit_rows(session: Session, until: date) -> list[tuple[object, ...]]:
    """The report's columns of every visit up to ``until`` (one statement)."""
    v = VisitRecord
    stmt = select(
        v.id,
        v.campaign_id,
        v.enterprise_id,
        v.visited_on,
        v.bank_code,
        v.amount_wanted,
        v.need_id,
        v.follow_up_due_on,
        v.outcome,
        v.outcome_on,
        v.escalated_on,
    ).where(v.visited_on <= until)
    return [tuple(r) for r in session.connection().execute(stmt)]


def event_rows(session: Session, until: date) -> Sequence[MatchingEvent]:
    m = MatchingEvent
    return session.scalars(select(m).where(m.held_on <= until).order_by(m.held_on, m.id)).all()
