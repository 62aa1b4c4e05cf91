"""The home page: what each actor does first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.enterprises import service as enterprises
from zhixin.web.deps import DB, OptionalPrincipal
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, db: DB, principal: OptionalPrincipal) -> Response:
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "home.html", enterprise_count=enterprises.count(db))


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
