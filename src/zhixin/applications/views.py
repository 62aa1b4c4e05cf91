"""Pages: apply, track and answer material requests (enterprise); the queue by deadline and the
one-screen review (officer); approve or reject (approver); the consultation queue and plan
(task force). The same service calls as the API.

A refused action (a missing reason, materials not in, someone else got there first) shows the
application again with the message: the failed transaction is rolled back first, so the page
reads what is really stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.applications import acts, consultation, reading, service
from zhixin.applications.rules import MATERIALS, REJECT_REASONS, STATE_LABELS, checklist
from zhixin.applications.schemas import ApplicationIn
from zhixin.applications.workflow import Inputs
from zhixin.consent import rules as consent_rules
from zhixin.errors import Conflict, Invalid, NotFound, ZhixinError
from zhixin.evaluation import service as evaluation
from zhixin.kit import clock, validation
from zhixin.loans import service as loans
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.terms import Method
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.application_read))]
Submitter = Annotated[Principal, Depends(require(Permission.application_submit))]
Actor = Annotated[
    Principal,
    Depends(
        require(
            Permission.application_submit,
            Permission.application_review,
            Permission.application_approve,
        )
    ),
]
TaskForce = Annotated[Principal, Depends(require(Permission.consultation_manage))]
WAN = Decimal(10000)


# -- the list and the form -----------------------------------------------------------------


@router.get("/applications", response_class=HTMLResponse)
def list_page(
    request: Request, db: DB, principal: Reader, state: str = "", overdue: bool = False
) -> Response:
    q = reading.queue(db, actor=principal, states=[state] if state else None, overdue_only=overdue)
    return render(
        request,
        "applications.html",
        q=q,
        states=STATE_LABELS,
        state=state,
        overdue=overdue,
        may_apply=principal.can(Permission.application_submit),
    )


def _choices(principal: Principal, db: DB) -> list[tuple[str, str, str, str]]:
    """(code, name, bank, kind) of the products this actor may apply for."""
    own_bank = None
    if principal.tenant_kind == TenantKind.bank:
        own_bank = service.bank_code_of(db, principal.tenant_id)
    return [
        (p.code, p.name, p.bank_name, p.kind)
        for _v, p in products.all_current(db)
        if own_bank is None or p.bank_code == own_bank
    ]


def _form(
    request: Request,
    db: DB,
    principal: Principal,
    values: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
    unit_question: dict[str, Any] | None = None,
) -> Response:
    today = clock.today()
    return render(
        request,
        "application_new.html",
        status_code=status_code,
        products=_choices(principal, db),
        methods=list(Method),
        materials=checklist(
            "组合", by_officer=principal.tenant_kind == TenantKind.bank, invoicing_rule=True
        ),
        scopes=consent_rules.SCOPES,
        default_expiry=consent_rules.default_expiry(today).isoformat(),
        max_expiry=consent_rules.add_years(today, consent_rules.MAX_YEARS).isoformat(),
        by_officer=principal.tenant_kind == TenantKind.bank,
        values=values,
        error=error,
        unit_question=unit_question,
    )


@router.get("/applications/new", response_class=HTMLResponse)
def new_page(
    request: Request,
    db: DB,
    principal: Submitter,
    product: str = "",
    enterprise_id: int | None = None,
    resubmission_of: int | None = None,
    amount: str = "",
    term: int | None = None,
    method: str = "",
) -> Response:
    # amount (万元), term and method prefill the form when coming from a quote ("按此测算申请")
    values: dict[str, Any] = {
        "product": product,
        "enterprise_id": enterprise_id or "",
        "resubmission_of": resubmission_of or "",
        "amount": amount[:20],
        "term": term or 12,
        "method": method,
        "materials": [],
    }
    if resubmission_of is not None:
        original = reading.detail(db, actor=principal, application_id=resubmission_of)
        values |= {
            "amount": str((original.amount / WAN).normalize()),
            "term": original.term_months,
            "method": original.method,
            "purpose": original.purpose,
            "use_of_funds": original.use_of_funds,
            "enterprise_id": original.enterprise_id,
        }
    return _form(request, db, principal, values)


@dataclass(frozen=True)
class Posted:
    values: dict[str, str]
    materials: list[str]
    codes: list[str]
    provided: list[str]


async def _posted(request: Request) -> Posted:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}

    def many(name: str) -> list[str]:
        return [v for v in form.getlist(name) if isinstance(v, str)]

    return Posted(values, many("materials"), many("codes"), many("provided"))


def _wan(text: str, what: str) -> Decimal | None:
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text) * WAN
    except InvalidOperation:
        raise Invalid(f"{what}不是数字：{text}") from None
    if not value.is_finite():
        raise Invalid(f"{what}不是数字：{text}")
    return value.quantize(Decimal("0.01"))


LABELS = {
    "product_code": "产品",
    "enterprise_id": "申请企业",
    "amount": "申请金额",
    "term_months": "期限",
    "method": "还款方式",
    "purpose": "借款用途",
    "use_of_funds": "资金使用计划",
    "annual_sales": "上年度销售收入",
    "invoicing_growth": "季度开票增长率",
    "consent_expires_on": "授权截止日",
}


def _form_in(p: Posted, enterprise_id: int | None) -> ApplicationIn:
    v = p.values
    data: dict[str, Any] = {
        "product_code": v.get("product", ""),
        "enterprise_id": enterprise_id,
        "amount": _wan(v.get("amount", ""), "申请金额"),
        "term_months": v.get("term", ""),
        "method": v.get("method", ""),
        "purpose": v.get("purpose", ""),
        "use_of_funds": v.get("use_of_funds", ""),
        "annual_sales": _wan(v.get("annual_sales", ""), "上年度销售收入"),
        "invoicing_growth": v.get("invoicing_growth", "").strip() or None,
        "consent_scope": v.get("consent_scope", "records"),
        "consent_expires_on": v.get("consent_expires_on") or None,
        "authorisation_attested": v.get("authorisation_attested") == "yes",
        "materials": p.materials,
        "material_notes": {c: v[f"note_{c}"] for c in MATERIALS if v.get(f"note_{c}", "").strip()},
        "resubmission_of": v.get("resubmission_of") or None,
    }
    if data["amount"] is None:
        raise Invalid("请填写申请金额（万元）")
    try:
        return ApplicationIn.model_validate(data)
    except ValidationError as exc:
        labels = validation.labels_of(ApplicationIn) | LABELS
        raise Invalid("请检查填写内容：" + validation.as_text(exc.errors(), labels)) from None


def _unit_question(db: DB, posted: Posted) -> dict[str, Any] | None:
    """The question to ask when the amount typed (万元) is implausible for the product, else
    None. The answer comes back as ``unit_answer``: "yuan" divides the figure by 10,000 (the
    form is then taken as corrected), "wan" keeps it."""
    answer = posted.values.pop("unit_answer", "")
    if answer == "yuan":
        typed = _wan(posted.values.get("amount", ""), "申请金额")
        if typed is not None:
            posted.values["amount"] = str((typed / WAN / WAN).normalize())
        return None
    if answer == "wan":
        return None
    code = posted.values.get("product", "")
    if code not in {c for c, *_ in _choices_all(db)}:
        return None  # the service names an unknown product
    try:
        amount = _wan(posted.values.get("amount", ""), "申请金额")
    except Invalid:
        return None  # the form's own check says it
    _row, product = products.current(db, code)
    if amount is None or not product_rules.looks_like_yuan(amount, product.amount.max):
        return None
    return {
        "typed": amount / WAN,
        "as_yuan": amount / WAN / WAN,
        "max": product.amount.max / WAN,
        "product": product.name,
    }


def _choices_all(db: DB) -> list[tuple[str, str]]:
    return [(p.code, p.name) for _v, p in products.all_current(db)]


@router.post("/applications/new")
def submit_form(
    request: Request, db: DB, principal: Submitter, posted: Annotated[Posted, Depends(_posted)]
) -> Response:
    values: dict[str, Any] = dict(posted.values) | {"materials": posted.materials}
    question = _unit_question(db, posted)
    if question is not None:  # "您是否输入的是元？" before anything is submitted
        values["amount"] = posted.values.get("amount", "")
        return _form(request, db, principal, values, unit_question=question, status_code=422)
    values["amount"] = posted.values.get("amount", "")
    try:
        enterprise_id = None
        if principal.tenant_kind != TenantKind.enterprise:
            raw = posted.values.get("enterprise_id", "").strip()
            enterprise_id = service.resolve_enterprise(
                db,
                enterprise_id=int(raw) if raw.isdigit() else None,
                uscc=posted.values.get("uscc", "").strip() or None,
            )
        app = service.submit(db, actor=principal, form=_form_in(posted, enterprise_id))
    except (Invalid, Conflict, NotFound) as exc:
        db.rollback()
        return _form(request, db, principal, values, error=exc.message, status_code=exc.status)
    return RedirectResponse(f"/applications/{app.id}", status_code=303)


# -- one application -----------------------------------------------------------------------


def _evaluation(db: DB, principal: Principal, run_id: int | None, enterprise_id: int) -> Any:
    if run_id is None or not principal.can(Permission.evaluation_read):
        return None
    try:
        return evaluation.enterprise_result(
            db, actor=principal, run_id=run_id, enterprise_id=enterprise_id, with_records=False
        )
    except ZhixinError:
        return None


def _page(
    request: Request,
    db: DB,
    principal: Principal,
    application_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    a = reading.detail(db, actor=principal, application_id=application_id)
    contract = (
        loans.contract_of_application(db, actor=principal, application_id=a.id)
        if a.state == "contracted" and principal.can(Permission.loan_read)
        else None
    )
    return render(
        request,
        "application.html",
        status_code=status_code,
        a=a,
        contract=contract,
        ex=_evaluation(db, principal, a.evaluation_run_id, a.enterprise_id),
        acts=acts.ACTS,
        reasons=REJECT_REASONS,
        scopes=consent_rules.SCOPES,
        error=error,
    )


@router.get("/applications/{application_id}", response_class=HTMLResponse)
def show(request: Request, application_id: int, db: DB, principal: Reader) -> Response:
    return _page(request, db, principal, application_id)


def _inputs(p: Posted) -> Inputs:
    """The posted form as an act's inputs: every act's fields, each act reads its own (the
    approved amount is typed in 万元)."""
    v = p.values
    raw = v.get("version", "").strip()
    return Inputs(
        version=int(raw) if raw.isdigit() else None,
        note=v.get("note", ""),
        codes=p.codes,
        provided=p.provided,
        notes={c: v[f"note_{c}"] for c in MATERIALS if v.get(f"note_{c}", "").strip()},
        recommendation=v.get("recommendation", ""),
        amount=_wan(v.get("amount", ""), "批准金额"),
        code=v.get("code", ""),
        passed=v.get("passed") == "yes",
    )


@router.post("/applications/{application_id}/act/{action}")
def act(
    request: Request,
    application_id: int,
    action: str,
    db: DB,
    principal: Actor,
    posted: Annotated[Posted, Depends(_posted)],
) -> Response:
    """Any act of :data:`acts.ACTS` from the page; a refusal shows the page with the message."""
    found = acts.ACTS.get(action)
    if found is None:
        raise NotFound("未知的操作")
    try:
        if found.confirm and posted.values.get("confirm") != "yes":
            raise Invalid(f"请勾选确认后再{found.confirm}")
        acts.perform(
            db, action, actor=principal, application_id=application_id, inputs=_inputs(posted)
        )
    except (Invalid, Conflict) as exc:
        db.rollback()
        return _page(
            request, db, principal, application_id, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(f"/applications/{application_id}", status_code=303)


# -- consultations -------------------------------------------------------------------------


@router.get("/consultations", response_class=HTMLResponse)
def consultations_page(
    request: Request, db: DB, principal: TaskForce, status: str = ""
) -> Response:
    q = consultation.queue(db, actor=principal, status=status or None)
    return render(
        request, "consultations.html", q=q, status=status, labels=service.CONSULTATION_LABELS
    )


def _consultation_page(
    request: Request,
    db: DB,
    principal: Principal,
    consultation_id: int,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    c = consultation.detail(db, actor=principal, consultation_id=consultation_id)
    return render(request, "consultation.html", c=c, error=error, status_code=status_code)


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse)
def consultation_page(
    request: Request, consultation_id: int, db: DB, principal: TaskForce
) -> Response:
    return _consultation_page(request, db, principal, consultation_id)


@router.post("/consultations/{consultation_id}/{action}")
def consultation_act(
    request: Request,
    consultation_id: int,
    action: str,
    db: DB,
    principal: TaskForce,
    plan: Annotated[str, Form(max_length=4000)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    try:
        if action == "plan":
            consultation.record_plan(
                db, actor=principal, consultation_id=consultation_id, plan=plan
            )
        elif action == "recompute":
            consultation.recompute(db, actor=principal, consultation_id=consultation_id)
        elif action == "close":
            if confirm != "yes":
                raise Invalid("请勾选确认后再结案")
            consultation.close(db, actor=principal, consultation_id=consultation_id, note=note)
        else:
            raise NotFound("未知的操作")
    except (Invalid, Conflict) as exc:
        db.rollback()
        return _consultation_page(
            request, db, principal, consultation_id, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(f"/consultations/{consultation_id}", status_code=303)
