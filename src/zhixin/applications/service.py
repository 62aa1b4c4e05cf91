"""Loan applications (贷款申请): intake, who sees what, the officer's queue, one application
with everything a reviewer needs. Transitions are in :mod:`zhixin.applications.workflow`,
joint consultation in :mod:`zhixin.applications.consultation`. Never commits.

Choices:
- Submission freezes what the application is decided on: a quote is made and stored through
  the quote service at that moment (hence the product version, the evaluation run and the
  whitelist version), and its decision is copied into ``terms``.
- Authorisation (授权): when the enterprise itself applies, submitting grants the bank the
  consent asked for through the consent service (an active consent already covering that
  scope until at least that day is reused). When an officer applies on the enterprise's
  behalf, the officer attests the enterprise's signed authorisation (授权书, also a required
  material); the platform cannot verify a paper signature, so no online consent is created:
  detailed records stay hidden from the bank until the enterprise grants one itself.
- Who sees an application: the bank whose product it is (its tenant), the enterprise it is
  for, the regulator and the task force; anyone else is told "not found".
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.applications import repository as repo
from zhixin.applications import rules, standards
from zhixin.applications.models import (
    Application,
    ApplicationCheck,
    ApplicationEvent,
    ApplicationMaterial,
)
from zhixin.applications.rules import STATE_LABELS, State
from zhixin.applications.schemas import (
    ApplicationIn,
    TermsOut,
)
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.consent import rules as consent_rules
from zhixin.consent import service as consents
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.products import service as products
from zhixin.products.terms import Collateral, CollateralKind, QuoteRequest
from zhixin.quotes import service as quotes
from zhixin.quotes.schemas import QuoteOut

NOT_FOUND = "未找到该贷款申请 / application not found"
CONSULTATION_LABELS = {
    "open": "待会诊",
    "planned": "已制定方案",
    "resolved": "已解决",
    "closed": "已结案",
}


# -- who sees what -------------------------------------------------------------------------


def may_see(actor: Principal, app: Application) -> bool:
    if not actor.can(Permission.application_read):
        return False
    if actor.tenant_kind == TenantKind.bank:
        return app.bank_tenant_id == actor.tenant_id
    if actor.tenant_kind == TenantKind.enterprise:
        return app.enterprise_id == actor.enterprise_id
    return actor.tenant_kind in (TenantKind.regulator, TenantKind.taskforce)


def get(session: Session, *, actor: Principal, application_id: int) -> Application:
    """One application; another bank's or another enterprise's is a 404 like a missing one."""
    if not actor.can(Permission.application_read):
        raise Forbidden("无权查看贷款申请")
    app = repo.by_id(session, application_id)
    if app is None or not may_see(actor, app):
        raise NotFound(NOT_FOUND)
    if actor.tenant_kind == TenantKind.regulator and not enterprises.visible(
        session, actor=actor, enterprise_id=app.enterprise_id
    ):
        raise NotFound(NOT_FOUND)  # outside the regulator's jurisdiction (辖区)
    return app


def scope_of(actor: Principal) -> tuple[int | None, int | None]:
    """(bank tenant, enterprise) an actor's lists are limited to."""
    if not actor.can(Permission.application_read):
        raise Forbidden("无权查看贷款申请")
    if actor.tenant_kind == TenantKind.bank:
        return actor.tenant_id, None
    if actor.tenant_kind == TenantKind.enterprise:
        return None, actor.enterprise_id if actor.enterprise_id is not None else -1
    if actor.tenant_kind in (TenantKind.regulator, TenantKind.taskforce):
        return None, None
    raise Forbidden("无权查看贷款申请")


# -- intake --------------------------------------------------------------------------------


def bank_code_of(session: Session, tenant_id: int) -> str | None:
    tenant = repo.tenant_by_id(session, tenant_id)
    return tenant.code if tenant is not None else None


def resolve_enterprise(session: Session, *, enterprise_id: int | None, uscc: str | None) -> int:
    """An applicant named by id or by 统一社会信用代码 (the officer's form takes either)."""
    return quotes.resolve_enterprise(session, enterprise_id=enterprise_id, uscc=uscc)


def _applicant(actor: Principal, form: ApplicationIn) -> int:
    if actor.tenant_kind == TenantKind.enterprise:
        if actor.enterprise_id is None:
            raise Forbidden("该企业账号未关联经营主体")
        if form.enterprise_id is not None and form.enterprise_id != actor.enterprise_id:
            raise NotFound("未找到该经营主体 / not found")
        return actor.enterprise_id
    if form.enterprise_id is None:
        raise Invalid("代企业申请须指明申请企业（enterprise_id）")
    return form.enterprise_id


def _original(session: Session, actor: Principal, original_id: int, enterprise_id: int) -> int:
    original = repo.by_id(session, original_id)
    if original is None or original.enterprise_id != enterprise_id:
        raise NotFound("未找到被拒绝的原申请 / not found")
    if original.state != State.rejected:
        raise Invalid(
            f"只能对已拒绝的申请重新申请（原申请当前为「{STATE_LABELS[State(original.state)]}」）"
        )
    return original.id


def _consent(
    session: Session,
    actor: Principal,
    enterprise_id: int,
    bank_tenant_id: int,
    form: ApplicationIn,
    day: date,
) -> tuple[str, int | None, date]:
    until = form.consent_expires_on or consent_rules.default_expiry(day)
    try:
        consent_rules.check_grant(scope=form.consent_scope, today=day, expires_on=until)
    except consent_rules.ConsentRefused as exc:
        raise Invalid(f"授权：{exc}") from exc
    if actor.tenant_kind != TenantKind.enterprise:
        if not form.authorisation_attested:
            raise Invalid("代企业申请须确认已取得企业签章的授权书（授权银行查询企业信息）")
        return "attested", None, until
    for c in consents.list_for_enterprise(session, actor=actor, enterprise_id=enterprise_id):
        covers = consent_rules.SCOPE_COVERS.get(c.scope, frozenset())
        needed = consent_rules.SCOPE_COVERS[form.consent_scope]
        if (
            c.tenant_id == bank_tenant_id
            and c.state == "active"
            and needed <= covers
            and c.expires_on >= until
        ):
            return "granted", c.id, c.expires_on
    granted = consents.grant(
        session,
        actor=actor,
        enterprise_id=enterprise_id,
        tenant_id=bank_tenant_id,
        scope=form.consent_scope,
        expires_on=until,
        on=day,
    )
    return "granted", granted.id, until


def _terms(q: QuoteOut) -> dict[str, Any]:
    """The quote's decision, frozen on the application."""
    frozen = TermsOut.model_validate(
        {
            "eligible": q.eligible,
            "reasons": q.reasons,
            "limit": q.limit,
            "rate": q.rate,
            "lpr": q.lpr,
            "lpr_tenor": q.lpr_tenor,
            "effective_class": q.grade.effective_class,
            "overall_class": q.grade.overall_class,
            "limit_factors": [f.model_dump() for f in q.limit_factors],
            "rate_components": [f.model_dump() for f in q.rate_components],
            "auto_rules": [f.model_dump() for f in q.auto_rules],
            "fast_lane_days": q.service.fast_lane_days,
            "covenant": q.service.covenant,
            "notes": q.notes,
            "risk_model": None
            if q.risk_model is None
            else {
                "code": q.risk_model.code,
                "version": q.risk_model.version,
                "reasons": [r.model_dump() for r in q.risk_model.reasons],
            },
        }
    )
    return frozen.model_dump(mode="json")


def subject_of(session: Session, enterprise_id: int) -> standards.Subject:
    """What the five standards read: the register and the current list entries and penalties."""
    ent = repo.enterprise(session, enterprise_id)
    if ent is None:
        raise NotFound("未找到该经营主体 / not found")
    entries, penalties = [], []
    for r in repo.list_entries_and_penalties(session, enterprise_id):
        if r.kind == "list_entry":
            entries.append(
                standards.ListEntry(
                    r.subtype or "", r.valid_from, r.valid_to, r.title, r.repaired_on
                )
            )
        elif r.repaired_on is None:
            penalties.append(standards.Penalty(r.event_date, r.level, r.subtype))
    return standards.Subject(ent.status, ent.established_on, tuple(entries), tuple(penalties))


def need_of(app: Application, provided: set[str]) -> standards.Need:
    return standards.Need(
        amount=app.amount,
        purpose=app.purpose,
        use_of_funds=app.use_of_funds,
        annual_sales=app.annual_sales,
        use_proof_provided="use_proof" in provided,
        premises_proof_provided="premises" in provided,
    )


def submit(
    session: Session, *, actor: Principal, form: ApplicationIn, on: date | None = None
) -> Application:
    """Apply for a product: the quote is made and frozen, the checklist drawn up, the five
    standards run, the authorisation granted or attested."""
    if not actor.can(Permission.application_submit):
        raise Forbidden("您的角色不能提交贷款申请")
    day = on or clock.today()
    enterprise_id = _applicant(actor, form)
    if repo.enterprise(session, enterprise_id) is None:
        raise NotFound("未找到该经营主体 / not found")
    version, product = products.current(session, form.product_code)
    bank = repo.tenant_by_code(session, product.bank_code)
    if bank is None or bank.kind != TenantKind.bank:
        raise Invalid(f"产品「{product.name}」所属银行尚未在平台开通，暂不能受理申请")
    if actor.tenant_kind == TenantKind.bank and actor.tenant_id != bank.id:
        raise Forbidden("客户经理只能代企业申请本行的产品")
    original_id = (
        _original(session, actor, form.resubmission_of, enterprise_id)
        if form.resubmission_of is not None
        else None
    )
    # an open application the product refused (ineligible) does not block a corrected one
    dup = next(
        (
            a
            for a in repo.open_for_product(
                session, enterprise_id, product.code, [s.value for s in rules.OPEN]
            )
            if (a.terms or {}).get("eligible") is not False
        ),
        None,
    )
    if dup is not None:
        raise Conflict(f"该企业已有一笔「{product.name}」的在办申请（#{dup.id}），请勿重复申请")
    mode, consent_id, consent_until = _consent(session, actor, enterprise_id, bank.id, form, day)
    request = QuoteRequest(
        amount=form.amount,
        term_months=form.term_months,
        method=form.method,
        on=day,
        annual_sales=form.annual_sales,
        collateral=tuple(
            Collateral(CollateralKind(c.kind), c.value or Decimal(0), c.valuation_id)
            for c in form.collateral
        ),
        invoicing_growth=form.invoicing_growth,
    )
    q = quotes.quote(
        session,
        actor=actor,
        product_code=product.code,
        enterprise_id=enterprise_id,
        request=request,
    )
    assert q.id is not None
    lane = rules.fast_lane_days(listed=q.grade.listed, product_days=q.service.fast_lane_days)
    app = Application(
        enterprise_id=enterprise_id,
        bank_tenant_id=bank.id,
        bank_code=product.bank_code,
        bank_name=product.bank_name,
        product_code=product.code,
        product_name=product.name,
        product_kind=product.kind,
        product_version_id=version.id,
        quote_id=q.id,
        evaluation_run_id=q.grade.evaluation_run_id,
        whitelist_version=q.grade.whitelist_version,
        listed=q.grade.listed,
        amount=form.amount,
        term_months=form.term_months,
        method=form.method.value,
        purpose=form.purpose.strip(),
        use_of_funds=form.use_of_funds.strip(),
        annual_sales=form.annual_sales,
        invoicing_growth=form.invoicing_growth,
        terms=_terms(q),
        consent_mode=mode,
        consent_scope=form.consent_scope,
        consent_expires_on=consent_until,
        consent_id=consent_id,
        state=State.submitted.value,
        submitted_by_id=actor.user_id,
        submitted_at=utcnow(),
        submitted_on=day,
        fast_lane_days=lane,
        reject_codes=[],
        resubmission_of_id=original_id,
        updated_at=utcnow(),
    )
    session.add(app)
    session.flush()
    by_officer = actor.tenant_kind != TenantKind.enterprise
    invoicing_rule = any("开票" in (f.label + f.reason) for f in q.auto_rules)
    specs = rules.checklist(product.kind, by_officer=by_officer, invoicing_rule=invoicing_rule)
    provided = set(form.materials)
    for spec in specs:
        session.add(
            ApplicationMaterial(
                application_id=app.id,
                code=spec.code,
                label=spec.label,
                required=spec.required,
                status="provided" if spec.code in provided else "missing",
                note=(form.material_notes.get(spec.code) or None),
                updated_by_id=actor.user_id,
                updated_at=utcnow(),
            )
        )
    for res in standards.run_all(subject_of(session, enterprise_id), need_of(app, provided), day):
        session.add(_check_row(app.id, res, None))
    add_event(session, app, actor, "submit", None, State.submitted, day, "", {"quote_id": q.id})
    audit.record(
        session,
        actor=Actor.of(actor),
        action="application.submit",
        object_type="loan_application",
        object_id=app.id,
        detail={
            "enterprise_id": enterprise_id,
            "product": product.code,
            "product_version_id": version.id,
            "quote_id": q.id,
            "amount": str(form.amount),
            "consent": mode,
            "resubmission_of": original_id,
        },
    )
    return app


def _check_row(application_id: int, res: standards.CheckResult, by: int | None) -> ApplicationCheck:
    return ApplicationCheck(
        application_id=application_id,
        code=res.code,
        label=res.label,
        status=res.status.value,
        source=res.source.value,
        evidence=list(res.evidence),
        note=res.note or None,
        decided_by_id=by,
        decided_at=utcnow(),
    )


def add_event(
    session: Session,
    app: Application,
    actor: Principal,
    action: str,
    from_state: State | None,
    to_state: State,
    day: date,
    reason: str,
    detail: dict[str, Any] | None = None,
) -> None:
    session.add(
        ApplicationEvent(
            application_id=app.id,
            action=action,
            from_state=from_state.value if from_state else None,
            to_state=to_state.value,
            actor_id=actor.user_id,
            actor_name=actor.display_name or actor.username,
            at=utcnow(),
            event_on=day,
            reason=reason or None,
            detail=detail or {},
        )
    )


def checks_of(session: Session, app: Application) -> list[standards.CheckResult]:
    return [
        standards.CheckResult(
            c.code,
            c.label,
            standards.Status(c.status),
            standards.Source(c.source),
            tuple(c.evidence or ()),
            c.note or "",
        )
        for c in repo.checks(session, app.id)
    ]


def limit_of(app: Application) -> Decimal:
    return Decimal(str(app.terms.get("limit", "0")))


def rerun_checks(session: Session, app: Application, day: date, provided: set[str]) -> None:
    """Run the five standards again; an attestation of a check the records still cannot decide
    is kept."""
    rows = {c.code: c for c in repo.checks(session, app.id)}
    fresh = standards.run_all(subject_of(session, app.enterprise_id), need_of(app, provided), day)
    for res in standards.merge_rerun(checks_of(session, app), fresh):
        row = rows[res.code]
        if (
            row.source == standards.Source.attested.value
            and res.source == standards.Source.attested
        ):
            continue
        row.status, row.source = res.status.value, res.source.value
        row.evidence, row.note = list(res.evidence), res.note or None
        row.decided_by_id, row.decided_at = None, utcnow()
