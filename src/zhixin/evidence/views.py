"""Pages of the evidence log: the regulator's view of the log with its signed tree heads, and
the confirm form the loan page and the log page post to (the loan page shows a loan's entries
through loans.views, which asks :func:`service.for_contract`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid
from zhixin.evidence import keys, rules, service
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


@router.get("/evidence/keys", response_class=HTMLResponse)
def keys_page(request: Request, db: DB, principal: Confirmer, done: str = "") -> Response:
    """本机构的签名公钥：待复核的（另一名有权人员复核）、在用的与已轮换停用的。"""
    return render(
        request,
        "evidence_keys.html",
        rows=keys.of_tenant(db, actor=principal),
        done=done[:20],
    )


@router.post("/evidence/keys/{key_id}/approve")
def approve_key_form(key_id: int, db: DB, principal: Confirmer) -> Response:
    """复核通过一把待复核的签名公钥（提议人不能复核自己的提议）。"""
    keys.approve(db, actor=principal, key_id=key_id)
    return RedirectResponse("/evidence/keys?done=approved", status_code=303)


@router.post("/evidence/keys/{key_id}/reject")
def reject_key_form(
    key_id: int, db: DB, principal: Confirmer, reason: Annotated[str, Form()] = ""
) -> Response:
    """驳回（他人）或撤回（本人）一把待复核的签名公钥，须填写理由。"""
    keys.reject(db, actor=principal, key_id=key_id, reason=reason)
    return RedirectResponse("/evidence/keys?done=rejected", status_code=303)
