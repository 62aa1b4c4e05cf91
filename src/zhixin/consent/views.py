"""Pages: the enterprise's own consents — grant a bank, revoke."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.consent import rules, service
from zhixin.enterprises import service as enterprises
from zhixin.kit import clock
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Manager = Annotated[Principal, Depends(require(Permission.consent_manage))]


@router.get("/enterprises/{enterprise_id}/consents", response_class=HTMLResponse)
def consents_page(request: Request, enterprise_id: int, db: DB, principal: Manager) -> Response:
    rows = service.list_for_enterprise(db, actor=principal, enterprise_id=enterprise_id)
    ent = enterprises.get(db, actor=principal, enterprise_id=enterprise_id)
    today = clock.today()
    return render(
        request,
        "consents.html",
        ent=ent,
        consents=rows,
        banks=service.banks(db, actor=principal),
        scopes=rules.SCOPES,
        default_expiry=rules.default_expiry(today).isoformat(),
        max_expiry=rules.add_years(today, rules.MAX_YEARS).isoformat(),
    )


@router.post("/enterprises/{enterprise_id}/consents")
def grant_form(
    enterprise_id: int,
    db: DB,
    principal: Manager,
    tenant_id: Annotated[int, Form(title="银行")],
    scope: Annotated[str, Form(max_length=32)] = "records",
    expires_on: Annotated[date | None, Form()] = None,
) -> Response:
    service.grant(
        db,
        actor=principal,
        enterprise_id=enterprise_id,
        tenant_id=tenant_id,
        scope=scope,
        expires_on=expires_on,
    )
    return RedirectResponse(f"/enterprises/{enterprise_id}/consents", status_code=303)


@router.post("/consents/{consent_id}/revoke")
def revoke_form(
    request: Request,
    consent_id: int,
    db: DB,
    principal: Manager,
    next: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    if confirm != "yes":  # revoking asks first: what it means, then 确认撤销 (no script needed)
        shown = service.own_consent(db, actor=principal, consent_id=consent_id)
        back = "/me" if next == "me" else f"/enterprises/{shown.enterprise_id}/consents"
        return render(request, "consent_revoke.html", c=shown, next=next, back=back)
    consent = service.revoke(db, actor=principal, consent_id=consent_id)
    target = "/me" if next == "me" else f"/enterprises/{consent.enterprise_id}/consents"
    return RedirectResponse(target, status_code=303)
