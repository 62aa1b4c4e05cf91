"""Pages: the quote form (/quotes/new), a quote (/quotes/{id}) and its schedule as XLSX."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated
from urllib.parse import quote as urlquote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.errors import Conflict, Invalid, NotFound, ZhixinError
from zhixin.kit import clock
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.terms import CollateralKind, Method
from zhixin.quotes import export, service
from zhixin.quotes.schemas import QuoteIn, input_problems
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Quoter = Annotated[Principal, Depends(require(Permission.quote_run))]
WAN = Decimal(10000)
COLLATERAL_ROWS = 3
UNITS = {"wan": ("万元", WAN), "yuan": ("元", Decimal(1))}


def _form_page(
    request: Request,
    db: DB,
    principal: Principal,
    *,
    values: Mapping[str, object],
    error: str | None = None,
    status_code: int = 200,
    unit_question: Mapping[str, object] | None = None,
) -> Response:
    own = principal.tenant_kind == TenantKind.enterprise
    fixed = None
    if own and principal.enterprise_id is not None:
        fixed = service.enterprise_brief(db, enterprise_id=principal.enterprise_id)
    choices = service.product_choices(db)
    chosen = next((p for p in choices if p.code == values.get("product")), None)
    return render(
        request,
        "quote_new.html",
        status_code=status_code,
        products=choices,
        chosen=chosen,
        methods=list(Method),
        collateral_kinds=list(CollateralKind),
        collateral_rows=COLLATERAL_ROWS,
        fixed=fixed,
        values=values,
        error=error,
        unit_question=unit_question,
        today=clock.today().isoformat(),
    )


@router.get("/quotes/new", response_class=HTMLResponse)
def new_quote(
    request: Request,
    db: DB,
    principal: Quoter,
    product: str = "",
    uscc: str = "",
    enterprise_id: int | None = None,
) -> Response:
    if not product and principal.tenant_kind == TenantKind.bank:  # the officer's own bank's
        own = accounts.tenant_code(db, principal.tenant_id)
        product = next((p.code for p in service.product_choices(db) if p.bank_code == own), "")
    values: dict[str, object] = {"product": product, "uscc": uscc, "unit": "wan", "term": 12}
    if enterprise_id is not None and principal.tenant_kind != TenantKind.enterprise:
        brief = service.enterprise_brief(db, enterprise_id=enterprise_id)
        if brief is not None:
            values["uscc"] = brief.uscc
    return _form_page(request, db, principal, values=values)


def _money(text: str, unit: Decimal, what: str) -> Decimal | None:
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text) * unit
    except InvalidOperation:
        raise Invalid(f"{what}不是数字：{text}") from None
    if not value.is_finite():
        raise Invalid(f"{what}不是数字：{text}")
    if value.adjusted() >= 15:  # a thousand trillion 元: no loan, and past what a column holds
        raise Invalid(f"{what}数字位数过多：{text}")
    return value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Submitted:
    values: dict[str, str]
    milestones: list[str]


async def _submitted(request: Request) -> Submitted:
    """The posted form (read here, so the page handler itself runs in the thread pool)."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    return Submitted(values, [m for m in form.getlist("milestone") if isinstance(m, str)])


@router.post("/quotes/new")
def create_quote(
    request: Request,
    db: DB,
    principal: Quoter,
    submitted: Annotated[Submitted, Depends(_submitted)],
) -> Response:
    values = submitted.values
    question = _unit_question(db, values)
    if question is not None:  # "您是否输入的是元？" before the quote is made
        return _form_page(
            request, db, principal, values=values, unit_question=question, status_code=422
        )
    try:
        body = _body_of(values, submitted.milestones, principal)
        enterprise_id = service.resolve_enterprise(
            db, enterprise_id=body.enterprise_id, uscc=body.uscc
        )
        out = service.quote(
            db,
            actor=principal,
            product_code=body.product,
            enterprise_id=enterprise_id,
            request=service.request_of(body),
        )
    except (Invalid, NotFound) as exc:
        return _form_page(
            request, db, principal, values=values, error=exc.message, status_code=exc.status
        )
    return RedirectResponse(f"/quotes/{out.id}", status_code=303)


def _unit_question(db: DB, values: dict[str, str]) -> dict[str, object] | None:
    """The question when the amount typed in 万元 is implausible for the product (answered by
    ``unit_answer``: "yuan" switches the unit to 元, "wan" keeps it), else None."""
    answer = values.pop("unit_answer", "")
    if answer == "yuan":
        values["unit"] = "yuan"
    if answer or values.get("unit", "wan") != "wan":
        return None
    try:
        amount = _money(values.get("amount", ""), WAN, "申请金额")
        if amount is None:
            return None
        _row, product = products.current(db, values.get("product", ""))
    except ZhixinError:  # the quote itself says what is wrong
        return None
    if not product_rules.looks_like_yuan(amount, product.amount.max):
        return None
    return {
        "typed": amount / WAN,
        "as_yuan": amount / WAN / WAN,
        "max": product.amount.max / WAN,
        "product": product.name,
    }


def _body_of(values: dict[str, str], milestones: list[str], principal: Principal) -> QuoteIn:
    unit_label, unit = UNITS.get(values.get("unit", "wan"), UNITS["wan"])
    amount = _money(values.get("amount", ""), unit, "申请金额")
    if amount is None:
        raise Invalid(f"请填写申请金额（{unit_label}）")
    collateral = []
    for i in range(COLLATERAL_ROWS):
        kind = values.get(f"collateral_kind_{i}", "").strip()
        value = _money(values.get(f"collateral_value_{i}", ""), WAN, "抵质押物评估价值")
        valued = values.get(f"collateral_valuation_{i}", "").strip()
        if kind and valued:
            if not valued.isdigit():
                raise Invalid(f"抵质押物 {i + 1} 的专利估值 ID 应为数字")
            collateral.append({"kind": kind, "valuation_id": int(valued)})
        elif kind and value is not None:
            collateral.append({"kind": kind, "value": value})
    codes = [str(m) for m in milestones if str(m).strip()]
    codes += [c for c in values.get("milestones", "").replace("，", ",").split(",") if c.strip()]
    data: dict[str, object] = {
        "product": values.get("product", ""),
        "amount": amount,
        "term_months": values.get("term", ""),
        "method": values.get("method", ""),
        "date": values.get("date") or None,
        "annual_sales": _money(values.get("annual_sales", ""), WAN, "上年度销售收入"),
        "collateral": collateral,
        "milestones_met": [c.strip() for c in codes],
        "invoicing_growth": values.get("invoicing_growth", "").strip() or None,
    }
    if principal.tenant_kind == TenantKind.enterprise:
        data["enterprise_id"] = principal.enterprise_id
    else:
        data["uscc"] = values.get("uscc", "").strip() or None
    try:
        return QuoteIn.model_validate(data)
    except ValidationError as exc:
        raise Invalid("请求参数有误：" + input_problems(exc)) from None


@router.get("/quotes/{quote_id}", response_class=HTMLResponse)
def show_quote(request: Request, quote_id: int, db: DB, principal: Quoter) -> Response:
    q = service.get(db, actor=principal, quote_id=quote_id)
    return render(request, "quote.html", q=q)


@router.get("/quotes/{quote_id}/schedule.xlsx", dependencies=[Heavy])
def schedule_xlsx(quote_id: int, db: DB, principal: Quoter) -> Response:
    q = service.get(db, actor=principal, quote_id=quote_id)
    if q.schedule is None:
        raise Conflict("该测算不符合产品条件，没有还款计划可下载")
    name = f"还款计划-{q.enterprise.name}-{q.product.name}-{quote_id}.xlsx"
    return Response(
        export.schedule_xlsx(q),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": (
                f'attachment; filename="quote-{quote_id}-schedule.xlsx"; '
                f"filename*=UTF-8''{urlquote(name)}"
            )
        },
    )
