"""Pages: credit-repair queue and record actions from the enterprise page."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid
from zhixin.records import service
from zhixin.records.rules import REPAIR_STATUSES
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/repairs", response_class=HTMLResponse)
def repairs_page(
    request: Request,
    db: DB,
    principal: Annotated[
        Principal, Depends(require(Permission.repair_review, Permission.repair_request))
    ],
    status: str = "pending",
) -> Response:
    status = status if status in REPAIR_STATUSES else "pending"
    rows = service.list_repairs(db, actor=principal, status=status)
    return render(request, "repairs.html", rows=rows, status=status, statuses=REPAIR_STATUSES)


@router.post("/records/{record_id}/repairs")
def request_repair_form(
    record_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.repair_request))],
    repair_date: Annotated[date, Form()],
    reason: Annotated[str, Form(max_length=2000)],
    enterprise_id: Annotated[int, Form()],
) -> Response:
    service.request_repair(
        db, actor=principal, record_id=record_id, repair_date=repair_date, reason=reason
    )
    return RedirectResponse(f"/enterprises/{enterprise_id}", status_code=303)


@router.post("/records/{record_id}/remove")
def remove_form(
    record_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.record_write))],
    reason: Annotated[str, Form(max_length=1000)],
    enterprise_id: Annotated[int, Form()],
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":
        raise Invalid("删除前请勾选确认")
    service.remove(db, actor=principal, record_id=record_id, reason=reason)
    return RedirectResponse(f"/enterprises/{enterprise_id}", status_code=303)


@router.post("/repairs/{repair_id}/review")
def review_form(
    repair_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.repair_review))],
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    service.review_repair(
        db, actor=principal, repair_id=repair_id, approve=decision == "approve", note=note
    )
    return RedirectResponse("/repairs", status_code=303)
