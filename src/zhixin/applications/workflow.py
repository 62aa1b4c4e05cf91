"""Transitions of an application (受理 → 审查 → 审批 → 签约), each by its role, audited with
actor, time and reason, and stored as the application's event history. Never commits.

Every transition goes through :func:`move`: the state machine is :data:`rules.TRANSITIONS`;
what a transition changes besides the state is its *step* here (:data:`PREPARE`, run before
the row is saved, and :data:`AFTER`, run after the event and audit entry); a transition with
neither only moves the state. The API routes and page forms that call it are generated from
:data:`zhixin.applications.acts.ACTS`.

Concurrency: the application row carries ``version`` (SQLAlchemy's ``version_id_col``), so
every change is ``UPDATE … WHERE id = :id AND version = :seen``. Of two approvals at once, the
second's update matches no row (or, if it read after the first committed, the state machine
refuses it): it gets a 409 with a Chinese message and leaves no trace. The application row is
written first in each transition, before the event, the audit entry or a consultation, so a
loser never holds the audit chain's lock while waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.applications import consultation, rules, standards
from zhixin.applications import repository as repo
from zhixin.applications.models import Application
from zhixin.applications.rules import Action, Refusal, State, TransitionRefused
from zhixin.applications.service import (
    add_event,
    checks_of,
    get,
    limit_of,
    rerun_checks,
)
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, ZhixinError
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.loans import service as loans
from zhixin.workdays import service as workdays
from zhixin.workdays.rules import UnknownYear

STALE = "该申请刚被他人处理（版本已变化），本次操作未生效，请刷新页面后查看最新状态"


def _error(exc: TransitionRefused) -> ZhixinError:
    if exc.kind == Refusal.state:
        return Conflict(exc.message)
    if exc.kind in (Refusal.permission, Refusal.maker_checker):
        return Forbidden(exc.message)
    return Invalid(exc.message)


def load(
    session: Session, actor: Principal, application_id: int, version: int | None
) -> Application:
    app = get(session, actor=actor, application_id=application_id)
    if actor.tenant_kind not in (TenantKind.bank, TenantKind.enterprise):
        raise Forbidden("只有银行和申请企业可以办理贷款申请")
    if version is not None and version != app.version:
        raise Conflict(STALE)
    return app


def _permissions(actor: Principal) -> list[Permission]:
    return [p for p in Permission if actor.can(p)]


def save(session: Session, app: Application) -> None:
    """Write the application row now (compare-and-set on ``version``)."""
    app.updated_at = utcnow()
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE) from exc


@dataclass(frozen=True)
class Inputs:
    """What a person sends with an act (the API's body, the page's form); each act reads the
    fields it needs. ``version`` is the application's version as the person saw it (optimistic
    lock); ``note`` the reason or remark every act may carry."""

    version: int | None = None
    note: str = ""
    codes: Sequence[str] = ()  # material codes (request) or refusal reason codes (reject)
    provided: Sequence[str] = ()  # materials supplied (respond)
    notes: Mapping[str, str] = field(default_factory=dict)  # per material supplied
    recommendation: str = ""  # the reviewer's: approve / reject
    amount: Decimal | None = None  # the amount approved (default: the amount asked)
    code: str = ""  # the standard attested
    passed: bool = False  # the attestation's result


Prepare = Callable[[Session, Principal, Application, date, Inputs], dict[str, Any]]
After = Callable[[Session, Principal, Application, date], None]


def move(
    session: Session,
    action: Action,
    *,
    actor: Principal,
    application_id: int,
    inputs: Inputs | None = None,
    on: date | None = None,
) -> Application:
    """The one path of every transition: load (visibility), check (state machine), change
    (the step's ``prepare``), save (optimistic lock), then record (event, audit) and follow up
    (the step's ``after``)."""
    inputs = inputs or Inputs()
    note = inputs.note
    app = load(session, actor, application_id, inputs.version)
    day = on or clock.today()
    current = State(app.state)
    prepare = PREPARE.get(action)
    try:
        target = rules.next_state(
            action,
            current,
            actor_id=actor.user_id,
            permissions=_permissions(actor),
            reviewed_by_id=app.reviewed_by_id,
            state_before=State(app.state_before) if app.state_before else None,
            reason=note,
        )
        detail = prepare(session, actor, app, day, inputs) if prepare else {}
    except TransitionRefused as exc:
        raise _error(exc) from exc
    app.state = target.value
    save(session, app)
    add_event(session, app, actor, action.value, current, target, day, note.strip(), detail)
    audit.record(
        session,
        actor=Actor.of(actor),
        action=f"application.{action.value}",
        object_type="loan_application",
        object_id=app.id,
        detail={"from": current.value, "to": target.value, "reason": note.strip()[:200], **detail},
    )
    after = AFTER.get(action)
    if after is not None:
        after(session, actor, app, day)
    return app


# -- the steps: what each transition changes besides the state ------------------------------


def _accept(
    session: Session, actor: Principal, app: Application, day: date, inputs: Inputs
) -> dict[str, Any]:
    """受理: every required material must be there; a fast-lane application gets its deadline,
    the N-th working day after acceptance on China's calendar (or says which year is unknown)."""
    missing = [m for m in repo.materials(session, app.id) if m.required and m.status != "provided"]
    rules.check_acceptable([m.label for m in missing])
    app.accepted_by_id = actor.user_id
    app.accepted_on = day
    if app.fast_lane_days:
        try:
            app.deadline = rules.deadline(workdays.calendar(session), day, app.fast_lane_days)
            app.deadline_note = None
        except UnknownYear as exc:
            app.deadline = None
            app.deadline_note = f"无法计算快速通道办结时限：{exc}"[:200]
    return {"deadline": app.deadline.isoformat() if app.deadline else None}


def _request_materials(
    session: Session, actor: Principal, app: Application, day: date, inputs: Inputs
) -> dict[str, Any]:
    """要求补充材料: the items asked for, and why. After acceptance the clock stops until the
    enterprise answers."""
    items = {m.code: m for m in repo.materials(session, app.id)}
    wanted = rules.check_material_request(inputs.codes, items)
    for code in wanted:
        items[code].status = "requested"
        items[code].request_note = inputs.note.strip()
        items[code].updated_by_id = actor.user_id
        items[code].updated_at = utcnow()
    app.state_before = app.state
    app.paused_on = day if app.accepted_on is not None else None
    return {"materials": list(wanted)}


def _respond_materials(
    session: Session, actor: Principal, app: Application, day: date, inputs: Inputs
) -> dict[str, Any]:
    """The enterprise (or the officer on its behalf) supplies what was asked: every requested
    item must come back. The application returns to where it was, the deadline moves on by the
    working days spent waiting, and the checks that read materials run again."""
    provided, notes = inputs.provided, inputs.notes
    items = {m.code: m for m in repo.materials(session, app.id)}
    requested = [c for c, m in items.items() if m.status == "requested"]
    rules.check_material_response(requested, provided)
    for code in provided:
        if code in items:
            items[code].status = "provided"
            items[code].note = (notes.get(code) or items[code].note or "").strip() or None
            items[code].updated_by_id = actor.user_id
            items[code].updated_at = utcnow()
    extended = None
    if app.paused_on is not None and app.deadline is not None:
        try:
            app.deadline = rules.extend_for_pause(
                workdays.calendar(session), app.deadline, app.paused_on, day
            )
            extended = app.deadline.isoformat()
        except UnknownYear as exc:
            app.deadline_note = f"无法顺延办结时限：{exc}"[:200]
    app.paused_on = None
    app.state_before = None
    rerun_checks(session, app, day, {c for c, m in items.items() if m.status == "provided"})
    return {"materials": list(provided), "deadline": extended}


def _submit_for_approval(
    session: Session, actor: Principal, app: Application, day: date, inputs: Inputs
) -> dict[str, Any]:
    """审查完成: all five standards decided; the officer's recommendation and note go with it.
    The officer becomes the reviewer, who may not approve (审贷分离)."""
    if inputs.recommendation not in ("approve", "reject"):
        raise TransitionRefused("审查意见须为「建议批准」或「建议拒绝」")
    if inputs.recommendation == "reject" and not inputs.note.strip():
        # the approver and the enterprise read why: a refusal is never recommended unexplained
        raise TransitionRefused("建议拒绝须在审查说明中写明理由")
    pending = standards.labels_with(checks_of(session, app), standards.Status.pending)
    rules.check_reviewable(pending)
    app.reviewed_by_id = actor.user_id
    app.reviewed_at = utcnow()
    app.review_note = inputs.note.strip() or None
    app.recommendation = inputs.recommendation
    return {"recommendation": inputs.recommendation}


def _measure(session: Session, app: Application, day: date) -> None:
    """Days from application to decision, calendar and working; on time against the deadline."""
    app.decided_on = day
    app.decided_at = utcnow()
    app.decision_days = (day - app.submitted_on).days
    try:
        app.decision_workdays = rules.elapsed(
            workdays.calendar(session), app.submitted_on, day
        ).workdays
    except UnknownYear:
        app.decision_workdays = None
    app.on_time = None if app.deadline is None else day <= app.deadline


def _approve(
    session: Session, actor: Principal, app: Application, day: date, inputs: Inputs
) -> dict[str, Any]:
    """批准 at the frozen quote's rate, for the amount asked or less, never above the quote's
    limit, only when eligible and all five standards passed; not by the reviewer."""
    granted = inputs.amount if inputs.amount is not None else app.amount
    if granted > app.amount:
        raise TransitionRefused("批准金额不能超过申请金额")
    checks = checks_of(session, app)
    rules.check_approvable(
        eligible=bool(app.terms.get("eligible")),
        eligibility_reasons=list(app.terms.get("reasons") or []),
        amount=granted,
        limit=limit_of(app),
        failed_standards=standards.labels_with(checks, standards.Status.failed),
        pending_standards=standards.labels_with(checks, standards.Status.pending),
    )
    app.approved_amount = granted
    app.approved_rate = Decimal(str(app.terms["rate"]))
    app.decided_by_id = actor.user_id
    _measure(session, app, day)
    return {
        "amount": str(granted),
        "rate": str(app.approved_rate),
        "workdays": app.decision_workdays,
        "on_time": app.on_time,
    }


def _reject(
    session: Session, actor: Principal, app: Application, day: date, inputs: Inputs
) -> dict[str, Any]:
    """拒绝 with reason codes and a note; the application then enters the task force's
    consultation queue with the remedies the platform computes."""
    kept = rules.check_reject_reasons(inputs.codes, inputs.note)
    app.reject_codes = list(kept)
    app.reject_note = inputs.note.strip()
    app.decided_by_id = actor.user_id
    _measure(session, app, day)
    return {"codes": list(kept), "workdays": app.decision_workdays}


def _resolve_consultation(session: Session, actor: Principal, app: Application, day: date) -> None:
    consultation.resolve_by(session, app, day)


def _open_consultation(session: Session, actor: Principal, app: Application, day: date) -> None:
    consultation.open_for(session, actor, app, day)


def _open_contract(session: Session, actor: Principal, app: Application, day: date) -> None:
    """签订合同: the loan book opens the contract and its credit line from the frozen quote's
    terms and product version, for the amount and rate approved."""
    assert app.approved_amount is not None and app.approved_rate is not None  # approved first
    loans.open_contract(
        session,
        actor=actor,
        signed=loans.Signed(
            application_id=app.id,
            enterprise_id=app.enterprise_id,
            bank_tenant_id=app.bank_tenant_id,
            bank_code=app.bank_code,
            product_code=app.product_code,
            product_version_id=app.product_version_id,
            quote_id=app.quote_id,
            amount=app.approved_amount,
            rate=app.approved_rate,
            term_months=app.term_months,
            method=app.method,
        ),
        day=day,
    )


PREPARE: dict[Action, Prepare] = {
    Action.accept: _accept,
    Action.request_materials: _request_materials,
    Action.respond_materials: _respond_materials,
    Action.submit_for_approval: _submit_for_approval,
    Action.approve: _approve,
    Action.reject: _reject,
}
AFTER: dict[Action, After] = {
    Action.approve: _resolve_consultation,
    Action.reject: _open_consultation,
    Action.contract: _open_contract,
}
