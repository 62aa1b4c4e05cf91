"""Request dependencies: the unit of work, who is calling, and what they may do."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.config import Settings
from zhixin.errors import Forbidden, PasswordChangeRequired, Unauthenticated, ZhixinError
from zhixin.kit.db import utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def cookie_name(request: Request, settings: Settings) -> str:
    """``__Host-`` needs Secure, which needs HTTPS; plain-HTTP demo runs use a plain name."""
    secure = settings.https or request.url.scheme == "https"
    return "__Host-zhixin_sid" if secure else "zhixin_sid"


# Dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in the
# thread pool, a hand-off that costs more than the dependency's work.


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work (the request entry point of :mod:`zhixin.kit.db`): the session
    every dependency and the handler share, committed once the response is ready, rolled back on
    any error.

    Used as :data:`DB`, ``Depends(get_db, scope="function")``: FastAPI ends a function-scoped
    dependency after the handler returned and its return value was validated against the
    ``response_model`` and serialised, before a byte is sent. So a return value that fails
    validation rolls the request's writes back and answers an error, and a commit that fails
    answers an error too (a request-scoped dependency ends after the response was sent, when it
    can no longer change it).

    At most ``db_connections`` requests hold a session at once; the rest wait here, on the event
    loop, holding nothing: a request that held a thread while waiting for a pooled connection,
    with every connection held by requests waiting for a thread, stalled the server for the
    pool's 30-second timeout. The commit, rollback and close run on threads of their own
    (``db_closer``), never queued behind handlers that may be waiting for this very transaction
    to end (SQLite's writer queue), and shielded from cancellation so a dropped client never
    leaves a transaction open.
    """
    state = request.app.state
    async with state.db_gate:
        session = state.sessionmaker()
        try:
            yield session
            if session.in_transaction():
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(session.commit, limiter=state.db_closer)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.rollback, limiter=state.db_closer)
            raise
        finally:
            if session.in_transaction():
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(session.close, limiter=state.db_closer)
            else:  # no connection held: closing only forgets the loaded objects, no I/O
                session.close()


async def release_connection(request: Request, session: Session) -> None:
    """Commit what the request did so far (the sign-in's reads and its session touch) and give
    its connection back to the pool, before the request waits for something else (a heavy
    request's slot, :mod:`zhixin.web.limits`). The session goes on and the unit of work
    commits the rest as usual."""
    if session.in_transaction():
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(session.commit, limiter=request.app.state.db_closer)


DB = Annotated[Session, Depends(get_db, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def now_of(request: Request) -> datetime:
    """The time for decisions that depend on it (login throttle, password age): the app's
    clock (``app.state.clock``, which tests replace), else the system's."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", utcnow)
    return clock()


async def _csrf_ok(request: Request, expected: str) -> bool:
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # Starlette caches it for the handler's Form() params
            request.state.posted_form = form  # for web.forms, should the request fail later
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent, expected)


class BadToken(ZhixinError):
    status = 400


async def optional_principal(request: Request, db: DB, settings: AppSettings) -> Principal | None:
    """Who is calling: a bearer token, a session cookie, or nobody.

    Async only to read a posted form for the CSRF check; every database call runs in the thread
    pool. Run on the event loop, a call waiting for a pooled connection (or for SQLite's write
    lock) would stop the loop, and with it the requests that hold connections and would give
    them back: under more concurrent requests than the pool holds, the server stalled for the
    pool's 30-second timeout (bench/quotes.py at 32 in flight).
    """
    if "access_token" in request.query_params or "token" in request.query_params:
        raise BadToken(
            "API 令牌只能放在 Authorization 请求头中，不接受 URL 参数 / "
            "tokens are accepted only in the Authorization header"
        )
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, raw = auth.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated("Authorization 请求头格式应为 Bearer <令牌>")
        principal = await run_in_threadpool(_token_principal, db, raw.strip(), client_ip(request))
        request.state.principal = principal
        return principal
    raw_cookie = request.cookies.get(cookie_name(request, settings))
    if not raw_cookie:
        return None
    resolved = await run_in_threadpool(_session_principal, db, raw_cookie, settings, request)
    if resolved is None:
        return None
    csrf_token, principal = resolved
    request.state.csrf_token = csrf_token
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, csrf_token):
        raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
    request.state.principal = principal
    return principal


def _token_principal(db: Session, raw: str, ip: str | None) -> Principal:
    principal = accounts.principal_for_token(db, raw=raw, ip=ip)
    if principal is None:
        raise Unauthenticated("API 令牌无效、已过期或已吊销")
    return principal


def _session_principal(
    db: Session, raw_cookie: str, settings: Settings, request: Request
) -> tuple[str, Principal] | None:
    resolved = accounts.resolve_session(db, raw_token=raw_cookie, settings=settings)
    if resolved is None:
        return None
    web, user = resolved
    principal = accounts.principal_for(
        db,
        user,
        ip=client_ip(request),
        password_max_age_days=settings.password_max_age_days,
        now=now_of(request),
    )
    return web.csrf_token, principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


# What a user whose password has expired may still do: change it, see who they are, sign out.
PASSWORD_CHANGE_PATHS = frozenset(
    {"/account/password", "/api/v1/me/password", "/api/v1/me", "/logout"}
)


async def current_principal(request: Request, principal: OptionalPrincipal) -> Principal:
    if principal is None:
        raise Unauthenticated()
    if principal.password_expired and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired(
            "密码已超过最长使用期限，请先修改密码 / your password has expired: change it first"
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*permissions: Permission) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets the call through when the principal holds any of ``permissions``."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if not any(principal.can(p) for p in permissions):
            raise Forbidden()
        return principal

    dependency.permissions = permissions  # type: ignore[attr-defined]
    return dependency
