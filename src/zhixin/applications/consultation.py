"""联合会诊 (joint consultation): a refused application is not the end.

Each rejection opens a consultation in the task force's queue with remedies the platform
computes (:mod:`zhixin.applications.remedies`): the quality elements that would raise the grade
(the evaluation's advice), guarantee products (保证担保) that could cover the gap and other
products the enterprise is eligible for (every current product decided for it on the day), and
the materials to complete. The task force records the plan; a resubmission links to the
refused application, and its approval resolves the consultation, with the time to resolution
in working days (seed 002: 55 refused firms, all approved within 5 working days). Never commits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.applications import remedies
from zhixin.applications import repository as repo
from zhixin.applications.models import Application, Consultation
from zhixin.applications.rules import REJECT_REASONS
from zhixin.applications.schemas import ConsultationOut, ConsultationQueueOut, SuggestionOut
from zhixin.applications.service import CONSULTATION_LABELS
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound, ZhixinError
from zhixin.evaluation import service as evaluation
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.lpr import service as lpr
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.terms import Decision, Method, QuoteRequest
from zhixin.quotes.facts import gather
from zhixin.workdays import service as workdays
from zhixin.workdays.rules import UnknownYear

NOT_FOUND = "未找到该会诊记录 / consultation not found"
TARGET_WORKDAYS = 5  # seed 002: the refused firms were all approved within 5 working days
ACTIVE = ("open", "planned")


def _require(actor: Principal) -> None:
    if not actor.can(Permission.consultation_manage):
        raise Forbidden("只有融资协调工作专班可以处理联合会诊")


# -- remedies ------------------------------------------------------------------------------


def _decision_of(terms: dict[str, Any]) -> Decision:
    """The refused application's frozen decision, enough for the gap."""
    return Decision(
        eligible=bool(terms.get("eligible")),
        reasons=tuple(terms.get("reasons") or ()),
        limit=Decimal(str(terms.get("limit", "0"))),
        limit_factors=(),
        lpr_tenor=str(terms.get("lpr_tenor") or "1y"),
        lpr=Decimal(str(terms.get("lpr") or "0")),
        rate=Decimal(str(terms.get("rate", "0"))),
        rate_components=(),
    )


def _options(
    session: Session, app: Application, day: date
) -> tuple[list[remedies.ProductOption], list[str]]:
    """Every current product decided for the enterprise on ``day`` (facts gathered once per
    catalog), for the same amount, term and method."""
    notes: list[str] = []
    try:
        rates = lpr.rates_on(session, day)
    except ZhixinError as exc:
        return [], [f"无法测算其他产品：{exc.message}"]
    request = QuoteRequest(
        amount=app.amount,
        term_months=app.term_months,
        method=Method(app.method),
        on=day,
        annual_sales=app.annual_sales,
        invoicing_growth=app.invoicing_growth,
    )
    facts_by_catalog: dict[str, Any] = {}
    out = []
    for _version, product in products.all_current(session):
        try:
            if product.catalog not in facts_by_catalog:
                facts_by_catalog[product.catalog] = gather(
                    session, app.enterprise_id, day, product.catalog
                )
            decision = product_rules.decide(
                product,
                facts_by_catalog[product.catalog],
                request,
                {"1y": rates.one_year, "5y": rates.five_year},
            )
        except ZhixinError as exc:
            notes.append(f"{product.name}：{exc.message}")
            continue
        out.append(
            remedies.ProductOption(
                product.code, product.name, product.bank_name, product.kind, decision
            )
        )
    return out, notes


def _advice(
    session: Session, actor: Principal, app: Application
) -> tuple[list[tuple[str, str]], list[str]]:
    if app.evaluation_run_id is None:
        return [], ["该企业尚无已发布的质量信誉评价结果，可向市场监管部门申请参加评价"]
    try:
        ex = evaluation.enterprise_result(
            session,
            actor=actor,
            run_id=app.evaluation_run_id,
            enterprise_id=app.enterprise_id,
            with_records=False,  # the advice only
        )
    except ZhixinError as exc:
        return [], [f"无法读取评价建议：{exc.message}"]
    return [(d.name, d.advice.text) for d in ex.dimensions if d.advice], []


def compute(session: Session, actor: Principal, app: Application, day: date) -> dict[str, Any]:
    options, notes = _options(session, app, day)
    advice, more = _advice(session, actor, app)
    missing = [
        m.label for m in repo.materials(session, app.id) if m.status != "provided" and m.required
    ]
    if "materials" in (app.reject_codes or []) and not missing:
        missing = [m.label for m in repo.materials(session, app.id) if m.status != "provided"]
    found = remedies.suggest(
        amount=app.amount,
        original_code=app.product_code,
        original=_decision_of(app.terms),
        options=options,
        advice=advice,
        missing_materials=missing,
    )
    return {
        "computed_on": day.isoformat(),
        "gap": str(found.gap),
        "suggestions": [
            SuggestionOut(
                kind=s.kind,
                kind_label=remedies.KIND_LABELS[s.kind],
                title=s.title,
                detail=s.detail,
                product_code=s.product_code,
                limit=s.limit,
                rate=s.rate,
                covers=s.covers,
            ).model_dump(mode="json")
            for s in found.all
        ],
        "notes": notes + more,
    }


def open_for(session: Session, actor: Principal, app: Application, day: date) -> Consultation:
    """A rejected application enters the queue (once)."""
    existing = repo.consultation_of(session, app.id)
    if existing is not None:
        return existing
    cons = Consultation(
        application_id=app.id,
        enterprise_id=app.enterprise_id,
        status="open",
        opened_at=utcnow(),
        opened_on=day,
        remedies=compute(session, actor, app, day),
    )
    session.add(cons)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="consultation.open",
        object_type="consultation",
        object_id=cons.id,
        detail={"application_id": app.id, "suggestions": len(cons.remedies["suggestions"])},
    )
    return cons


def resolve_by(session: Session, app: Application, day: date) -> list[Consultation]:
    """An approved resubmission resolves the consultations of the refusals it follows."""
    resolved = []
    seen: set[int] = set()
    parent_id = app.resubmission_of_id
    while parent_id is not None and parent_id not in seen:
        seen.add(parent_id)
        cons = repo.consultation_of(session, parent_id)
        if cons is not None and cons.status in ACTIVE:
            cons.status = "resolved"
            cons.resolved_by_application_id = app.id
            cons.resolved_on = day
            cons.resolution_days = (day - cons.opened_on).days
            try:
                cons.resolution_workdays = workdays.calendar(session).workdays_between(
                    cons.opened_on, day
                )
            except UnknownYear:
                cons.resolution_workdays = None
            resolved.append(cons)
        parent = repo.by_id(session, parent_id)
        parent_id = parent.resubmission_of_id if parent is not None else None
    session.flush()
    return resolved


# -- the task force ------------------------------------------------------------------------


def _get(session: Session, actor: Principal, consultation_id: int) -> Consultation:
    _require(actor)
    cons = repo.consultation_by_id(session, consultation_id)
    if cons is None:
        raise NotFound(NOT_FOUND)
    return cons


def to_out(
    session: Session, cons: Consultation, app: Application, names: dict[int, tuple[str, str]]
) -> ConsultationOut:
    rem = cons.remedies or {}
    return ConsultationOut(
        id=cons.id,
        application_id=app.id,
        enterprise_id=app.enterprise_id,
        enterprise_name=names.get(app.enterprise_id, (f"经营主体 {app.enterprise_id}", ""))[0],
        bank_name=app.bank_name,
        product_name=app.product_name,
        amount=app.amount,
        reject_labels=[REJECT_REASONS.get(c, c) for c in app.reject_codes or []],
        reject_note=app.reject_note,
        status=cons.status,
        status_label=CONSULTATION_LABELS.get(cons.status, cons.status),
        opened_on=cons.opened_on,
        gap=Decimal(rem["gap"]) if rem.get("gap") is not None else None,
        suggestions=[SuggestionOut.model_validate(s) for s in rem.get("suggestions", [])],
        notes=list(rem.get("notes", [])),
        plan=cons.plan,
        planned_at=cons.planned_at,
        resubmissions=[r.id for r in repo.resubmissions_of(session, app.id)],
        resolved_by_application_id=cons.resolved_by_application_id,
        resolved_on=cons.resolved_on,
        resolution_days=cons.resolution_days,
        resolution_workdays=cons.resolution_workdays,
        closed_note=cons.closed_note,
    )


def queue(session: Session, *, actor: Principal, status: str | None = None) -> ConsultationQueueOut:
    _require(actor)
    every = repo.consultations(session, None)
    rows = [c for c in every if status is None or c.status == status]
    apps = repo.applications_by_ids(session, [c.application_id for c in rows])
    names = repo.enterprise_names(session, [a.enterprise_id for a in apps.values()])
    resolved = [c for c in every if c.status == "resolved" and c.resolution_workdays is not None]
    average: Decimal | None = None
    if resolved:
        total = sum((Decimal(c.resolution_workdays or 0) for c in resolved), Decimal(0))
        average = (total / len(resolved)).quantize(Decimal("0.1"))
    return ConsultationQueueOut(
        total=len(every),
        open=sum(1 for c in every if c.status == "open"),
        planned=sum(1 for c in every if c.status == "planned"),
        resolved=sum(1 for c in every if c.status == "resolved"),
        closed=sum(1 for c in every if c.status == "closed"),
        resolved_within_5=sum(
            1 for c in resolved if (c.resolution_workdays or 0) <= TARGET_WORKDAYS
        ),
        average_workdays=average,
        items=[to_out(session, c, apps[c.application_id], names) for c in rows],
    )


def detail(session: Session, *, actor: Principal, consultation_id: int) -> ConsultationOut:
    cons = _get(session, actor, consultation_id)
    app = repo.by_id(session, cons.application_id)
    assert app is not None
    return to_out(session, cons, app, repo.enterprise_names(session, [app.enterprise_id]))


def record_plan(
    session: Session, *, actor: Principal, consultation_id: int, plan: str
) -> Consultation:
    """The task force's plan (方案): who does what — grade, guarantee, product, materials."""
    cons = _get(session, actor, consultation_id)
    if cons.status not in ACTIVE:
        raise Conflict(f"该会诊已{CONSULTATION_LABELS[cons.status]}，不能再修改方案")
    if not plan.strip():
        raise Invalid("方案不能为空")
    cons.plan = plan.strip()
    cons.planned_by_id = actor.user_id
    cons.planned_at = utcnow()
    cons.status = "planned"
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="consultation.plan",
        object_type="consultation",
        object_id=cons.id,
        detail={"application_id": cons.application_id},
    )
    return cons


def recompute(
    session: Session, *, actor: Principal, consultation_id: int, on: date | None = None
) -> Consultation:
    """Suggest again from today's records, products and grades."""
    cons = _get(session, actor, consultation_id)
    app = repo.by_id(session, cons.application_id)
    assert app is not None
    cons.remedies = compute(session, actor, app, on or clock.today())
    session.flush()
    return cons


def close(session: Session, *, actor: Principal, consultation_id: int, note: str) -> Consultation:
    """结案 without a loan (the enterprise gave up, or no remedy fits), with the reason."""
    cons = _get(session, actor, consultation_id)
    if cons.status not in ACTIVE:
        raise Conflict(f"该会诊已{CONSULTATION_LABELS[cons.status]}")
    if not note.strip():
        raise Invalid("结案须说明原因")
    cons.status = "closed"
    cons.closed_note = note.strip()
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="consultation.close",
        object_type="consultation",
        object_id=cons.id,
        detail={"note": note.strip()[:200]},
    )
    return cons
