"""Pages: the LPR table — read it; the regulator adds, replaces (with confirmation) and deletes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid, ZhixinError
from zhixin.kit import clock
from zhixin.lpr import rules, service
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.product_read))]
Manager = Annotated[Principal, Depends(require(Permission.lpr_manage))]


def _rate(text: str, label: str) -> Decimal:
    try:
        value = Decimal(text.strip().removesuffix("%").strip())
    except InvalidOperation:
        raise Invalid(f"{label}须为数字，如 3.45") from None
    if not value.is_finite():
        raise Invalid(f"{label}须为数字，如 3.45")
    return value


def _page(
    request: Request,
    db: DB,
    principal: Principal,
    *,
    pending: dict[str, object] | None = None,
    message: str = "",
) -> Response:
    today = clock.today()
    try:
        current: service.LprOn | None = service.rates_on(db, today)
    except ZhixinError:
        current = None
    return render(
        request,
        "lpr.html",
        rows=service.table(db, actor=principal),
        current=current,
        today=today,
        can_manage=principal.can(Permission.lpr_manage),
        pending=pending,
        message=message,
        first_day=rules.FIRST_PUBLICATION.isoformat(),
        max_day=(today + timedelta(days=rules.MAX_DAYS_AHEAD)).isoformat(),
    )


@router.get("/lpr", response_class=HTMLResponse)
def lpr_page(
    request: Request,
    db: DB,
    principal: Reader,
    saved: date | None = None,
    deleted: date | None = None,
) -> Response:
    message = ""
    if saved is not None:
        message = f"已保存 {saved.isoformat()} 的 LPR。"
    elif deleted is not None:
        message = f"已删除 {deleted.isoformat()} 的操作员录入。"
    return _page(request, db, principal, message=message)


@router.post("/lpr")
def lpr_set_form(
    request: Request,
    db: DB,
    principal: Manager,
    effective_on: Annotated[date, Form()],
    one_year: Annotated[str, Form(max_length=20)],
    five_year: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    one = _rate(one_year, "1 年期 LPR")
    five = _rate(five_year, "5 年期以上 LPR")
    existing = service.entry_on(db, actor=principal, day=effective_on)
    if existing is not None and confirm != "yes":
        pending = {
            "effective_on": effective_on,
            "one_year": one,
            "five_year": five,
            "note": note,
            "existing": existing,
        }
        return _page(request, db, principal, pending=pending)
    service.set_rate(
        db, actor=principal, effective_on=effective_on, one_year=one, five_year=five, note=note
    )
    return RedirectResponse(f"/lpr?saved={effective_on.isoformat()}", status_code=303)


@router.post("/lpr/{day}/delete")
def lpr_delete_form(
    day: date, db: DB, principal: Manager, confirm: Annotated[str, Form()] = ""
) -> Response:
    if confirm != "yes":
        raise Invalid("删除前请勾选确认")
    service.delete_rate(db, actor=principal, effective_on=day)
    return RedirectResponse(f"/lpr?deleted={day.isoformat()}", status_code=303)
