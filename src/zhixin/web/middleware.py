"""The ASGI middleware every request passes, outermost first:

* :class:`SecurityHeaders`: the security headers on every answer (HSTS under ``ZHIXIN_HTTPS``)
  and ``Cache-Control: no-store`` on everything but static files and the login page;
* :class:`RequestIds`: a request id per request (``X-Request-ID``, taken from the caller when
  it is a short token, else made here), and the last resort of :mod:`zhixin.web.failures` for an
  exception no handler answered, so even an unforeseen 500 is in the app's error format with
  the id and, being inside :class:`SecurityHeaders`, the security headers;
* :class:`~zhixin.web.limits.BodyLimit`: request bodies bounded while they stream.

Plain ASGI rather than ``@app.middleware("http")``: Starlette's ``BaseHTTPMiddleware`` runs
each request through an extra task and a memory stream, which cost more than the /healthz
handler itself (bench/quotes.py).
"""

from __future__ import annotations

import re
import secrets

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from zhixin.config import Settings
from zhixin.web import failures
from zhixin.web.limits import BodyLimit

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}
# one year, subdomains too: sent only when the server is told it is behind TLS
HSTS = "max-age=31536000; includeSubDomains"

# what a shared browser or proxy may keep: static files and the login form, nothing else
CACHEABLE_PREFIXES = ("/static/",)
CACHEABLE_PATHS = frozenset({"/login", "/healthz"})

REQUEST_ID_HEADER = "X-Request-ID"
_CALLER_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware of the module docstring, in its order."""
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes)
    app.add_middleware(RequestIds)
    app.add_middleware(SecurityHeaders, hsts=settings.https)


def may_cache(path: str) -> bool:
    return path in CACHEABLE_PATHS or path.startswith(CACHEABLE_PREFIXES)


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` (and :data:`HSTS` when ``hsts``) to every response, and
    ``Cache-Control: no-store`` where the handler set none, except what :func:`may_cache`."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = dict(SECURITY_HEADERS)
        if hsts:
            self.headers["Strict-Transport-Security"] = HSTS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = not may_cache(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in self.headers.items():
                    if key not in headers:
                        headers[key] = value
                if no_store and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestIds:
    """A request id in ``scope["state"]["request_id"]`` and the ``X-Request-ID`` header of the
    answer; an exception that reaches here before the answer started is answered by
    :func:`zhixin.web.failures.unexpected` (503 for a database outage, 500 otherwise)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _caller_id(scope) or secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started:
                raise
            response = await failures.unexpected(Request(scope), exc)
            await response(scope, receive, send_with_id)


def _caller_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _CALLER_ID.fullmatch(text) else None
    return None
