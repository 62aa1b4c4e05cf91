"""Pages of the evidence log: the regulator's view of the log with its signed tree heads, and
the confirm form the loan page and the log page post to (the loan page shows a loan's entries
through loans.views, which asks :func:`service.for_contract`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid
from zhixin.evidence import rules, service
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
LogReader = Annotated[Principal, Depends(require(Permission.evidence_read))]
Confirmer = Annotated[Principal, Depends(require(Permission.evidence_confirm))]


@router.get("/evidence", response_class=HTMLResponse)
def log_page(
    request: Request,
    db: DB,
    principal: LogReader,
    before: Annotated[int | None, Query(ge=0)] = None,
    done: str = "",
) -> Response:
    v = service.log_view(db, actor=principal, limit=100, before=before)
    return render(
        request,
        "evidence.html",
        v=v,
        role=service.may_confirm(principal),
        roles=rules.ROLE_LABELS,
        done=done[:40],
    )


@router.post("/evidence/confirm")
def confirm_form(
    db: DB,
    principal: Confirmer,
    seqs: Annotated[list[str], Form(max_length=20)],
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """确认所选存证，回到来处（贷款页或存证日志页）。"""
    if not all(s.strip().isdigit() for s in seqs):
        raise Invalid("请选择要确认的存证")
    service.confirm(db, actor=principal, seqs=[int(s) for s in seqs])
    target = f"/loans/{back}" if back.isdigit() else "/evidence"
    return RedirectResponse(f"{target}?done=confirmed#evidence", status_code=303)
