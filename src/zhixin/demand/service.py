"""融资需求: post, list, take, answer on the clock, escalate, assign. Never commits.

Semantics are in :mod:`zhixin.demand.rules`. Who may do what:

* an enterprise user (``need:post``) posts needs of its own enterprise and sees them; the task
  force (``need:post``) posts for an enterprise (an officer on a visit);
* a bank officer (``need:take``) sees the open needs that one of the bank's current products
  could serve (region, amount, term) and the needs the bank holds or held; the contact person
  and phone show only to the bank holding the need; it takes an open need and records each step;
* the task force (``need:manage``) sees every need, the escalations, assigns a need to a bank
  or puts it back on the market.

Taking a need writes the firm into the bank's outcome ledger (:mod:`zhixin.demand.ledger`,
source ``need``). Every write is audited: ``need.post``, ``need.take``, ``need.step``,
``need.assign``, ``need.release``, ``need.withdraw``, ``need.escalate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import get_settings
from zhixin.demand import ledger, rules
from zhixin.demand import repository as repo
from zhixin.demand.models import FinancingNeed, NeedEvent
from zhixin.demand.rules import NeedInput, NeedRefused, ProductScope
from zhixin.demand.schemas import EscalationOut
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.products import service as products
from zhixin.quotes import facts as quote_facts
from zhixin.workdays import service as workdays
from zhixin.workdays.rules import UnknownYear

NOT_FOUND = "未找到该融资需求"


def _require(actor: Principal, *permissions: Permission) -> None:
    if not any(actor.can(p) for p in permissions):
        raise Forbidden("无权处理融资需求")


def add_workdays(session: Session, start: date, days: int) -> date:
    """``start`` + ``days`` working days (China's calendar with 调休); Monday–Friday for a year
    the calendar does not know."""
    try:
        return workdays.compute_deadline(session, start=start, days=days).deadline
    except UnknownYear:
        from zhixin.disputes.rules import add_weekdays

        return add_weekdays(start, days)


def bank_code_of(session: Session, actor: Principal) -> str:
    if actor.tenant_kind != TenantKind.bank:
        raise Forbidden("只有银行用户可以办理")
    code = accounts.tenant_code(session, actor.tenant_id)
    if code is None:  # pragma: no cover - a principal's tenant exists
        raise Forbidden("只有银行用户可以办理")
    return code


def bank_names(session: Session, codes: set[str | None]) -> dict[str, str]:
    """Bank tenant code → its name (the code itself for a code no tenant has)."""
    out: dict[str, str] = {}
    for code in sorted(c for c in codes if c):
        tenant = accounts.tenant_by_code(session, code)
        out[code] = tenant.name if tenant is not None else code
    return out


def product_scopes(session: Session) -> list[ProductScope]:
    out = []
    for _row, p in products.all_current(session):
        out.append(
            ProductScope(
                code=p.code,
                name=p.name,
                bank_code=p.bank_code,
                regions=tuple(r.prefix for r in p.eligibility.regions),
                amount_min=Decimal(p.amount.min),
                amount_max=Decimal(p.amount.max),
                term_min=p.term_months.min,
                term_max=p.term_months.max,
            )
        )
    return out


def _grade(
    session: Session, enterprise_id: int, today: date
) -> tuple[bool, str | None, str | None]:
    """(listed, class label, catalog) on the whitelist in force today, under the first catalog of
    the shipped products that lists the enterprise (else the first that grades it)."""
    seen: set[str] = set()
    graded: tuple[bool, str | None, str | None] = (False, None, None)
    for _row, p in products.all_current(session):
        if p.catalog in seen:
            continue
        seen.add(p.catalog)
        f = quote_facts.gather(session, enterprise_id, today, p.catalog)
        if f.listed:
            return True, f.overall_class, f.catalog_name
        if f.overall_class and graded[1] is None:
            graded = (False, f.overall_class, f.catalog_name)
    return graded


def _event(
    session: Session,
    need: FinancingNeed,
    kind: str,
    actor: Principal | None,
    *,
    reason: str | None = None,
    note: str = "",
    late: bool = False,
) -> None:
    session.add(
        NeedEvent(
            need_id=need.id,
            kind=kind,
            day=clock.today(),
            bank_code=need.bank_code,
            user_id=actor.user_id if actor else None,
            reason_code=reason,
            note=note,
            late=late,
        )
    )


def _audit(
    session: Session, actor: Principal, action: str, need: FinancingNeed, **detail: object
) -> None:
    audit.record(
        session,
        actor=Actor.of(actor),
        action=action,
        object_type="need",
        object_id=need.id,
        detail={"enterprise_id": need.enterprise_id, "bank_code": need.bank_code, **detail},
    )


def post(
    session: Session, *, actor: Principal, enterprise_id: int | None, need: NeedInput
) -> FinancingNeed:
    """An enterprise posts its need (or the task force for an enterprise)."""
    _require(actor, Permission.need_post)
    if actor.tenant_kind == TenantKind.enterprise:
        if enterprise_id not in (None, actor.enterprise_id) or actor.enterprise_id is None:
            raise NotFound("未找到该经营主体")
        enterprise_id = actor.enterprise_id
    elif enterprise_id is None:
        raise Invalid("请指定代为发布需求的经营主体（enterprise_id）")
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound("未找到该经营主体")
    try:
        n = rules.check_need(need)
    except NeedRefused as exc:
        raise Invalid(str(exc)) from exc
    ident = enterprises.identity(session, enterprise_id)
    today = clock.today()
    listed, grade, catalog = _grade(session, enterprise_id, today)
    row = FinancingNeed(
        enterprise_id=enterprise_id,
        region_code=ident.region_code if ident else None,
        amount=n.amount,
        term_months=n.term_months,
        purpose=n.purpose,
        collateral=n.collateral,
        contact_consent=True,
        contact_name=n.contact_name,
        contact_phone=n.contact_phone,
        note=n.note,
        listed=listed,
        grade=grade,
        catalog_name=catalog,
        posted_by_id=actor.user_id,
        posted_on=today,
        take_due_on=add_workdays(session, today, get_settings().demand_take_workdays),
        status="open",
        assigned=False,
    )
    session.add(row)
    session.flush()
    _event(session, row, "posted", actor)
    _audit(session, actor, "need.post", row, amount=str(n.amount), purpose=n.purpose)
    return row


def _visible(
    session: Session, actor: Principal, need_id: int, *, lock: bool = False
) -> FinancingNeed:
    need = repo.need_for_update(session, need_id) if lock else repo.need(session, need_id)
    if need is None:
        raise NotFound(NOT_FOUND)
    if actor.can(Permission.need_manage):
        if enterprises.visible(session, actor=actor, enterprise_id=need.enterprise_id):
            return need
        raise NotFound(NOT_FOUND)
    if actor.can(Permission.need_take) and actor.tenant_kind == TenantKind.bank:
        code = bank_code_of(session, actor)
        if need.bank_code == code:
            return need
        if need.status == "open" and serving_products(session, code, need):
            return need
        raise NotFound(NOT_FOUND)
    if actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id == need.enterprise_id:
        _require(actor, Permission.need_post)
        return need
    raise NotFound(NOT_FOUND)


def serving_products(
    session: Session, bank_code: str, need: FinancingNeed, scopes: list[ProductScope] | None = None
) -> list[ProductScope]:
    mine = [p for p in (scopes or product_scopes(session)) if p.bank_code == bank_code]
    return rules.serving(mine, need.region_code, need.amount, need.term_months)


def get(session: Session, *, actor: Principal, need_id: int) -> FinancingNeed:
    _require(actor, Permission.need_post, Permission.need_take, Permission.need_manage)
    return _visible(session, actor, need_id)


def listing(
    session: Session, *, actor: Principal, escalated_only: bool = False
) -> Sequence[FinancingNeed]:
    """An enterprise's own needs; a bank's market (open needs its products could serve) and
    those it holds or held; the task force every need (or only the escalated ones)."""
    _require(actor, Permission.need_post, Permission.need_take, Permission.need_manage)
    if actor.can(Permission.need_manage):
        rows = repo.needs(session, escalated=True if escalated_only else None)
        ids = enterprises.visible_among(session, actor=actor, ids=[r.enterprise_id for r in rows])
        return [r for r in rows if r.enterprise_id in ids]
    if actor.can(Permission.need_take) and actor.tenant_kind == TenantKind.bank:
        code = bank_code_of(session, actor)
        scopes = product_scopes(session)
        return [
            r
            for r in repo.open_or_held_by(session, code)
            if r.bank_code == code or serving_products(session, code, r, scopes)
        ]
    if actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id is not None:
        return repo.needs(session, enterprise_ids=[actor.enterprise_id])
    raise Forbidden("无权查看融资需求")


def _hold(session: Session, need: FinancingNeed, bank_code: str) -> None:
    today = clock.today()
    need.status = "taken"
    need.bank_code = bank_code
    need.taken_on = today
    need.step_on = today
    need.due_on = add_workdays(session, today, get_settings().demand_response_workdays)
    need.refusal_code = None
    need.escalation = None
    need.escalated_on = None


def take(session: Session, *, actor: Principal, need_id: int) -> FinancingNeed:
    """A bank takes an open need (抢单): one bank at a time; its response clock starts."""
    _require(actor, Permission.need_take)
    code = bank_code_of(session, actor)
    need = _visible(session, actor, need_id, lock=True)
    if need.status != "open":
        raise Conflict("该需求已被其他银行接单或已结束")
    _hold(session, need, code)
    session.flush()
    _event(session, need, "taken", actor)
    ledger.push(session, bank_code=code, need=need, actor=actor)
    _audit(
        session, actor, "need.take", need, due_on=need.due_on.isoformat() if need.due_on else None
    )
    return need


def step(
    session: Session,
    *,
    actor: Principal,
    need_id: int,
    step: str,
    refusal_code: str | None = None,
    note: str = "",
) -> FinancingNeed:
    """The bank holding the need records its next step (contacted → on-site → application,
    or a refusal with its reason code); a step after its clock is marked late."""
    _require(actor, Permission.need_take)
    code = bank_code_of(session, actor)
    need = _visible(session, actor, need_id, lock=True)
    if need.bank_code != code:
        raise NotFound(NOT_FOUND)
    try:
        rules.check_step(need.status, step, refusal_code)
    except NeedRefused as exc:
        raise Conflict(str(exc)) from exc
    if len(note) > rules.NOTE_MAX:
        raise Invalid(f"说明不超过 {rules.NOTE_MAX} 字")
    today = clock.today()
    late = rules.overdue(need.status, today, need.due_on)
    need.status = step
    need.step_on = today
    need.due_on = (
        add_workdays(session, today, get_settings().demand_response_workdays)
        if step in rules.HELD
        else None
    )
    if step == "refused":
        need.refusal_code = refusal_code
    session.flush()
    _event(
        session,
        need,
        step,
        actor,
        reason=refusal_code if step == "refused" else None,
        note=note.strip(),
        late=late,
    )
    ledger.need_step(
        session, need=need, step=step, on=today, refusal_code=refusal_code, actor=actor
    )
    _audit(session, actor, "need.step", need, step=step, late=late, refusal_code=refusal_code)
    return need


def assign(session: Session, *, actor: Principal, need_id: int, bank_code: str) -> FinancingNeed:
    """The task force assigns a need (open, or escalated from another bank) to a bank."""
    _require(actor, Permission.need_manage)
    need = _visible(session, actor, need_id, lock=True)
    if need.status in rules.FINISHED:
        raise Conflict("该需求已结束，不能指派")
    tenant = accounts.tenant_by_code(session, bank_code)
    if tenant is None or tenant.kind != TenantKind.bank.value:
        raise Invalid("未找到该银行机构代码")
    previous = need.bank_code
    _hold(session, need, bank_code)
    need.assigned = True
    session.flush()
    _event(session, need, "assigned", actor, note=f"原接单银行：{previous}" if previous else "")
    ledger.push(session, bank_code=bank_code, need=need, actor=actor)
    _audit(session, actor, "need.assign", need, previous=previous)
    return need


def release(session: Session, *, actor: Principal, need_id: int) -> FinancingNeed:
    """The task force puts a need back on the market (no bank holds it; a fresh take clock)."""
    _require(actor, Permission.need_manage)
    need = _visible(session, actor, need_id, lock=True)
    if need.status in rules.FINISHED:
        raise Conflict("该需求已结束")
    today = clock.today()
    _event(session, need, "released", actor)
    need.status = "open"
    need.bank_code = None
    need.assigned = False
    need.due_on = None
    need.step_on = None
    need.escalation = None
    need.escalated_on = None
    need.take_due_on = add_workdays(session, today, get_settings().demand_take_workdays)
    session.flush()
    _audit(session, actor, "need.release", need)
    return need


def withdraw(session: Session, *, actor: Principal, need_id: int) -> FinancingNeed:
    _require(actor, Permission.need_post)
    need = _visible(session, actor, need_id, lock=True)
    if actor.tenant_kind != TenantKind.enterprise:
        raise Forbidden("只有企业可以撤回本企业的需求")
    if need.status in rules.FINISHED:
        raise Conflict("该需求已结束")
    need.status = "withdrawn"
    need.due_on = None
    session.flush()
    _event(session, need, "withdrawn", actor)
    _audit(session, actor, "need.withdraw", need)
    return need


def escalate_due(session: Session, *, today: date | None = None) -> list[EscalationOut]:
    """The job: every need whose clock ran out before ``today`` goes to the task force — an
    open need nobody took (``untaken``), a held need whose step is late (``overdue``); each
    once (until the task force assigns or releases it). No permission check: a scheduled job."""
    day = today or clock.today()
    out: list[EscalationOut] = []
    for need in repo.escalation_candidates(session, day):
        kind = rules.escalation_due(need.status, False, day, need.take_due_on, need.due_on)
        if kind is None:
            continue
        need.escalation = kind
        need.escalated_on = day
        session.add(
            NeedEvent(
                need_id=need.id,
                kind="escalated",
                day=day,
                bank_code=need.bank_code,
                reason_code=None,
                note=rules.ESCALATIONS[kind],
                late=False,
            )
        )
        audit.record(
            session,
            actor=Actor.system("demand.escalate"),
            action="need.escalate",
            object_type="need",
            object_id=need.id,
            detail={"escalation": kind, "bank_code": need.bank_code},
        )
        out.append(
            EscalationOut(
                need_id=need.id,
                escalation=kind,
                label=rules.ESCALATIONS[kind],
                bank_code=need.bank_code,
            )
        )
    session.flush()
    return out


def ranking(session: Session, *, actor: Principal) -> list[tuple[str, int, int]]:
    """Per bank: late steps and escalations for lateness (the task force's daily ranking)."""
    _require(actor, Permission.need_manage)
    return repo.late_counts(session)
