"""The FastAPI application factory: settings checked, engine built in the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhixin import __version__
from zhixin.audit import keys as audit_keys
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import Settings, get_settings
from zhixin.errors import (
    Forbidden,
    PasswordChangeRequired,
    TooManyRequests,
    Unauthenticated,
    ZhixinError,
)
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from zhixin.web.limits import BodyLimit
from zhixin.web.templating import render

STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


NO_STORE_PREFIXES = (
    "/api/",
    "/enterprises",
    "/imports",
    "/audit",
    "/quotes",
    "/applications",
    "/consultations",
    "/admin",  # a new API token is shown once on /admin/tokens
    "/account",
)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every response, and ``Cache-Control: no-store`` to the
    API and to pages that show loans, quotes or people, where the handler set none.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs
    each request through an extra task and a memory stream, which cost more than the /healthz
    handler itself (bench/quotes.py).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"].startswith(NO_STORE_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    if key not in headers:
                        headers[key] = value
                if no_store and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(
    settings: Settings | None = None, *, session_factory: sessionmaker[Session] | None = None
) -> FastAPI:
    settings = settings or get_settings()
    settings.check_startable()
    audit_keys.configure(audit_keys.AuditKeys.from_settings(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        engine = None
        if session_factory is None:
            # a few connections beyond the request gate for work that opens its own session
            # (an import started from a page, the audit of a refusal)
            engine = make_engine(
                settings.database_url, pool_size=settings.db_connections, max_overflow=5
            )
            app.state.sessionmaker = make_sessionmaker(engine)
        yield
        if engine is not None:
            engine.dispose()

    app = FastAPI(
        title="质信 zhixin API",
        version=__version__,
        description="质量融资增信平台 API。银行系统使用 `Authorization: Bearer <令牌>` 调用。",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = utcnow  # web.deps.now_of; tests put a clock of their own here
    app.state.db_gate = asyncio.Semaphore(settings.db_connections)
    app.state.db_closer = anyio.CapacityLimiter(settings.db_connections)
    if session_factory is not None:
        app.state.sessionmaker = session_factory

    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes)
    app.add_middleware(SecurityHeaders)
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    import zhixin.models  # noqa: F401 - every mapper configured before the first request
    from zhixin.accounts import endpoints as accounts_api
    from zhixin.accounts import views as accounts_views
    from zhixin.applications import endpoints as applications_api
    from zhixin.applications import views as applications_views
    from zhixin.audit import endpoints as audit_api
    from zhixin.audit import views as audit_views
    from zhixin.consent import endpoints as consent_api
    from zhixin.consent import views as consent_views
    from zhixin.enterprises import endpoints as enterprises_api
    from zhixin.enterprises import views as enterprises_views
    from zhixin.evaluation import endpoints as evaluation_api
    from zhixin.evaluation import views as evaluation_views
    from zhixin.intake import endpoints as intake_api
    from zhixin.intake import views as intake_views
    from zhixin.loans import endpoints as loans_api
    from zhixin.loans import servicing_endpoints as loans_servicing_api
    from zhixin.loans import views as loans_views
    from zhixin.lpr import endpoints as lpr_api
    from zhixin.lpr import views as lpr_views
    from zhixin.portrait import endpoints as portrait_api
    from zhixin.portrait import views as portrait_views
    from zhixin.products import endpoints as products_api
    from zhixin.products import views as products_views
    from zhixin.quotes import endpoints as quotes_api
    from zhixin.quotes import views as quotes_views
    from zhixin.records import endpoints as records_api
    from zhixin.records import views as records_views
    from zhixin.risk import endpoints as risk_api
    from zhixin.risk import views as risk_views
    from zhixin.web import pages
    from zhixin.webhooks import endpoints as webhooks_api
    from zhixin.webhooks import views as webhooks_views
    from zhixin.whitelist import endpoints as whitelist_api
    from zhixin.whitelist import views as whitelist_views
    from zhixin.workdays import endpoints as workdays_api
    from zhixin.workdays import views as workdays_views

    for module in (accounts_api, audit_api, enterprises_api, records_api, intake_api):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(evaluation_api.router, prefix="/api/v1")
    app.include_router(whitelist_api.router, prefix="/api/v1")
    app.include_router(consent_api.router, prefix="/api/v1")
    app.include_router(portrait_api.router, prefix="/api/v1")
    app.include_router(webhooks_api.router, prefix="/api/v1")
    for module in (workdays_api, lpr_api, products_api, quotes_api, applications_api):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(risk_api.router, prefix="/api/v1")
    app.include_router(loans_api.router, prefix="/api/v1")
    app.include_router(loans_servicing_api.router, prefix="/api/v1")
    for module in (
        pages,
        accounts_views,
        audit_views,
        enterprises_views,
        records_views,
        intake_views,
        evaluation_views,
        whitelist_views,
        consent_views,
        portrait_views,
        webhooks_views,
        workdays_views,
        lpr_views,
        products_views,
        quotes_views,
        applications_views,
        risk_views,
        loans_views,
    ):
        app.include_router(module.router)


def _audit_denied(request: Request, message: str) -> None:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return
    with unit_of_work(request.app.state.sessionmaker) as session:
        audit.record(
            session,
            actor=Actor.of(principal),
            action="access.denied",
            object_type="route",
            object_id=f"{request.method} {request.url.path}"[:64],
            outcome="denied",
            detail={"reason": message[:200]},
        )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ZhixinError)
    async def zhixin_error(request: Request, exc: ZhixinError) -> Response:
        if isinstance(exc, Forbidden):  # a database write: off the event loop
            await run_in_threadpool(_audit_denied, request, exc.message)
        headers: dict[str, str] | None = getattr(exc, "headers", None)  # e.g. Retry-After
        if isinstance(exc, TooManyRequests):
            headers = {**(headers or {}), "Retry-After": str(exc.retry_after)}
        if _wants_json(request):
            body: dict[str, Any] = {"error": exc.message}
            if exc.detail is not None:
                body["detail"] = exc.detail
            return JSONResponse(body, status_code=exc.status, headers=headers)
        if isinstance(exc, Unauthenticated):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if isinstance(exc, PasswordChangeRequired):
            return RedirectResponse("/account/password?expired=1", status_code=303)
        response = render(request, "error.html", status_code=exc.status, message=exc.message)
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        # Never echo what was submitted (passwords, identifiers): location and reason only.
        problems = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": _cn_msg(err)}
            for err in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse(
                {"error": "请求参数有误 / invalid request", "detail": problems}, status_code=422
            )
        text = "；".join(f"{'.'.join(p['loc'][1:]) or '请求'}：{p['msg']}" for p in problems)
        return render(request, "error.html", status_code=422, message="请求参数有误：" + text)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: "未找到该页面或对象 / not found", 405: "不支持该请求方法"}.get(
            exc.status_code, str(exc.detail)
        )
        if _wants_json(request):
            return JSONResponse({"error": message}, status_code=exc.status_code)
        return render(request, "error.html", status_code=exc.status_code, message=message)


_MESSAGES = {
    "missing": "必填",
    "int_parsing": "应为整数",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "decimal_parsing": "应为数字",
    "string_too_long": "过长",
    "string_too_short": "过短",
    "enum": "不是允许的取值",
    "literal_error": "不是允许的取值",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "json_invalid": "JSON 格式错误",
}


def _cn_msg(err: Any) -> str:
    return _MESSAGES.get(str(err.get("type")), "取值不合法")
