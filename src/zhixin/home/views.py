"""The home page (what each actor does first) and the health check."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.home import notices, todo
from zhixin.web.deps import DB, OptionalPrincipal
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DB, principal: OptionalPrincipal) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    if (
        principal.tenant_kind == TenantKind.enterprise
        and principal.enterprise_id is not None
        and principal.can(Permission.portrait_read)
    ):
        from zhixin.portrait.views import own_view

        return own_view(request, db, principal)  # its own grade, radar, portrait and consents
    return render(
        request,
        "home.html",
        enterprise_count=enterprises.count(db),
        todos=todo.todos(db, principal),
        notices=notices.whitelist_notices(db, principal),
    )


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
