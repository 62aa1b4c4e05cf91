"""Pages of quality linkage: a bank's freeze/unfreeze queue, and the maker-checker forms that
the loan page's linkage section posts to. (The loan page, the enterprise page and the
enterprise's own page include the sections: ``linkage_loan.html``, ``linkage_enterprise.html``.)
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.linkage import decisions, reading, rules
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.loan_read))]
Manager = Annotated[Principal, Depends(require(Permission.loan_manage))]
Approver = Annotated[Principal, Depends(require(Permission.loan_approve))]


def _back(back: str, done: str) -> Response:
    # only our own pages: a path on this site, never another origin
    target = back if back.startswith("/") and not back.startswith("//") else "/linkage"
    sep = "&" if "?" in target else "?"
    return RedirectResponse(f"{target}{sep}done={done}", status_code=303)


@router.get("/linkage", response_class=HTMLResponse)
def queue_page(request: Request, db: DB, principal: Reader, done: str = "") -> Response:
    q = reading.queue(db, actor=principal)
    return render(
        request,
        "linkage_queue.html",
        q=q,
        labels=rules.ACTION_LABELS,
        statuses=rules.REVERSAL_STATUS_LABELS,
        may_manage=principal.can(Permission.loan_manage),
        may_approve=principal.can(Permission.loan_approve),
        done=done[:40],
    )


@router.post("/linkage/actions/{action_id}/reversal")
def reversal_form(
    action_id: int,
    db: DB,
    principal: Manager,
    reason: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form(max_length=200)] = "/linkage",
) -> Response:
    decisions.request_reversal(db, actor=principal, action_id=action_id, reason=reason)
    return _back(back, "reversal")


@router.post("/linkage/reversals/{reversal_id}/approve")
def approve_form(
    reversal_id: int,
    db: DB,
    principal: Approver,
    note: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form(max_length=200)] = "/linkage",
) -> Response:
    decisions.decide_reversal(db, actor=principal, reversal_id=reversal_id, approve=True, note=note)
    return _back(back, "approved")


@router.post("/linkage/reversals/{reversal_id}/reject")
def reject_form(
    reversal_id: int,
    db: DB,
    principal: Approver,
    note: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form(max_length=200)] = "/linkage",
) -> Response:
    decisions.decide_reversal(
        db, actor=principal, reversal_id=reversal_id, approve=False, note=note
    )
    return _back(back, "rejected")
