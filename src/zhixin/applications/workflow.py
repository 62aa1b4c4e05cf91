"""Transitions of an application (受理 → 审查 → 审批 → 签约), each by its role, audited with
actor, time and reason, and stored as the application's event history. Never commits.

Concurrency: the application row carries ``version`` (SQLAlchemy's ``version_id_col``), so
every change is ``UPDATE … WHERE id = :id AND version = :seen``. Of two approvals at once, the
second's update matches no row (or, if it read after the first committed, the state machine
refuses it): it gets a 409 with a Chinese message and leaves no trace. The application row is
written first in each transition, before the event, the audit entry or a consultation, so a
loser never holds the audit chain's lock while waiting.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _move(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    action: Action,
    version: int | None,
    note: str,
    on: date | None,
    prepare: Callable[[Application, date], dict[str, Any]] | None = None,
    after: Callable[[Application, date], None] | None = None,
) -> Application:
    """The one path of every transition: load (visibility), check (state machine), change
    (``prepare``), save (optimistic lock), then record (event, audit) and follow up (``after``)."""
    app = load(session, actor, application_id, version)
    day = on or clock.today()
    current = State(app.state)
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
        detail = prepare(app, day) if prepare else {}
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
    if after is not None:
        after(app, day)
    return app


# -- officer: accept, materials, review ------------------------------------------------------


def accept(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    version: int | None = None,
    note: str = "",
    on: date | None = None,
) -> Application:
    """受理: every required material must be there; a fast-lane application gets its deadline,
    the N-th working day after acceptance on China's calendar (or says which year is unknown)."""

    def prepare(app: Application, day: date) -> dict[str, Any]:
        missing = [
            m for m in repo.materials(session, app.id) if m.required and m.status != "provided"
        ]
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

    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.accept,
        version=version,
        note=note,
        on=on,
        prepare=prepare,
    )


def request_materials(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    codes: Sequence[str],
    note: str,
    version: int | None = None,
    on: date | None = None,
) -> Application:
    """要求补充材料: the items asked for, and why. After acceptance the clock stops until the
    enterprise answers."""

    def prepare(app: Application, day: date) -> dict[str, Any]:
        items = {m.code: m for m in repo.materials(session, app.id)}
        wanted = rules.check_material_request(codes, items)
        for code in wanted:
            items[code].status = "requested"
            items[code].request_note = note.strip()
            items[code].updated_by_id = actor.user_id
            items[code].updated_at = utcnow()
        app.state_before = app.state
        app.paused_on = day if app.accepted_on is not None else None
        return {"materials": list(wanted)}

    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.request_materials,
        version=version,
        note=note,
        on=on,
        prepare=prepare,
    )


def respond_materials(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    provided: Sequence[str],
    notes: dict[str, str] | None = None,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
) -> Application:
    """The enterprise (or the officer on its behalf) supplies what was asked: every requested
    item must come back. The application returns to where it was, the deadline moves on by the
    working days spent waiting, and the checks that read materials run again."""
    notes = notes or {}

    def prepare(app: Application, day: date) -> dict[str, Any]:
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

    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.respond_materials,
        version=version,
        note=note,
        on=on,
        prepare=prepare,
    )


def start_review(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    version: int | None = None,
    note: str = "",
    on: date | None = None,
) -> Application:
    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.start_review,
        version=version,
        note=note,
        on=on,
    )


def submit_for_approval(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    recommendation: str,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
) -> Application:
    """审查完成: all five standards decided; the officer's recommendation and note go with it.
    The officer becomes the reviewer, who may not approve (审贷分离)."""
    if recommendation not in ("approve", "reject"):
        raise Invalid("审查意见须为「建议批准」或「建议拒绝」")

    def prepare(app: Application, day: date) -> dict[str, Any]:
        pending = standards.labels_with(checks_of(session, app), standards.Status.pending)
        rules.check_reviewable(pending)
        app.reviewed_by_id = actor.user_id
        app.reviewed_at = utcnow()
        app.review_note = note.strip() or None
        app.recommendation = recommendation
        return {"recommendation": recommendation}

    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.submit_for_approval,
        version=version,
        note=note,
        on=on,
        prepare=prepare,
    )


def contract(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
) -> Application:
    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.contract,
        version=version,
        note=note,
        on=on,
    )


# -- approver: approve, reject, return -------------------------------------------------------


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


def approve(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    amount: Decimal | None = None,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
) -> Application:
    """批准 at the frozen quote's rate, for the amount asked or less, never above the quote's
    limit, only when eligible and all five standards passed; not by the reviewer."""

    def prepare(app: Application, day: date) -> dict[str, Any]:
        granted = amount if amount is not None else app.amount
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

    def after(app: Application, day: date) -> None:
        consultation.resolve_by(session, app, day)

    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.approve,
        version=version,
        note=note,
        on=on,
        prepare=prepare,
        after=after,
    )


def reject(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    codes: Sequence[str],
    note: str,
    version: int | None = None,
    on: date | None = None,
) -> Application:
    """拒绝 with reason codes and a note; the application enters the task force's
    consultation queue with the remedies the platform computes."""

    def prepare(app: Application, day: date) -> dict[str, Any]:
        kept = rules.check_reject_reasons(codes, note)
        app.reject_codes = list(kept)
        app.reject_note = note.strip()
        app.decided_by_id = actor.user_id
        _measure(session, app, day)
        return {"codes": list(kept), "workdays": app.decision_workdays}

    def after(app: Application, day: date) -> None:
        consultation.open_for(session, actor, app, day)

    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.reject,
        version=version,
        note=note,
        on=on,
        prepare=prepare,
        after=after,
    )


def return_for_review(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    note: str,
    version: int | None = None,
    on: date | None = None,
) -> Application:
    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.return_for_review,
        version=version,
        note=note,
        on=on,
    )


def withdraw(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    note: str = "",
    version: int | None = None,
    on: date | None = None,
) -> Application:
    return _move(
        session,
        actor=actor,
        application_id=application_id,
        action=Action.withdraw,
        version=version,
        note=note,
        on=on,
    )
