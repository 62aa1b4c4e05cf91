"""千企万户大走访 and 银企对接会: campaigns, teams, visit records (one by one or by the teams'
sheets), the follow-up clock in working days, assignment to a bank, a visit's financing need
posted to the demand side, and matching events. Never commits.

Who: the task force (``visit:manage``) runs campaigns, imports sheets, assigns and escalates;
readers (``visit:read``) see — a regulator its jurisdiction's enterprises, a bank the visits
assigned to it, the task force everything. Audited: ``visit.campaign``, ``visit.team``,
``visit.import`` (with its counts), ``visit.assign``, ``visit.need``, ``visit.escalate``,
``visit.event``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.demand import service as demand
from zhixin.demand.rules import NeedInput
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.intake import layout
from zhixin.kit import clock, divisions
from zhixin.kit.db import utcnow
from zhixin.visits import repository as repo
from zhixin.visits import rules
from zhixin.visits.models import MatchingEvent, VisitCampaign, VisitImport, VisitRecord, VisitTeam

MAX_ROWS = 50_000


def _require(actor: Principal | None, permission: Permission) -> None:
    if actor is not None and not actor.can(permission):
        raise Forbidden("无权查看或办理走访事项")


def _audit(
    session: Session, actor: Principal | None, action: str, kind: str, oid: int, **detail: object
) -> None:
    audit.record(
        session,
        actor=Actor.of(actor) if actor is not None else Actor.system("console"),
        action=action,
        object_type=kind,
        object_id=oid,
        detail=detail,
    )


def bank_codes(session: Session) -> dict[str, str]:
    """A sheet's 对接银行 (a bank's code or its name) → the bank's code."""
    pairs = accounts.tenant_names(session, "bank").values()
    return {name: code for code, name in pairs} | {code: code for code, _name in pairs}


def _uid(actor: Principal | None) -> int | None:
    return actor.user_id if actor is not None else None


# -- campaigns and teams -----------------------------------------------------------------------


def create_campaign(
    session: Session,
    *,
    actor: Principal | None,
    name: str,
    start_on: date,
    end_on: date,
    region_code: str,
) -> VisitCampaign:
    _require(actor, Permission.visit_manage)
    name, region_code = name.strip(), region_code.strip()
    if not name or len(name) > 100:
        raise Invalid("请填写活动名称（不超过 100 字）")
    if end_on < start_on:
        raise Invalid("结束日期不能早于开始日期")
    if not divisions.known_place(region_code):
        raise Invalid(f"未知的区域代码：{region_code}")
    if repo.campaign_by_name(session, name) is not None:
        raise Conflict(f"已有名为“{name}”的走访活动")
    row = VisitCampaign(
        name=name,
        start_on=start_on,
        end_on=end_on,
        region_code=region_code,
        created_by_id=_uid(actor),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "visit.campaign", "visit_campaign", row.id, name=name)
    return row


def campaign(session: Session, *, actor: Principal | None, campaign_id: int) -> VisitCampaign:
    _require(actor, Permission.visit_read)
    row = repo.campaign(session, campaign_id)
    if row is None:
        raise NotFound("未找到该走访活动")
    return row


def campaigns(session: Session, *, actor: Principal | None) -> Sequence[VisitCampaign]:
    _require(actor, Permission.visit_read)
    return repo.campaigns(session)


def add_team(
    session: Session,
    *,
    actor: Principal | None,
    campaign_id: int,
    name: str,
    street_code: str,
    bank_code: str | None,
    property_name: str = "",
    members: str = "",
) -> VisitTeam:
    """A team of the street office (its street), a bank and the property or park manager."""
    _require(actor, Permission.visit_manage)
    camp = campaign(session, actor=actor, campaign_id=campaign_id)
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid("请填写小组名称（不超过 100 字）")
    if divisions.level_of(street_code) != "street" or not divisions.known_place(street_code):
        raise Invalid(f"街道代码应为已登记的 9 位街道（乡镇）代码：{street_code}")
    if bank_code and bank_code not in bank_codes(session):
        raise NotFound(f"没有代码为 {bank_code} 的银行")
    if repo.team_by_name(session, camp.id, name) is not None:
        raise Conflict(f"本活动已有名为“{name}”的小组")
    row = VisitTeam(
        campaign_id=camp.id,
        name=name,
        street_code=street_code,
        bank_code=bank_code or None,
        property_name=property_name.strip()[:200],
        members=members.strip(),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "visit.team", "visit_team", row.id, campaign_id=camp.id, name=name)
    return row


def teams(
    session: Session, *, actor: Principal | None, campaign_id: int | None = None
) -> Sequence[VisitTeam]:
    _require(actor, Permission.visit_read)
    return repo.teams(session, campaign_id)


# -- visit records -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    visit: VisitRecord | None
    change: str  # created / updated / unchanged / rejected
    errors: tuple[tuple[str, str], ...] = ()


FIELDS = (
    "team_id",
    "place_code",
    "needs",
    "amount_wanted",
    "products",
    "bank_code",
    "follow_up_workdays",
    "follow_up_due_on",
    "outcome",
    "outcome_on",
)


def _resolve_place(name_or_code: str) -> str | None:
    """A sheet's 所在社区: a registered community or street code, or its name; "" unknown."""
    text = name_or_code.strip()
    if not text:
        return None
    if text.isdigit():
        return text if divisions.known_place(text) else ""
    return divisions.place_by_name(text) or ""


def apply_row(
    session: Session,
    *,
    camp: VisitCampaign,
    row: rules.VisitRow,
    banks: dict[str, str],
    actor: Principal | None,
    import_id: int | None,
) -> Applied:
    errs: list[tuple[str, str]] = []
    cols = rules.COLUMNS
    eid = enterprises.id_by_uscc(session, row.uscc)
    if eid is None:
        errs.append((cols["uscc"], "平台上未找到该经营主体"))
    if not camp.start_on <= row.visited_on <= camp.end_on:
        errs.append((cols["visited_on"], f"不在本次活动期间（{camp.start_on} 至 {camp.end_on}）"))
    team = None
    if row.team:
        team = repo.team_by_name(session, camp.id, row.team)
        if team is None:
            errs.append((cols["team"], f"本活动没有名为“{row.team}”的小组"))
    place = _resolve_place(row.place)
    if place == "":
        errs.append((cols["place"], f"未登记的社区或街道：{row.place}"))
    bank: str | None = None
    if row.bank:
        bank = banks.get(row.bank)
        if bank is None:
            errs.append((cols["bank"], f"平台上没有该银行：{row.bank}"))
    if errs or eid is None:
        return Applied(None, "rejected", tuple(errs))
    if bank is None and team is not None:
        bank = team.bank_code  # the team's bank follows up unless the sheet names another
    days = row.follow_up_workdays
    if days is None and (rules.needs_finance(row.amount_wanted) or bank):
        days = rules.DEFAULT_FOLLOW_UP_WORKDAYS
    due = demand.add_workdays(session, row.visited_on, days) if days else None
    values = {
        "team_id": team.id if team else None,
        "place_code": place,
        "needs": row.needs,
        "amount_wanted": row.amount_wanted,
        "products": row.products,
        "bank_code": bank,
        "follow_up_workdays": days,
        "follow_up_due_on": due,
        "outcome": row.outcome,
        "outcome_on": row.outcome_on,
    }
    found_visit = repo.visit_by_key(session, camp.id, eid, row.visited_on)
    if found_visit is None:
        visit = VisitRecord(
            campaign_id=camp.id,
            enterprise_id=eid,
            visited_on=row.visited_on,
            import_id=import_id,
            updated_by_id=_uid(actor),
            **values,
        )
        session.add(visit)
        session.flush()
        return Applied(visit, "created")

    def same(a: object, b: object) -> bool:
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return a.normalize() == b.normalize()
        return a == b

    if all(same(getattr(found_visit, k), v) for k, v in values.items()):
        return Applied(found_visit, "unchanged")
    for k, v in values.items():
        setattr(found_visit, k, v)
    if found_visit.outcome != "open":
        found_visit.escalated_on = found_visit.escalated_on  # an escalation stays on record
    found_visit.import_id = import_id or found_visit.import_id
    found_visit.updated_at = utcnow()
    found_visit.updated_by_id = _uid(actor)
    session.flush()
    return Applied(found_visit, "updated")


def import_file(
    session: Session, *, actor: Principal | None, campaign_id: int, path: Path, file_name: str
) -> VisitImport:
    """A team's visit sheet: every good row kept, every bad row reported (line, column,
    reason); the same file again changes nothing (a row is one campaign, enterprise and day)."""
    _require(actor, Permission.visit_manage)
    camp = campaign(session, actor=actor, campaign_id=campaign_id)
    got = layout.read_rows(
        path, file_name, header=rules.header_map, parse=rules.parse_row, max_rows=MAX_ROWS
    )
    count, parsed, errors = got.count, got.parsed, got.errors
    batch = VisitImport(
        campaign_id=camp.id,
        file_name=file_name[:200],
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        imported_by_id=_uid(actor),
        rows=count,
        created=0,
        updated=0,
        unchanged=0,
        rejected=0,
        errors=[],
    )
    session.add(batch)
    session.flush()
    banks = bank_codes(session)
    seen: dict[tuple[str, date], int] = {}
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for p in parsed:
        key = (p.uscc, p.visited_on)
        if key in seen:
            errors.append(
                {
                    "line": p.line,
                    "field": rules.COLUMNS["uscc"],
                    "reason": f"与第 {seen[key]} 行是同一次走访（同一企业、同一天）",
                }
            )
            continue
        seen[key] = p.line
        done = apply_row(session, camp=camp, row=p, banks=banks, actor=actor, import_id=batch.id)
        if done.change == "rejected":
            errors.extend({"line": p.line, "field": f, "reason": r} for f, r in done.errors)
        else:
            counts[done.change] += 1
    errors.sort(key=lambda e: (int(str(e["line"])), str(e["field"])))
    batch.created, batch.updated, batch.unchanged = (
        counts["created"],
        counts["updated"],
        counts["unchanged"],
    )
    batch.rejected = len({e["line"] for e in errors})
    batch.errors = errors
    session.flush()
    _audit(
        session,
        actor,
        "visit.import",
        "visit_import",
        batch.id,
        campaign_id=camp.id,
        sha256=batch.sha256,
        rows=count,
        rejected=batch.rejected,
        **counts,
    )
    return batch


def get_import(session: Session, *, actor: Principal | None, import_id: int) -> VisitImport:
    _require(actor, Permission.visit_manage)
    row = repo.import_by_id(session, import_id)
    if row is None:
        raise NotFound("未找到该导入批次")
    return row


def imports(session: Session, *, actor: Principal | None) -> Sequence[VisitImport]:
    _require(actor, Permission.visit_manage)
    return repo.imports(session)


def _own_bank(session: Session, actor: Principal | None) -> str | None:
    if actor is None or actor.tenant_kind != TenantKind.bank:
        return None
    return accounts.tenant_code(session, actor.tenant_id) or "?"


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


# -- matching events ---------------------------------------------------------------------------


def create_event(
    session: Session,
    *,
    actor: Principal | None,
    title: str,
    held_on: date,
    place: str,
    bank_codes: list[str],
    usccs: list[str],
    application_ids: list[int],
    campaign_id: int | None = None,
) -> MatchingEvent:
    """银企对接会: the banks and enterprises that came, the applications that followed."""
    _require(actor, Permission.visit_manage)
    title, place = title.strip(), place.strip()
    if not title or not place:
        raise Invalid("请填写对接会名称与地点")
    names = {c for c, _n in accounts.tenant_names(session, "bank").values()}
    unknown = [c for c in bank_codes if c not in names]
    if unknown:
        raise NotFound("没有代码为 " + "、".join(unknown) + " 的银行")
    ids = []
    for text in usccs:
        try:
            from zhixin.enterprises.rules import normalise_uscc

            eid = enterprises.id_by_uscc(session, normalise_uscc(text))
        except ValueError as exc:
            raise Invalid(f"统一社会信用代码有误：{text}（{exc}）") from exc
        if eid is None:
            raise NotFound(f"平台上未找到该经营主体：{text}")
        ids.append(eid)
    if campaign_id is not None:
        campaign(session, actor=actor, campaign_id=campaign_id)
    row = MatchingEvent(
        campaign_id=campaign_id,
        title=title[:200],
        held_on=held_on,
        place=place[:200],
        bank_codes=sorted(set(bank_codes)),
        enterprise_ids=sorted(set(ids)),
        application_ids=sorted(set(application_ids)),
        created_by_id=_uid(actor),
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "visit.event", "matching_event", row.id, title=title)
    return row


def events(session: Session, *, actor: Principal | None) -> Sequence[MatchingEvent]:
    _require(actor, Permission.visit_read)
    rows = repo.events(session)
    own = _own_bank(session, actor)
    if own is not None:
        return [e for e in rows if own in e.bank_codes]
    return rows


# -- reading -----------------------------------------------------------------------------------


def template_bytes() -> bytes:
    from zhixin.kit.sheets import Book

    book = Book()
    sheet = book.sheet("走访记录")
    for row in rules.template_rows():
        sheet.append(row)
    return book.to_bytes()


@dataclass(frozen=True)
class EventOut:
    id: int
    title: str
    held_on: date
    place: str
    campaign: str
    banks: list[str]
    enterprises: list[str]
    application_ids: list[int]


def event_outs(session: Session, rows: Sequence[MatchingEvent]) -> list[EventOut]:
    ids = sorted({i for e in rows for i in e.enterprise_ids})
    places = enterprises.places_by_ids(session, ids)
    banks = {c: n for c, n in accounts.tenant_names(session, "bank").values()}
    camps = {c.id: c.name for c in repo.campaigns(session)}
    return [
        EventOut(
            id=e.id,
            title=e.title,
            held_on=e.held_on,
            place=e.place,
            campaign=camps.get(e.campaign_id, "") if e.campaign_id else "",
            banks=[banks.get(c, c) for c in e.bank_codes],
            enterprises=[places.get(i, (f"经营主体 {i}", None, None))[0] for i in e.enterprise_ids],
            application_ids=list(e.application_ids),
        )
        for e in rows
    ]
