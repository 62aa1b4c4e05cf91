"""千企万户大走访 and 银企对接会: campaigns, teams, visit records (one by one or by the teams'
sheets), the follow-up clock in working days, assignment to a bank, a visit's financing need
posted to the demand side, and matching events. Never commits.

Who: the task force (``visit:manage``) runs campaigns, imports sheets, assigns and escalates;
readers (``visit:read``) see — a regulator its jurisdiction's enterprises, a bank the visits
assigned to it, the task force everything. Audited: ``visit.campaign``, ``visit.team``,
``visit.import`` (with its counts), ``visit.assign``, ``visit.need``, ``visit.escalate``,
``visit.event``.

The visits themselves (listing, assignment, the need posted, escalation) are here; campaigns
and teams (``campaigns``), the sheets (``sheets``) and matching events (``events``) are split
off by concept and re-exported, so callers keep ``service.X``; what they share is in
``common``.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.demand import service as demand
from zhixin.demand.rules import NeedInput
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.visits import repository as repo
from zhixin.visits import rules

# The modules split off by concept, named here too: callers write ``service.X``.
from zhixin.visits.campaigns import add_team, campaign, campaigns, create_campaign, teams
from zhixin.visits.common import _audit, _own_bank, _require, _uid, bank_codes
from zhixin.visits.events import EventOut, create_event, event_outs, events
from zhixin.visits.models import VisitRecord
from zhixin.visits.sheets import (
    FIELDS,
    MAX_ROWS,
    Applied,
    apply_row,
    get_import,
    import_file,
    imports,
    template_bytes,
)

__all__ = [
    "FIELDS",
    "MAX_ROWS",
    "Applied",
    "EventOut",
    "add_team",
    "apply_row",
    "assign",
    "bank_codes",
    "campaign",
    "campaigns",
    "create_campaign",
    "create_event",
    "escalate_due",
    "event_outs",
    "events",
    "get_import",
    "import_file",
    "imports",
    "listing",
    "post_need",
    "teams",
    "template_bytes",
]


def listing(
    session: Session,
    *,
    actor: Principal | None,
    campaign_id: int | None = None,
    bank: str | None = None,
    outcome: str | None = None,
    overdue: bool = False,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = 1000,
) -> list[VisitRecord]:
    """Visits, newest first, within the reader's scope and the filters. Every filter, the
    regulator's jurisdiction and the follow-up clock too, is in SQL (the statement the API
    pages with, ``repository.scoped``), so ``limit`` counts matching visits."""
    _require(actor, Permission.visit_read)
    own = _own_bank(session, actor)
    if own is not None:
        if bank and bank != own:
            raise NotFound(f"没有代码为 {bank} 的银行")
        bank = own
    if outcome and outcome not in rules.OUTCOMES:
        raise Invalid("跟进结果的取值不在可选范围内")
    rows, _total = repo.scoped(
        session,
        region=enterprises.region_of(VisitRecord.enterprise_id),
        jurisdiction=None if actor is None else enterprises.jurisdiction(session, actor),
        bank_code=bank or None,
        campaign_id=campaign_id,
        outcome=outcome or None,
        overdue_on=clock.today() if overdue else None,
        start=start,
        end=end,
        limit=limit,
    )
    return [r for r, _area in rows]


def _visible_visit(session: Session, actor: Principal | None, visit_id: int) -> VisitRecord:
    """A visit by id (only the task force and the console act on one: every visit)."""
    row = repo.visit(session, visit_id)
    if row is None:
        raise NotFound("未找到该走访记录")
    return row


def assign(
    session: Session, *, actor: Principal | None, visit_id: int, bank_code: str
) -> VisitRecord:
    """The task force assigns the visit's follow-up to a bank; the clock starts again today."""
    _require(actor, Permission.visit_manage)
    row = _visible_visit(session, actor, visit_id)
    names = {c: n for c, n in accounts.tenant_names(session, "bank").values()}
    if bank_code not in names:
        raise NotFound(f"没有代码为 {bank_code} 的银行")
    if row.outcome != "open":
        raise Conflict("该走访已有跟进结果，不能再分派")
    row.bank_code = bank_code
    days = row.follow_up_workdays or rules.DEFAULT_FOLLOW_UP_WORKDAYS
    row.follow_up_workdays = days
    row.follow_up_due_on = demand.add_workdays(session, clock.today(), days)
    row.escalated_on = None
    row.updated_at = utcnow()
    row.updated_by_id = _uid(actor)
    _audit(session, actor, "visit.assign", "visit", row.id, bank_code=bank_code)
    return row


def post_need(
    session: Session,
    *,
    actor: Principal,
    visit_id: int,
    term_months: int,
    purpose: str,
    collateral: str,
    contact_name: str,
    contact_phone: str,
) -> VisitRecord:
    """The visit's financing need posted to the demand side (``demand.service.post``, the task
    force for the enterprise): its clock, escalation and ledger then run as any need's; a bank
    assigned to the visit gets it assigned (``demand.service.assign``)."""
    _require(actor, Permission.visit_manage)
    row = _visible_visit(session, actor, visit_id)
    if row.need_id is not None:
        raise Conflict(f"该走访的融资需求已发布（需求 {row.need_id}）")
    if not rules.needs_finance(row.amount_wanted):
        raise Invalid("该走访没有记录融资需求金额")
    assert row.amount_wanted is not None
    need = demand.post(
        session,
        actor=actor,
        enterprise_id=row.enterprise_id,
        need=NeedInput(
            amount=row.amount_wanted,
            term_months=term_months,
            purpose=purpose,
            collateral=collateral,
            contact_consent=True,
            contact_name=contact_name,
            contact_phone=contact_phone,
            note=f"千企万户大走访（走访 {row.visited_on}）：{row.needs}"[:500],
        ),
    )
    if row.bank_code:
        demand.assign(session, actor=actor, need_id=need.id, bank_code=row.bank_code)
    row.need_id = need.id
    row.updated_at = utcnow()
    row.updated_by_id = actor.user_id
    _audit(session, actor, "visit.need", "visit", row.id, need_id=need.id)
    return row


def escalate_due(session: Session, *, today: date | None = None) -> list[VisitRecord]:
    """The daily clock: visits still open after their follow-up deadline (working days) go to
    the task force (``escalated_on``), once — as an untaken or overdue need does."""
    day = today or clock.today()
    done = list(repo.due_for_escalation(session, day))
    for row in done:
        row.escalated_on = day
        _audit(
            session,
            None,
            "visit.escalate",
            "visit",
            row.id,
            bank_code=row.bank_code,
            due_on=str(row.follow_up_due_on),
        )
    return done
