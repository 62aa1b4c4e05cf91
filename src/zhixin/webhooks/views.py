"""A bank's (or an enterprise's) page: register endpoints (the secret shown once), rotate, the
delivery log, re-send."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.errors import Invalid
from zhixin.web.deps import DB, AppSettings, require
from zhixin.web.templating import render
from zhixin.webhooks import rules, service

router = APIRouter(include_in_schema=False)
Manager = Annotated[Principal, Depends(require(Permission.webhook_manage))]


def _page(
    request: Request,
    db: DB,
    principal: Principal,
    *,
    issued: service.Issued | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    endpoints = service.list_endpoints(db, actor=principal)
    logs = {
        e.id: service.deliveries(db, actor=principal, endpoint_id=e.id, limit=20) for e in endpoints
    }
    return render(
        request,
        "webhooks.html",
        status_code=status_code,
        endpoints=endpoints,
        logs=logs,
        issued=issued,
        error=error,
        statuses=rules.STATUS_NAMES,
        for_enterprise=principal.tenant_kind == TenantKind.enterprise,
    )


@router.get("/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, db: DB, principal: Manager) -> Response:
    return _page(request, db, principal)


@router.post("/webhooks/endpoints", response_class=HTMLResponse)
def register_form(
    request: Request,
    db: DB,
    principal: Manager,
    settings: AppSettings,
    url: Annotated[str, Form(max_length=2000)],
    description: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        issued = service.register(
            db,
            actor=principal,
            url=url,
            description=description,
            allow_loopback=settings.webhook_allow_loopback,
        )
    except Invalid as exc:
        return _page(request, db, principal, error=exc.message, status_code=422)
    return _page(request, db, principal, issued=issued)


@router.post("/webhooks/endpoints/{endpoint_id}/rotate", response_class=HTMLResponse)
def rotate_form(request: Request, endpoint_id: int, db: DB, principal: Manager) -> Response:
    issued = service.rotate(db, actor=principal, endpoint_id=endpoint_id)
    return _page(request, db, principal, issued=issued)


@router.post("/webhooks/deliveries/{delivery_id}/resend")
def resend_form(delivery_id: int, db: DB, principal: Manager) -> Response:
    service.resend(db, actor=principal, delivery_id=delivery_id)
    return RedirectResponse("/webhooks", status_code=303)
