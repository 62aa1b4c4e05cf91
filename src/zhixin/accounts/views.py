"""Pages: login, logout, one's own password, and user administration (roles, service
accounts' API tokens, the login throttle)."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts import login as signin
from zhixin.accounts import service
from zhixin.accounts.passwords import new_secret
from zhixin.accounts.permissions import TOKEN_SCOPES, Permission, Principal
from zhixin.accounts.rules import Role
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import Settings
from zhixin.web.deps import (
    DB,
    AppSettings,
    CurrentPrincipal,
    client_ip,
    cookie_name,
    now_of,
    require,
)
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
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
    now = now_of(request)
    attempt = signin.sign_in(
        db,
        username=username,
        password=password,
        settings=settings,
        ip=ip,
        device_cookie=request.cookies.get(signin.DEVICE_COOKIE),
        now=now,
    )
    if attempt.retry_after:
        response = _login_page(
            request,
            next_url=_safe_next(next),
            error=signin.wait_message(attempt.retry_after),
            status=429,
        )
        response.headers["Retry-After"] = str(attempt.retry_after)
        return response
    user = attempt.user
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
    principal = service.principal_for(
        db, user, password_max_age_days=settings.password_max_age_days, now=now
    )
    target = "/account/password?expired=1" if principal.password_expired else _safe_next(next)
    response = RedirectResponse(target, status_code=303)
    _set_session_cookie(response, name, new.raw_token, settings)
    if attempt.device_cookie:
        response.set_cookie(
            signin.DEVICE_COOKIE,
            attempt.device_cookie,
            httponly=True,
            samesite="strict",
            secure=name.startswith("__Host-"),
            path="/",
            max_age=signin.DEVICE_COOKIE_DAYS * 86400,
        )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _set_session_cookie(response: Response, name: str, raw: str, settings: Settings) -> None:
    response.set_cookie(
        name,
        raw,
        httponly=True,
        samesite="lax",
        secure=name.startswith("__Host-"),
        path="/",
        max_age=settings.session_absolute_hours * 3600,
    )


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


@router.get("/account/password", response_class=HTMLResponse)
def password_form(
    request: Request, settings: AppSettings, principal: CurrentPrincipal, expired: bool = False
) -> Response:
    return _password_page(request, settings, expired=expired or principal.password_expired)


def _password_page(
    request: Request,
    settings: Settings,
    *,
    expired: bool = False,
    problems: list[str] | None = None,
    done: bool = False,
    status: int = 200,
) -> Response:
    return render(
        request,
        "account_password.html",
        status_code=status,
        expired=expired,
        problems=problems or [],
        done=done,
        max_age_days=settings.password_max_age_days,
        policy=service.policy_from(settings),
    )


@router.post("/account/password", response_class=HTMLResponse)
def change_password_form(
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: CurrentPrincipal,
    current: Annotated[str, Form(max_length=256)],
    new: Annotated[str, Form(max_length=256)],
    confirm: Annotated[str, Form(max_length=256)],
) -> Response:
    if new != confirm:
        return _password_page(
            request,
            settings,
            expired=principal.password_expired,
            problems=["两次输入的新密码不一致"],
            status=422,
        )
    result = signin.change_password(
        db,
        principal=principal,
        current=current,
        new=new,
        policy=service.policy_from(settings),
        settings=settings,
        device_cookie=request.cookies.get(signin.DEVICE_COOKIE),
        now=now_of(request),
    )
    if not result.ok:
        response = _password_page(
            request,
            settings,
            expired=principal.password_expired,
            problems=result.problems,
            status=429 if result.retry_after else 422,
        )
        if result.retry_after:
            response.headers["Retry-After"] = str(result.retry_after)
        return response
    # every session of the user ended with the change; this browser gets a fresh one
    user = service.user_by_id(db, principal.user_id)
    name = cookie_name(request, settings)
    new_session = service.start_session(
        db, user=user, ip=principal.ip, user_agent=request.headers.get("user-agent")
    )
    request.state.csrf_token = new_session.csrf_token
    request.state.principal = service.principal_for(db, user, ip=principal.ip)
    response = _password_page(request, settings, done=True)
    _set_session_cookie(response, name, new_session.raw_token, settings)
    return response


UserAdmin = Annotated[Principal, Depends(require(Permission.user_manage, Permission.role_grant))]


def _admin_page(
    request: Request,
    db: DB,
    settings: Settings,
    principal: Principal,
    *,
    new_token: str | None = None,
    status: int = 200,
) -> Response:
    officer = principal.can(Permission.token_manage)
    return render(
        request,
        "admin_users.html",
        status_code=status,
        rows=service.list_users(db, actor=principal),
        roles=list(Role),
        tokens=service.list_tokens(db, actor=principal) if officer else [],
        service_accounts=service.service_account_names(db) if officer else [],
        throttles=(
            signin.list_throttles(db, actor=principal, settings=settings, now=now_of(request))
            if principal.can(Permission.login_unlock)
            else []
        ),
        now=now_of(request),
        scopes=TOKEN_SCOPES,
        new_token=new_token,
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, db: DB, settings: AppSettings, principal: UserAdmin) -> Response:
    return _admin_page(request, db, settings, principal)


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
    settings: AppSettings,
    principal: Annotated[Principal, Depends(require(Permission.token_manage))],
    username: Annotated[str, Form(max_length=64)],
    name: Annotated[str, Form(max_length=100)],
    scopes: Annotated[list[str], Form()],
) -> Response:
    new = service.mint_token(
        db, actor=principal, holder=username, name=name, scopes=scopes, expires_at=None
    )
    return _admin_page(request, db, settings, principal, new_token=new.raw)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke_token_form(
    token_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.token_manage))],
) -> Response:
    service.revoke_token(db, actor=principal, token_id=token_id)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/unlock")
def unlock_form(
    user_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.login_unlock))],
) -> Response:
    signin.unlock_account(db, actor=principal, user_id=user_id)
    return RedirectResponse("/admin/users#throttles", status_code=303)


@router.post("/admin/throttles/{throttle_id}/clear")
def clear_throttle_form(
    throttle_id: int,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.login_unlock))],
) -> Response:
    signin.clear_throttle(db, actor=principal, throttle_id=throttle_id)
    return RedirectResponse("/admin/users#throttles", status_code=303)


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
