"""Pages: login, logout, and user administration."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts import service
from zhixin.accounts.passwords import new_secret
from zhixin.accounts.permissions import TOKEN_SCOPES, Permission, Principal
from zhixin.accounts.rules import Role
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.web.deps import (
    DB,
    AppSettings,
    CurrentPrincipal,
    UnitOfWorkRoute,
    client_ip,
    cookie_name,
    require,
)
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)
LOGIN_CSRF_COOKIE = "zhixin_login_csrf"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _login_page(request: Request, *, next_url: str, error: str = "", status: int = 200) -> Response:
    token = new_secret(24)
    response = render(
        request, "login.html", status_code=status, login_csrf=token, next=next_url, error=error
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.https or request.url.scheme == "https",
        path="/login",
        max_age=3600,
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login")
def login(
    request: Request,
    db: DB,
    settings: AppSettings,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _login_page(
            request, next_url=_safe_next(next), error="登录页已过期，请重新输入", status=403
        )
    ip = client_ip(request)
    user = service.authenticate(db, username=username, password=password, settings=settings)
    if user is None:
        audit.record(
            db,
            actor=Actor(None, username.strip()[:64] or "(空)", ip=ip),
            action="login",
            outcome="failure",
        )
        return _login_page(
            request, next_url=_safe_next(next), error=service.LOGIN_FAILED, status=401
        )
    name = cookie_name(request, settings)
    old = request.cookies.get(name)
    if old:
        service.end_session(db, raw_token=old)  # a new id at every login: no fixation
    new = service.start_session(db, user=user, ip=ip, user_agent=request.headers.get("user-agent"))
    audit.record(db, actor=Actor(user.id, user.username, user.tenant_id, ip), action="login")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        name,
        new.raw_token,
        httponly=True,
        samesite="lax",
        secure=name.startswith("__Host-"),
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(
    request: Request, db: DB, settings: AppSettings, principal: CurrentPrincipal
) -> Response:
    name = cookie_name(request, settings)
    raw = request.cookies.get(name)
    if raw:
        service.end_session(db, raw_token=raw)
    audit.record(db, actor=Actor.of(principal), action="logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(name, path="/", secure=name.startswith("__Host-"), httponly=True)
    return response


UserAdmin = Annotated[Principal, Depends(require(Permission.user_manage, Permission.role_grant))]


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, db: DB, principal: UserAdmin) -> Response:
    rows = service.list_users(db, actor=principal)
    tokens = (
        service.list_tokens(db, actor=principal) if principal.can(Permission.token_manage) else []
    )
    return render(
        request,
        "admin_users.html",
        rows=rows,
        roles=list(Role),
        tokens=tokens,
        scopes=TOKEN_SCOPES,
        new_token=None,
    )


@router.post("/admin/users/{user_id}/roles")
def grant_role_form(
    user_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.role_grant))],
    role: Annotated[Role, Form()],
) -> Response:
    service.grant_role(db, actor=principal, user_id=user_id, role=role)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token_form(
    request: Request,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.token_manage))],
    username: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=100)],
    scopes: Annotated[list[str], Form()],
) -> Response:
    new = service.create_token_for(
        db, actor=principal, username=username, name=name, scopes=scopes, expires_at=None
    )
    rows = service.list_users(db, actor=principal)
    return render(
        request,
        "admin_users.html",
        rows=rows,
        roles=list(Role),
        tokens=service.list_tokens(db, actor=principal),
        scopes=TOKEN_SCOPES,
        new_token=new.raw,
    )


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token_form(
    token_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.token_manage))],
) -> Response:
    service.revoke_token(db, actor=principal, token_id=token_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/tenants/{tenant_id}/region")
def region_form(
    tenant_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.role_grant))],
    region_code: Annotated[str, Form(max_length=6)] = "",
) -> Response:
    """A regulator tenant's jurisdiction (辖区), set by the security officer; audited."""
    service.set_region(db, actor=principal, tenant_id=tenant_id, region_code=region_code)
    return RedirectResponse("/admin/users#regions", status_code=303)
