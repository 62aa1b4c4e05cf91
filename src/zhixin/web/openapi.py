"""The API's OpenAPI schema: every operation documents its error answers, and the schema is
served only to signed-in users in production.

**Error answers.** Each operation lists, per HTTP status, the error body
(``ErrorBody``: ``code``, ``message``, ``request_id``, ``error``, ``detail``) and the codes of
:data:`zhixin.errors.CODES` it can answer with (``x-error-codes`` and in the description), read
off the route: every route may answer ``internal_error`` and ``database_unavailable``; a route
with parameters or a body ``validation_failed`` (and ``out_of_range`` for numbers and dates);
a route behind a signed-in user ``unauthenticated``, ``password_expired`` and
``bad_request`` (a token in the URL), behind a
permission ``forbidden``; a path with an object's id ``not_found``; a write ``invalid``,
``conflict`` and ``payload_too_large``; a heavy route ``busy``; the routes named in
:data:`EXTRA` what they add (``consent_required``, ``rate_limited``).

**Who reads it.** Outside production the schema is public (developers, the test suite); in
production it is answered only to a signed-in user (a session or an API token), 401 otherwise:
the list of routes and parameters is a map an attacker need not be handed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from zhixin.accounts.permissions import Principal
from zhixin.config import Mode, Settings
from zhixin.errors import CODES, Unauthenticated
from zhixin.web.deps import current_principal, optional_principal
from zhixin.web.limits import heavy

# routes that answer codes their dependencies do not show: (method, path prefix) → codes
EXTRA: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/api/v1/me/password"): ("rate_limited",),
    ("POST", "/api/v1/risk/score"): ("consent_required",),
    ("POST", "/api/v1/applications/{application_id}/checks/rerun"): ("consent_required",),
    # a line frozen by quality linkage refuses new drawdowns and payments
    ("POST", "/api/v1/loans/contracts/{contract_id}/drawdowns"): ("line_frozen",),
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/approve"): ("line_frozen",),
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/disburse"): ("line_frozen",),
    ("POST", "/api/v1/loans/drawdowns/{drawdown_id}/payments"): ("line_frozen",),
    # a compensation claim overlapping another of the same contract or drawdown
    # (a prefix ending in "$" names that one path only, not the claims' own acts under it)
    ("POST", "/api/v1/support/claims$"): ("claim_overlap",),
    # an entry not the confirmer's to see; a proof asked before any head covers the entry
    ("POST", "/api/v1/evidence/confirmations"): ("not_found",),
    # a confirmation signed by the tenant's own key: its signature checked against the key
    ("POST", "/api/v1/evidence/signatures"): (
        "not_found",
        "signature_invalid",
        "key_pending",
        "key_retired",
    ),
    ("GET", "/api/v1/evidence/entries/"): ("conflict",),
    # a malformed day, week, month or range; another bank's code
    ("GET", "/api/v1/reports/"): ("invalid", "not_found"),
    # the visits: a malformed area or status; another bank's code
    ("GET", "/api/v1/visits"): ("invalid", "not_found"),
}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "ErrorBody",
    "type": "object",
    "description": "错误应答（所有错误同一格式）。code 为稳定的错误代码，见 docs/errors.md。",
    "required": ["code", "message", "request_id", "error"],
    "properties": {
        "code": {"type": "string", "enum": sorted(CODES), "description": "稳定的错误代码"},
        "message": {"type": "string", "description": "中文说明"},
        "request_id": {"type": "string", "description": "请求编号，同 X-Request-ID 应答头"},
        "error": {"type": "string", "description": "同 message（兼容早期客户端）"},
        "detail": {"description": "附加信息：校验错误的字段列表、retry_after 等"},
    },
}


def install(app: FastAPI, settings: Settings) -> None:
    """Serve the documented schema at ``app.openapi_url`` (module docstring)."""
    url = app.openapi_url
    if url is None:
        return

    def documented() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            _document_errors(app, schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = documented  # type: ignore[method-assign]
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != url]
    router = APIRouter()
    production = settings.mode == Mode.production

    @router.get(url, include_in_schema=False)
    def openapi(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Any:
        if production and principal is None:
            raise Unauthenticated("API 文档仅向已登录用户提供")
        return JSONResponse(documented())

    app.include_router(router)


def codes_of(route: APIRoute, method: str, path: str) -> dict[int, list[str]]:
    """The error codes ``route`` can answer with, by HTTP status (module docstring)."""
    calls = {d.call for d in _dependants(route.dependant)}
    names = {getattr(c, "__name__", "") for c in calls}
    params = [
        p
        for d in _dependants(route.dependant)
        for p in (*d.path_params, *d.query_params, *d.body_params)
    ]
    found = ["internal_error", "database_unavailable"]
    if params:
        found += ["validation_failed", "out_of_range"]
    if current_principal in calls or "dependency" in names:
        # bad_request: a token sent in the URL rather than the Authorization header
        found += ["bad_request", "unauthenticated", "password_expired", "forbidden"]
    if route.dependant.path_params:
        found.append("not_found")
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        found += ["invalid", "conflict", "payload_too_large"]
    if heavy in calls:
        found.append("busy")
    for (m, prefix), extra in EXTRA.items():
        exact = prefix.endswith("$")
        if m == method and (path == prefix[:-1] if exact else path.startswith(prefix)):
            found += extra
    by_status: dict[int, list[str]] = {}
    for code in dict.fromkeys(found):
        by_status.setdefault(CODES[code].status, []).append(code)
    return by_status


def _document_errors(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["ErrorBody"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/ErrorBody"}
    for ctx in routing.iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path = str(ctx.path_format)
        operations = schema.get("paths", {}).get(path, {})
        for method in route.methods or ():
            operation = operations.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, codes in sorted(codes_of(route, method, path).items()):
                listed = "、".join(f"`{c}`（{CODES[c].meaning}）" for c in codes)
                responses[str(status)] = {
                    "description": f"错误代码：{listed}",
                    "content": {"application/json": {"schema": ref}},
                    "x-error-codes": codes,
                }


def _dependants(root: Dependant) -> Iterator[Dependant]:
    todo = [root]
    while todo:
        d = todo.pop()
        yield d
        todo.extend(d.dependencies)


def route_table(app: FastAPI) -> str:
    """The Markdown table of ``docs/errors.md``: each API operation and the error codes it can
    answer (from the documented schema; a test keeps the page equal to it)."""
    schema = app.openapi()
    lines = ["| 方法 | 路径 | 错误代码 |", "| --- | --- | --- |"]
    for path, operations in sorted(schema["paths"].items()):
        for method, op in sorted(operations.items()):
            codes = [
                c
                for status, answer in sorted(op["responses"].items())
                if status[0] in "45"
                for c in answer.get("x-error-codes", ())
            ]
            lines.append(f"| {method.upper()} | `{path}` | {', '.join(codes)} |")
    return "\n".join(lines) + "\n"
