"""The five standards on one application: the officer attests what the records cannot decide,
or has them run again after the records changed. Never commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.applications import repository as repo
from zhixin.applications import rules, standards
from zhixin.applications.models import Application
from zhixin.applications.rules import State
from zhixin.applications.service import add_event, checks_of, rerun_checks
from zhixin.applications.workflow import load, save
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.consent import service as consents
from zhixin.errors import Conflict, ConsentRequired, Forbidden, Invalid
from zhixin.kit import clock
from zhixin.kit.db import utcnow

REVIEWING = frozenset({State.accepted, State.under_review})


def _reviewable(actor: Principal, app: Application) -> None:
    if not actor.can(Permission.application_review) or actor.tenant_kind != TenantKind.bank:
        raise Forbidden("只有本行客户经理可以核实五项标准")
    if State(app.state) not in REVIEWING:
        raise Conflict(
            f"申请当前为「{rules.STATE_LABELS[State(app.state)]}」，只有受理后、提交审批前可以核实"
        )


def attest(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    code: str,
    passed: bool,
    note: str,
    version: int | None = None,
    on: date | None = None,
) -> Application:
    """The officer decides one of the five standards the records could not, with a note."""
    app = load(session, actor, application_id, version)
    _reviewable(actor, app)
    rows = {c.code: c for c in repo.checks(session, app.id)}
    current = {c.code: c for c in checks_of(session, app)}
    if code not in current:
        raise Invalid(f"未知的标准：{code}（可选：{'、'.join(standards.STANDARDS)}）")
    try:
        done = standards.attest(current[code], passed=passed, note=note)
    except standards.AttestRefused as exc:
        raise Invalid(str(exc)) from exc
    row = rows[code]
    row.status, row.source, row.note = done.status.value, done.source.value, done.note
    row.decided_by_id, row.decided_at = actor.user_id, utcnow()
    save(session, app)
    day = on or clock.today()
    state = State(app.state)
    result = standards.STATUS_LABELS[done.status]
    add_event(
        session,
        app,
        actor,
        "attest",
        state,
        state,
        day,
        note.strip(),
        {"check": code, "result": result},
    )
    audit.record(
        session,
        actor=Actor.of(actor),
        action="application.attest",
        object_type="loan_application",
        object_id=app.id,
        detail={"check": code, "passed": passed},
    )
    return app


def recheck(
    session: Session,
    *,
    actor: Principal,
    application_id: int,
    version: int | None = None,
    on: date | None = None,
) -> Application:
    """Run the five standards again from the records (after a list entry was lifted, say)."""
    app = load(session, actor, application_id, version)
    _reviewable(actor, app)
    if app.consent_mode == "granted" and not consents.tenant_may(
        session, app.bank_tenant_id, app.enterprise_id, "records"
    ):  # the records are read again: not once the enterprise withdrew its consent
        raise ConsentRequired(
            "企业已撤销（或已过期）对本行的授权，不能按最新记录重新核验；"
            "已有的核验结论保留在申请档案中"
        )
    day = on or clock.today()
    provided = {m.code for m in repo.materials(session, app.id) if m.status == "provided"}
    rerun_checks(session, app, day, provided)
    save(session, app)
    state = State(app.state)
    add_event(session, app, actor, "recheck", state, state, day, "", {})
    return app
