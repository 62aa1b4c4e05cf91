"""Reading applications: the queue by deadline (overdue first, then working days left), one
application with everything a reviewer needs on one screen, and the same for an operator at the
console. Never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.applications import repository as repo
from zhixin.applications import rules, standards
from zhixin.applications.models import Application
from zhixin.applications.rules import STATE_LABELS, State
from zhixin.applications.schemas import (
    ApplicationDetail,
    ApplicationOut,
    CheckOut,
    ConsentStandingOut,
    ConsultationBrief,
    EventOut,
    MaterialOut,
    QueueOut,
    TermsOut,
)
from zhixin.applications.service import (
    CONSULTATION_LABELS,
    NOT_FOUND,
    get,
    may_see,
    scope_of,
)
from zhixin.consent import rules as consent_rules
from zhixin.consent import service as consents
from zhixin.enterprises import service as enterprises
from zhixin.errors import Invalid, NotFound
from zhixin.kit import clock
from zhixin.workdays import service as workdays
from zhixin.workdays.rules import UnknownYear


def _clock(app: Application, day: date, calendar: Any) -> tuple[int | None, bool, str | None]:
    """(working days left, overdue, a note when the calendar cannot say)."""
    if app.deadline is None:
        return None, False, app.deadline_note
    overdue = rules.is_overdue(day, app.deadline, State(app.state))
    if State(app.state) not in rules.OPEN:
        return None, False, app.deadline_note
    try:
        return rules.workdays_left(calendar, day, app.deadline), overdue, app.deadline_note
    except UnknownYear as exc:
        return None, overdue, str(exc)


def to_out(
    app: Application, names: dict[int, tuple[str, str]], day: date, calendar: Any
) -> ApplicationOut:
    left, overdue, note = _clock(app, day, calendar)
    name, uscc = names.get(app.enterprise_id, (f"经营主体 {app.enterprise_id}", ""))
    return ApplicationOut(
        id=app.id,
        enterprise_id=app.enterprise_id,
        enterprise_name=name,
        uscc=uscc,
        bank_code=app.bank_code,
        bank_name=app.bank_name,
        product_code=app.product_code,
        product_name=app.product_name,
        product_kind=app.product_kind,
        product_version_id=app.product_version_id,
        quote_id=app.quote_id,
        evaluation_run_id=app.evaluation_run_id,
        whitelist_version=app.whitelist_version,
        listed=app.listed,
        amount=app.amount,
        term_months=app.term_months,
        method=app.method,
        purpose=app.purpose,
        use_of_funds=app.use_of_funds,
        annual_sales=app.annual_sales,
        invoicing_growth=app.invoicing_growth,
        consent_mode=app.consent_mode,
        consent_scope=app.consent_scope,
        consent_expires_on=app.consent_expires_on,
        state=app.state,
        state_label=STATE_LABELS[State(app.state)],
        version=app.version,
        submitted_at=app.submitted_at,
        submitted_on=app.submitted_on,
        accepted_on=app.accepted_on,
        fast_lane_days=app.fast_lane_days,
        deadline=app.deadline,
        deadline_note=note,
        workdays_left=left,
        overdue=overdue,
        decided_on=app.decided_on,
        decision_days=app.decision_days,
        decision_workdays=app.decision_workdays,
        on_time=app.on_time,
        approved_amount=app.approved_amount,
        approved_rate=app.approved_rate,
        recommendation=app.recommendation,
        review_note=app.review_note,
        reject_codes=list(app.reject_codes or []),
        reject_labels=[rules.REJECT_REASONS.get(c, c) for c in app.reject_codes or []],
        reject_note=app.reject_note,
        resubmission_of_id=app.resubmission_of_id,
        eligible=(app.terms or {}).get("eligible"),
    )


def mark_revoked(
    session: Session, apps: Sequence[Application], items: Sequence[ApplicationOut]
) -> None:
    """Each open application whose enterprise revoked its grant to the application's bank (and
    granted none since) carries the revocation: the queue and the page show it on every one,
    whichever way the application was authorised (issue 21 item 9)."""
    open_states = {s.value for s in rules.OPEN}
    by_bank: dict[int, list[int]] = {}
    for app in apps:
        if app.state in open_states:
            by_bank.setdefault(app.bank_tenant_id, []).append(app.enterprise_id)
    revoked = {
        bank: consents.revoked_without_grant(session, bank, firms)
        for bank, firms in by_bank.items()
    }
    for app, item in zip(apps, items, strict=True):
        if app.state in open_states:
            item.consent_revoked_at = revoked[app.bank_tenant_id].get(app.enterprise_id)


def queue(
    session: Session,
    *,
    actor: Principal,
    on: date | None = None,
    states: Sequence[str] | None = None,
    overdue_only: bool = False,
    limit: int = 500,
) -> QueueOut:
    """The actor's applications, overdue first, then by working days left to the deadline,
    then without a deadline (oldest first). Counts cover everything the actor may see."""
    bank_id, enterprise_id = scope_of(actor)
    region = enterprises.jurisdiction(session, actor)  # a regulator's 辖区
    return _queue(session, bank_id, enterprise_id, on, states, overdue_only, limit, region)


def operator_queue(
    session: Session,
    *,
    bank_code: str | None = None,
    on: date | None = None,
    states: Sequence[str] | None = None,
    overdue_only: bool = False,
    limit: int = 5000,
) -> QueueOut:
    """The same queue for an operator at the console (``zhixin applications list``): every
    bank, or one bank by its tenant code."""
    bank_id = None
    if bank_code:
        tenant = repo.tenant_by_code(session, bank_code)
        if tenant is None or tenant.kind != TenantKind.bank:
            raise NotFound(f"未找到银行机构 {bank_code}")
        bank_id = tenant.id
    return _queue(session, bank_id, None, on, states, overdue_only, limit)


def _queue(
    session: Session,
    bank_id: int | None,
    enterprise_id: int | None,
    on: date | None,
    states: Sequence[str] | None,
    overdue_only: bool,
    limit: int,
    region: str | None = None,
) -> QueueOut:
    day = on or clock.today()
    unknown = [s for s in states or () if s not in STATE_LABELS]
    if unknown:
        raise Invalid(f"未知的申请状态：{'、'.join(unknown)}（可选：{'、'.join(STATE_LABELS)}）")
    wanted = list(states) if states else None
    if overdue_only:
        wanted = [s.value for s in rules.OPEN if not states or s.value in states]
    stmt = repo.scoped(
        bank_tenant_id=bank_id, enterprise_id=enterprise_id, states=wanted, region_prefix=region
    )
    rows = repo.listing(session, stmt, limit)
    calendar = workdays.calendar(session)
    names = repo.enterprise_names(session, [a.enterprise_id for a in rows])
    items = [to_out(a, names, day, calendar) for a in rows]
    mark_revoked(session, rows, items)
    if overdue_only:
        items = [i for i in items if i.overdue]
    items.sort(
        key=lambda i: rules.queue_key(
            left=i.workdays_left,
            due=i.deadline,
            overdue=i.overdue,
            submitted=i.submitted_on,
            ident=i.id,
        )
    )
    open_states = {s.value for s in rules.OPEN}
    open_items = [i for i in items if i.state in open_states]
    return QueueOut(
        today=day,
        total=len(items),
        overdue=sum(1 for i in items if i.overdue),
        due_today=sum(1 for i in open_items if i.deadline == day),
        fast_lane=sum(1 for i in open_items if i.fast_lane_days),
        counts=repo.state_counts(
            session, bank_tenant_id=bank_id, enterprise_id=enterprise_id, region_prefix=region
        ),
        items=items,
    )


def detail(
    session: Session, *, actor: Principal, application_id: int, on: date | None = None
) -> ApplicationDetail:
    app = get(session, actor=actor, application_id=application_id)
    return _detail(session, app, actor, on or clock.today())


def operator_detail(session: Session, *, application_id: int) -> ApplicationDetail:
    """One application for an operator at the console (``zhixin applications show``)."""
    app = repo.by_id(session, application_id)
    if app is None:
        raise NotFound(NOT_FOUND)
    return _detail(session, app, None, clock.today())


def _detail(
    session: Session, app: Application, actor: Principal | None, day: date
) -> ApplicationDetail:
    names = repo.enterprise_names(session, [app.enterprise_id])
    base = to_out(app, names, day, workdays.calendar(session))
    mark_revoked(session, [app], [base])
    check_rows = repo.checks(session, app.id)
    users = repo.user_names(session, [c.decided_by_id for c in check_rows if c.decided_by_id])
    checks = [
        CheckOut(
            code=c.code,
            label=c.label,
            status=c.status,
            status_label=standards.STATUS_LABELS[standards.Status(c.status)],
            source=c.source,
            source_label=standards.SOURCE_LABELS[standards.Source(c.source)],
            evidence=list(c.evidence or []),
            note=c.note,
            decided_by=users.get(c.decided_by_id) if c.decided_by_id else None,
        )
        for c in check_rows
    ]
    materials = [
        MaterialOut(
            code=m.code,
            label=m.label,
            required=m.required,
            status=m.status,
            status_label=rules.MATERIAL_STATUS.get(m.status, m.status),
            hint=rules.MATERIALS[m.code].hint if m.code in rules.MATERIALS else "",
            note=m.note,
            request_note=m.request_note,
        )
        for m in repo.materials(session, app.id)
    ]
    events = [
        EventOut(
            action=e.action,
            action_label=rules.ACTION_LABELS.get(e.action, e.action),
            from_state=e.from_state,
            to_state=e.to_state,
            to_label=STATE_LABELS[State(e.to_state)],
            actor_name=e.actor_name,
            at=e.at,
            on=e.event_on,
            reason=e.reason,
            detail=dict(e.detail or {}),
        )
        for e in repo.events(session, app.id)
    ]
    actions = [a.value for a in actions_for(actor, app)] if actor is not None else []
    cons = repo.consultation_of(session, app.id)
    brief = (
        ConsultationBrief(
            id=cons.id,
            status=cons.status,
            status_label=CONSULTATION_LABELS.get(cons.status, cons.status),
            plan=cons.plan,
        )
        if cons
        else None
    )
    return ApplicationDetail(
        **base.model_dump(),
        consent_standing=consent_standing(session, app),
        terms=TermsOut.model_validate(app.terms),
        checks=checks,
        materials=materials,
        events=events,
        actions=actions,
        resubmissions=[r.id for r in repo.resubmissions_of(session, app.id)],
        consultation=brief,
    )


def consent_standing(session: Session, app: Application) -> ConsentStandingOut:
    """The application's authorisation now: still in force, expired, or revoked by the
    enterprise after it applied — and whether the bank may read the records (by any grant)."""
    readable = consents.tenant_may(session, app.bank_tenant_id, app.enterprise_id, "records")
    st = (
        consents.standing(
            session,
            consent_id=app.consent_id,
            tenant_id=app.bank_tenant_id,
            enterprise_id=app.enterprise_id,
        )
        if app.consent_mode == "granted" and app.consent_id is not None
        else None
    )
    if st is None:
        mode, state, label, revoked_at, changed = "attested", "attested", "签章授权书", None, None
    else:
        mode, state, label, revoked_at = "granted", st.state, st.state_label, st.revoked_at
        changed = (
            consent_rules.day_of(revoked_at) if revoked_at is not None else app.consent_expires_on
        )
    return ConsentStandingOut(
        mode=mode,
        state=state,
        state_label=label,
        revoked_at=revoked_at,
        records_readable=readable,
        note=consent_rules.reading_note(
            mode=mode,
            state=state,
            bank=app.bank_name,
            changed_on=changed,
            records_readable=readable and state != "active",
        ),
    )


def actions_for(actor: Principal, app: Application) -> list[rules.Action]:
    """What this actor may do to this application now (bank actions only on its own bank's,
    the enterprise's only on its own)."""
    if not may_see(actor, app):
        return []
    perms = [p for p in Permission if actor.can(p)]
    if actor.tenant_kind not in (TenantKind.bank, TenantKind.enterprise):
        return []
    return rules.available(
        State(app.state),
        actor_id=actor.user_id,
        permissions=perms,
        reviewed_by_id=app.reviewed_by_id,
    )
