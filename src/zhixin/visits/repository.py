"""Every select of the visits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
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


def visit_rows(session: Session, until: date, region: Any) -> list[tuple[object, ...]]:
    """The report's columns of every visit up to ``until`` (one statement), the visit's area
    last (``region``: the enterprise's region code, a correlated subquery)."""
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
        area_of(region),
    ).where(v.visited_on <= until)
    return [tuple(r) for r in session.connection().execute(stmt)]


def event_rows(session: Session, until: date) -> Sequence[MatchingEvent]:
    m = MatchingEvent
    return session.scalars(select(m).where(m.held_on <= until).order_by(m.held_on, m.id)).all()


# -- one reader's visits (visits.records): filters and scope in SQL ---------------------------


def area_of(region: Any) -> Any:
    """A visit's area: the community or street its team recorded, else ``region`` (the
    enterprise's county, a correlated subquery its owner builds)."""
    return func.coalesce(VisitRecord.place_code, region)


def scoped(
    session: Session,
    *,
    region: Any,
    jurisdiction: str | None = None,
    bank_code: str | None = None,
    campaign_id: int | None = None,
    team_id: int | None = None,
    outcome: str | None = None,
    area: str | None = None,
    overdue_on: date | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = 200,
    offset: int = 0,
) -> tuple[list[tuple[VisitRecord, str | None]], int]:
    """(visit, its area) newest first, and how many match. ``region`` is the enterprise's
    region code as a correlated subquery; ``jurisdiction`` a prefix of it (a regulator's);
    ``area`` a prefix of the visit's area (any level, 2 to 12 digits); ``overdue_on``: open
    visits whose follow-up deadline is before that day."""
    v = VisitRecord
    where: list[Any] = []
    if jurisdiction is not None:
        where.append(region.startswith(jurisdiction, autoescape=True))
    if bank_code is not None:
        where.append(v.bank_code == bank_code)
    if campaign_id is not None:
        where.append(v.campaign_id == campaign_id)
    if team_id is not None:
        where.append(v.team_id == team_id)
    if outcome is not None:
        where.append(v.outcome == outcome)
    if area is not None:
        where.append(area_of(region).startswith(area, autoescape=True))
    if overdue_on is not None:
        where += [v.outcome == "open", v.follow_up_due_on < overdue_on]
    if start is not None:
        where.append(v.visited_on >= start)
    if end is not None:
        where.append(v.visited_on <= end)
    total = session.scalar(select(func.count()).select_from(v).where(*where)) or 0
    stmt = (
        select(v, area_of(region))
        .where(*where)
        .order_by(v.visited_on.desc(), v.id.desc())
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(row, a) for row, a in session.execute(stmt)], total


def roll_up_rows(
    session: Session,
    *,
    region: Any,
    jurisdiction: str | None,
    bank_code: str | None,
    campaign_id: int | None,
    area: str | None,
    start: date | None,
    end: date | None,
) -> list[tuple[Any, ...]]:
    """The columns the area roll-up reads of every visit in scope (one statement):
    enterprise, area, amount wanted, bank, outcome, follow-up deadline."""
    v = VisitRecord
    stmt = select(
        v.enterprise_id,
        area_of(region),
        v.amount_wanted,
        v.bank_code,
        v.outcome,
        v.follow_up_due_on,
    )
    if jurisdiction is not None:
        stmt = stmt.where(region.startswith(jurisdiction, autoescape=True))
    if bank_code is not None:
        stmt = stmt.where(v.bank_code == bank_code)
    if campaign_id is not None:
        stmt = stmt.where(v.campaign_id == campaign_id)
    if area is not None:
        stmt = stmt.where(area_of(region).startswith(area, autoescape=True))
    if start is not None:
        stmt = stmt.where(v.visited_on >= start)
    if end is not None:
        stmt = stmt.where(v.visited_on <= end)
    return [tuple(r) for r in session.connection().execute(stmt)]


def team(session: Session, team_id: int) -> VisitTeam | None:
    return session.get(VisitTeam, team_id)
