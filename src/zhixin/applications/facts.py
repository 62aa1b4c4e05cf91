"""What the reports read of applications and consultations (``zhixin.reports``): plain rows,
one statement each, no permission check (the caller, a report service, has made it).

The reports domain never imports this domain's models (import-linter: a domain's models and
repository are its own); it reads these facts and aggregates them itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from zhixin.applications.models import Application, Consultation

# Decisions: an approved application stays approved once contracted.
APPROVED_STATES = frozenset({"approved", "contracted"})


@dataclass(frozen=True, slots=True)
class ApplicationFact:
    id: int
    enterprise_id: int
    bank_tenant_id: int
    bank_name: str
    product_code: str
    product_name: str
    listed: bool
    amount: Decimal
    state: str
    submitted_on: date
    accepted_on: date | None
    decided_on: date | None
    approved_amount: Decimal | None
    decision_workdays: int | None
    fast_lane_days: int | None
    deadline: date | None

    @property
    def approved(self) -> bool:
        return self.state in APPROVED_STATES and self.decided_on is not None

    @property
    def refused(self) -> bool:
        return self.state == "rejected" and self.decided_on is not None


@dataclass(frozen=True, slots=True)
class ConsultationFact:
    id: int
    application_id: int
    enterprise_id: int
    status: str
    opened_on: date
    planned: bool
    resolved_on: date | None
    resolution_workdays: int | None
    bank_tenant_id: int | None = None  # its application's
    product_code: str | None = None


FACT_COLUMNS = (
    Application.id,
    Application.enterprise_id,
    Application.bank_tenant_id,
    Application.bank_name,
    Application.product_code,
    Application.product_name,
    Application.listed,
    Application.amount,
    Application.state,
    Application.submitted_on,
    Application.accepted_on,
    Application.decided_on,
    Application.approved_amount,
    Application.decision_workdays,
    Application.fast_lane_days,
    Application.deadline,
)


def application_facts(session: Session, *, until: date) -> list[ApplicationFact]:
    """Every application submitted on or before ``until``."""
    a = Application
    stmt = select(*FACT_COLUMNS).where(a.submitted_on <= until)
    # the columns in the dataclass's order: one tuple → one fact, no conversion per value
    rows: list[Any] = list(session.connection().execute(stmt))
    return [ApplicationFact(*r) for r in rows]


def application_facts_of(
    session: Session, *, until: date, enterprise_ids: set[int], ids: set[int]
) -> list[ApplicationFact]:
    """The applications submitted on or before ``until`` of the firms ``enterprise_ids`` or
    with an id in ``ids`` (the visits and matching sections read these, not every row)."""
    a = Application
    out: dict[int, ApplicationFact] = {}
    for column, wanted in ((a.enterprise_id, enterprise_ids), (a.id, ids)):
        unique = sorted(wanted)
        for k in range(0, len(unique), 1000):
            stmt = select(*FACT_COLUMNS).where(
                a.submitted_on <= until, column.in_(unique[k : k + 1000])
            )
            rows: list[Any] = list(session.connection().execute(stmt))
            for r in rows:
                fact = ApplicationFact(*r)
                out[fact.id] = fact
    return [out[i] for i in sorted(out)]


def application_facts_between(session: Session, *, start: date, end: date) -> list[ApplicationFact]:
    """Every application with a date the daily facts count (submitted, accepted, decided, its
    fast-lane deadline) between ``start`` and ``end``."""
    a = Application
    stmt = select(*FACT_COLUMNS).where(
        or_(
            a.submitted_on.between(start, end),
            a.accepted_on.between(start, end),
            a.decided_on.between(start, end),
            a.deadline.between(start, end),
        )
    )
    rows: list[Any] = list(session.connection().execute(stmt))
    return [ApplicationFact(*r) for r in rows]


def firm_firsts(session: Session, firms: Any) -> list[tuple[int, int, str, Any, Any]]:
    """Per (enterprise, bank, product) among ``firms`` (a subquery of ids, or a list): the
    first submission day and the first decision day of an approved application (None: none),
    as :func:`applicant_firms` counts them."""
    a = Application
    approved = case((and_(a.state.in_(APPROVED_STATES), a.decided_on.is_not(None)), a.decided_on))
    stmt = (
        select(
            a.enterprise_id,
            a.bank_tenant_id,
            a.product_code,
            func.min(a.submitted_on),
            func.min(approved),
        )
        .where(a.enterprise_id.in_(firms))
        .group_by(a.enterprise_id, a.bank_tenant_id, a.product_code)
    )
    return [
        (int(r[0]), int(r[1]), str(r[2]), r[3], r[4]) for r in session.connection().execute(stmt)
    ]


def firms_dated_between(session: Session, *, start: date, end: date) -> set[int]:
    """The firms with an application submitted or decided between ``start`` and ``end`` (what
    can move a firm's first application or approval day)."""
    a = Application
    stmt = select(a.enterprise_id).where(
        or_(a.submitted_on.between(start, end), a.decided_on.between(start, end))
    )
    return {int(i) for i in session.connection().execute(stmt.distinct()).scalars()}


def listed_ids(session: Session, ids: list[int]) -> set[int]:
    """Which of the applications ``ids`` were made while the firm was listed."""
    a = Application
    out: set[int] = set()
    unique = sorted(set(ids))
    for k in range(0, len(unique), 1000):
        stmt = select(a.id).where(a.id.in_(unique[k : k + 1000]), a.listed.is_(True))
        out.update(int(i) for i in session.connection().execute(stmt).scalars())
    return out


def first_day(session: Session) -> date | None:
    """The first submission day (the daily facts start there)."""
    return session.connection().execute(select(func.min(Application.submitted_on))).scalar()


def consultation_facts(session: Session, *, until: date) -> list[ConsultationFact]:
    """Every consultation opened on or before ``until``."""
    c, a = Consultation, Application
    stmt = (
        select(
            c.id,
            c.application_id,
            c.enterprise_id,
            c.status,
            c.opened_on,
            c.planned_at,
            c.resolved_on,
            c.resolution_workdays,
            a.bank_tenant_id,
            a.product_code,
        )
        .join(a, a.id == c.application_id)
        .where(c.opened_on <= until)
    )
    found: list[Any] = list(session.connection().execute(stmt))
    return [
        ConsultationFact(r[0], r[1], r[2], r[3], r[4], r[5] is not None, r[6], r[7], r[8], r[9])
        for r in found
    ]


def consultation_counts(
    session: Session,
    *,
    start: date,
    end: date,
    bank: int | None,
    product: str | None,
    within: int,
) -> dict[str, list[int]]:
    """Per status, of the consultations opened on or before ``end`` (one bank's, one
    product's): [opened between ``start`` and ``end``, resolved between them, their resolution
    working days summed, how many have them, how many within ``within`` days, all]: what
    :func:`consultation_facts`' rows give the report's section, summed by the database."""
    c, a = Consultation, Application
    opened = c.opened_on.between(start, end)
    resolved = and_(c.status == "resolved", c.resolved_on.between(start, end))
    days = and_(resolved, c.resolution_workdays.is_not(None))

    def total(cond: Any, value: Any = 1) -> Any:
        return func.coalesce(func.sum(case((cond, value), else_=0)), 0)

    stmt = (
        select(
            c.status,
            total(opened),
            total(resolved),
            total(days, c.resolution_workdays),
            total(days),
            total(and_(days, c.resolution_workdays <= within)),
            func.count(),
        )
        .join(a, a.id == c.application_id)
        .where(c.opened_on <= end)
        .group_by(c.status)
    )
    if bank is not None:
        stmt = stmt.where(a.bank_tenant_id == bank)
    if product is not None:
        stmt = stmt.where(a.product_code == product)
    return {str(r[0]): [int(x) for x in r[1:]] for r in session.connection().execute(stmt)}


def applicant_firms(
    session: Session, *, until: date, bank: int | None, product: str | None
) -> tuple[set[int], set[int]]:
    """The firms that applied on or before ``until`` and those with an application approved
    by then (one bank's, one product's): two ``SELECT DISTINCT`` of ids, no rows."""
    a = Application
    applied = select(a.enterprise_id).where(a.submitted_on <= until)
    approved = select(a.enterprise_id).where(
        a.state.in_(APPROVED_STATES), a.decided_on.is_not(None), a.decided_on <= until
    )
    if bank is not None:
        applied = applied.where(a.bank_tenant_id == bank)
        approved = approved.where(a.bank_tenant_id == bank)
    if product is not None:
        applied = applied.where(a.product_code == product)
        approved = approved.where(a.product_code == product)
    conn = session.connection()
    return (
        {int(i) for i in conn.execute(applied.distinct()).scalars()},
        {int(i) for i in conn.execute(approved.distinct()).scalars()},
    )
