"""The auditor's page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service
from zhixin.audit.rules import SCHEME_LABELS
from zhixin.web.deps import DB, AppSettings, UnitOfWorkRoute, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: Annotated[Principal, Depends(require(Permission.audit_read))],
    before_seq: int | None = None,
    action: str | None = None,
    check: bool = False,
) -> Response:
    events = service.list_events(
        db, actor=principal, limit=100, before_seq=before_seq, action=action or None
    )
    verified = service.verify(db) if check else None
    return render(
        request,
        "audit.html",
        events=events,
        verified=verified,
        action=action or "",
        scheme_labels=SCHEME_LABELS,
        retention_days=settings.audit_retention_days,
    )
