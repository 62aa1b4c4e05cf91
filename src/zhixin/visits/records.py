"""One visit at a time (the API and the single-visit pages): a reader's visits with filters and
scope in SQL, one visit, a visit entered by hand, its outcome recorded or corrected, and the
roll-up of the reader's visits by area. Never commits.

Who sees what (``visit:read``): the task force every visit; a regulator the visits of the
enterprises in its jurisdiction (辖区, ``enterprises.service.jurisdiction``; none: every
visit); a bank only the visits assigned to it. Any other visit answers 404, as a missing one.
Entering a visit and assigning it is the task force's (``visit:manage``); recording an outcome
the assigned bank's or the task force's (``visit:follow_up``, rules in ``visits.outcomes``).
Audited: ``visit.create``, ``visit.outcome`` (from, to).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock, divisions
from zhixin.kit.db import utcnow
from zhixin.visits import areas, outcomes, rules, service
from zhixin.visits import repository as repo
from zhixin.visits.common import _audit, _require
from zhixin.visits.models import VisitRecord

MAX_PAGE = 1000


@dataclass(frozen=True)
class Reach:
    """What one reader may see of the visits."""

    bank_code: str | None  # a bank: only the visits assigned to it
    jurisdiction: str | None  # a regulator's region prefix (enterprises' region code)
    manager: bool  # the task force: enters, assigns, corrects final outcomes


def reach(session: Session, actor: Principal) -> Reach:
    _require(actor, Permission.visit_read)
    bank = None
    if actor.tenant_kind == TenantKind.bank:
        bank = accounts.tenant_code(session, actor.tenant_id) or "?"
    return Reach(
        bank_code=bank,
        jurisdiction=enterprises.jurisdiction(session, actor),
        manager=actor.can(Permission.visit_manage),
    )


def _region() -> Any:
    return enterprises.region_of(VisitRecord.enterprise_id)


def area_filter(r: Reach, area: str | None) -> str | None:
    """The area a reader asked for, checked: 2 to 12 digits, within its jurisdiction."""
    if area is None or not area.strip():
        return None
    area = area.strip()
    if not divisions.is_area_code(area):
        raise Invalid(
            "区域：应为 2、4、6、9 或 12 位代码（省、市、区县、街道、社区），如 3502、350206001"
        )
    if r.jurisdiction is not None and not area.startswith(r.jurisdiction):
        if r.jurisdiction.startswith(area):
            return None  # wider than the jurisdiction: the jurisdiction itself
        raise Forbidden("只能查看本辖区及其下级区域")
    return area


@dataclass(frozen=True)
class Filters:
    campaign_id: int | None = None
    team_id: int | None = None
    bank: str | None = None
    outcome: str | None = None
    area: str | None = None
    overdue: bool = False
    start: date | None = None
    end: date | None = None


def _bank_filter(r: Reach, bank: str | None) -> str | None:
    if r.bank_code is not None:
        if bank and bank != r.bank_code:
            raise NotFound(f"没有代码为 {bank} 的银行")
        return r.bank_code
    return bank or None


def listing(
    session: Session,
    *,
    actor: Principal,
    filters: Filters,
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[tuple[VisitRecord, str | None]], int]:
    """(visit, its area) newest first within the reader's scope and the filters, and the
    number that match."""
    r = reach(session, actor)
    if filters.outcome and filters.outcome not in rules.OUTCOMES:
        raise Invalid("跟进结果：取值应为 " + "、".join(rules.OUTCOMES))
    return repo.scoped(
        session,
        region=_region(),
        jurisdiction=r.jurisdiction,
        bank_code=_bank_filter(r, filters.bank),
        campaign_id=filters.campaign_id,
        team_id=filters.team_id,
        outcome=filters.outcome or None,
        area=area_filter(r, filters.area),
        overdue_on=clock.today() if filters.overdue else None,
        start=filters.start,
        end=filters.end,
        limit=max(1, min(limit, MAX_PAGE)),
        offset=max(0, offset),
    )


def get(session: Session, *, actor: Principal, visit_id: int) -> tuple[VisitRecord, str | None]:
    """One visit and its area; 404 when missing or outside the reader's scope."""
    r = reach(session, actor)
    row = repo.visit(session, visit_id)
    if row is None or (r.bank_code is not None and row.bank_code != r.bank_code):
        raise NotFound("未找到该走访记录")
    region = enterprises.regions_by_ids(session, [row.enterprise_id]).get(row.enterprise_id)
    if r.jurisdiction is not None and not (region or "").startswith(r.jurisdiction):
        raise NotFound("未找到该走访记录")
    return row, row.place_code or region


# -- a visit entered by hand -------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A visit as a form or the API gives it (text as typed; checked as a sheet row is)."""

    campaign_id: int
    uscc: str
    visited_on: str
    team_id: int | None = None
    place: str = ""  # a community or street code (or its name)
    needs: str = ""
    amount_wan: str = ""  # 融资需求金额（万元）
    amount: str = ""  # … or in yuan (the API)
    products: str = ""
    bank_code: str = ""
    follow_up_workdays: str = ""


def _problems(errs: list[tuple[str, str]] | tuple[tuple[str, str], ...]) -> Invalid:
    return Invalid("；".join(f"{col}：{reason}" for col, reason in errs))


def create(session: Session, *, actor: Principal, entry: Entry) -> VisitRecord:
    """One visit entered by the task force: the visit sheet's rules apply to it (a one-row
    sheet), and a visit of the same campaign, enterprise and day already there is a conflict
    (a sheet would update it; a form must not overwrite what a team sent)."""
    _require(actor, Permission.visit_manage)
    camp = service.campaign(session, actor=actor, campaign_id=entry.campaign_id)
    team_name = ""
    if entry.team_id is not None:
        team = repo.team(session, entry.team_id)
        if team is None or team.campaign_id != camp.id:
            raise Invalid("走访小组：本活动没有该小组")
        team_name = team.name
    cells = {
        "uscc": entry.uscc,
        "visited_on": entry.visited_on,
        "team": team_name,
        "place": entry.place,
        "needs": entry.needs,
        "amount_wan": entry.amount_wan,
        "amount": entry.amount,
        "products": entry.products,
        "bank": entry.bank_code,
        "follow_up_workdays": entry.follow_up_workdays,
    }
    keys = list(cells)
    got = rules.parse_row(1, [cells[k] for k in keys], {k: i for i, k in enumerate(keys)})
    if isinstance(got, list):
        raise _problems(got)
    eid = enterprises.id_by_uscc(session, got.uscc)
    if eid is not None:
        found = repo.visit_by_key(session, camp.id, eid, got.visited_on)
        if found is not None:
            raise Conflict(f"该企业在 {got.visited_on} 已有本活动的走访记录（编号 {found.id}）")
    if got.visited_on > clock.today():
        raise Invalid("走访日期：不能晚于今天")
    done = service.apply_row(
        session, camp=camp, row=got, banks=service.bank_codes(session), actor=actor, import_id=None
    )
    if done.visit is None:
        raise _problems(done.errors)
    _audit(session, actor, "visit.create", "visit", done.visit.id, campaign_id=camp.id)
    return done.visit


# -- the outcome ------------------------------------------------------------------------------


def record_outcome(
    session: Session,
    *,
    actor: Principal,
    visit_id: int,
    outcome: str,
    outcome_on: date | None,
    confirm: bool = False,
) -> VisitRecord:
    """The follow-up's outcome recorded (or corrected): by the bank assigned to the visit
    while not final, by the task force always (``visits.outcomes``)."""
    _require(actor, Permission.visit_follow_up)
    row, _area = get(session, actor=actor, visit_id=visit_id)
    r = reach(session, actor)
    outcome = rules.OUTCOME_BY_LABEL.get(outcome.strip(), outcome.strip())
    problem = outcomes.check(
        current=row.outcome,
        new=outcome,
        outcome_on=outcome_on,
        visited_on=row.visited_on,
        today=clock.today(),
        corrector=r.manager,
        confirmed=confirm,
    )
    if problem is not None:
        raise (Conflict if problem.kind == "conflict" else Invalid)(problem.message)
    before = (row.outcome, row.outcome_on)
    new_on = outcome_on if outcome != "open" else None
    if before == (outcome, new_on):
        return row
    row.outcome, row.outcome_on = outcome, new_on
    row.updated_at = utcnow()
    row.updated_by_id = actor.user_id
    session.flush()
    _audit(
        session,
        actor,
        "visit.outcome",
        "visit",
        row.id,
        **{"from": before[0], "from_on": str(before[1] or ""), "to": outcome},
        on=str(new_on or ""),
    )
    return row


# -- the roll-up by area -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Visited:
    enterprise_id: int
    area: str | None
    amount_wanted: Decimal | None
    bank_code: str | None
    outcome: str
    follow_up_due_on: date | None


@dataclass(frozen=True)
class RollUp:
    """The reader's area (``code``; None: everywhere), the chain of areas from its jurisdiction
    down to it (for the way back up), one row per area below, and the total."""

    code: str | None
    trail: list[str]
    rows: list[areas.AreaRow]
    total: areas.AreaRow


def roll_up(
    session: Session,
    *,
    actor: Principal,
    area: str | None = None,
    campaign_id: int | None = None,
    bank: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> RollUp:
    """The reader's visits by area one level below ``area`` (default: its jurisdiction)."""
    r = reach(session, actor)
    chosen = area_filter(r, area)
    top = chosen or r.jurisdiction
    found = repo.roll_up_rows(
        session,
        region=_region(),
        jurisdiction=r.jurisdiction,
        bank_code=_bank_filter(r, bank),
        campaign_id=campaign_id,
        area=chosen,
        start=start,
        end=end,
    )
    rows, total = areas.roll_up((_Visited(*x) for x in found), prefix=top, today=clock.today())
    trail = divisions.areas_above(top, r.jurisdiction) if top else []
    return RollUp(code=top, trail=trail, rows=rows, total=total)
