"""How the app answers a failure: the JSON error body of the API, the Chinese error page of the
site. :func:`install` registers the exception handlers; :func:`unexpected` is the last resort
for an exception no handler answered (called by :class:`zhixin.web.middleware.RequestIds`).

Every error body of the API has the same shape::

    {"code": "not_found", "message": "未找到该对象", "request_id": "9f2c…",
     "error": "未找到该对象", "detail": …}

``code`` is one of :data:`zhixin.errors.CODES` (stable: a client branches on it), ``message``
the Chinese text a person reads (``error`` repeats it for clients written before ``message``),
``request_id`` the ``X-Request-ID`` of the answer, ``detail`` what the error adds (the fields of
a validation error, ``retry_after`` …), absent when nothing. ``docs/errors.md`` lists the codes.

A database outage (the server unreachable, the file unreadable, the pool exhausted) answers 503
``database_unavailable`` with ``Retry-After`` and logs one line, no traceback: the operator
learns the cause from the line, and a traceback per request would bury it. A number or date past
what the database or the calendar holds (an id of 2^63, 9999-12-31 plus a day) answers 422
``out_of_range``. Anything else is a 500 ``internal_error``, logged with its traceback and the
request id the person was shown.
"""

from __future__ import annotations

import decimal
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import (
    CODES,
    Forbidden,
    PasswordChangeRequired,
    TooManyRequests,
    Unauthenticated,
    ZhixinError,
    code_for_status,
)
from zhixin.kit import validation
from zhixin.kit.db import unit_of_work
from zhixin.web import forms
from zhixin.web.templating import render

log = logging.getLogger("zhixin.web")

DATABASE_RETRY_AFTER = 30  # seconds: long enough for a restart or a fail-over
DATABASE_DOWN = "数据库暂时无法访问，请稍后重试；如持续出现，请联系运维并提供请求编号"
OUT_OF_RANGE = "请求中的数字或日期超出了可处理的范围，请检查后重试"
INTERNAL = "服务器内部错误，请稍后重试；如持续出现，请联系运维并提供请求编号"
VALIDATION = "请求参数有误"


def install(app: FastAPI) -> None:
    """Register the handlers of every failure the app answers."""
    app.add_exception_handler(ZhixinError, _zhixin_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def body(request: Request, code: str, message: str, detail: object = None) -> dict[str, Any]:
    """The API's error body (module docstring)."""
    assert code in CODES, code
    out: dict[str, Any] = {
        "code": code,
        "message": message,
        "request_id": request_id(request),
        "error": message,
    }
    if detail is not None:
        out["detail"] = detail
    return out


def answer(
    request: Request,
    *,
    status: int,
    code: str,
    message: str,
    detail: object = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The error as JSON under ``/api/``, else the Chinese error page."""
    if wants_json(request):
        return JSONResponse(
            body(request, code, message, detail), status_code=status, headers=headers
        )
    response = render(
        request, "error.html", status_code=status, message=message, request_id=request_id(request)
    )
    if headers:
        response.headers.update(headers)
    return response


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


async def _zhixin_error(request: Request, exc: ZhixinError) -> Response:
    if isinstance(exc, Forbidden):  # a database write: off the event loop
        await run_in_threadpool(_audit_denied, request, exc.message)
    headers: dict[str, str] | None = getattr(exc, "headers", None)  # e.g. Retry-After
    if isinstance(exc, TooManyRequests):
        headers = {**(headers or {}), "Retry-After": str(exc.retry_after)}
    if forms.forgivable(request, exc.status):
        return await forms.back_to_form(request, message=exc.message)
    if not wants_json(request):
        if isinstance(exc, Unauthenticated):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        if isinstance(exc, PasswordChangeRequired):
            return RedirectResponse("/account/password?expired=1", status_code=303)
    return answer(
        request,
        status=exc.status,
        code=exc.code,
        message=exc.message,
        detail=exc.detail,
        headers=headers,
    )


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    # Never echo what was submitted (passwords, identifiers): location and reason only.
    route = request.scope.get("route")
    labels = _labels(route) if isinstance(route, APIRoute) else {}
    found = validation.problems(exc.errors(), {**PARAMETER_NAMES, **labels}, unnamed="参数")
    text = "；".join(f"{p.field}：{p.msg}" for p in found)
    if forms.forgivable(request, 422):
        beside = {p.loc[-1]: p.msg for p in found if len(p.loc) > 1}
        return await forms.back_to_form(request, message=f"{VALIDATION}：{text}", problems=beside)
    return answer(
        request,
        status=422,
        code="validation_failed",
        message=f"{VALIDATION}：{text}" if text else VALIDATION,
        detail=[p.as_dict() for p in found],
    )


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    message = {404: "未找到该页面或对象", 405: "不支持该请求方法"}.get(status, str(exc.detail))
    if not validation.has_chinese(message):
        message = CODES[code_for_status(status)].meaning
    return answer(
        request,
        status=status,
        code=code_for_status(status),
        message=message,
        headers=getattr(exc, "headers", None),
    )


def is_database_outage(exc: BaseException) -> bool:
    """The database cannot be reached or used right now (not a fault of this request)."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(
        exc,
        (
            sa_exc.OperationalError,
            sa_exc.InterfaceError,
            sa_exc.DisconnectionError,
            sa_exc.TimeoutError,  # the pool's: every connection held past pool_timeout
        ),
    )


def is_out_of_range(exc: BaseException) -> bool:
    """A number or date past what Python's dates or the database's columns hold."""
    return isinstance(exc, (OverflowError, sa_exc.DataError, decimal.InvalidOperation))


async def unexpected(request: Request, exc: Exception) -> Response:
    """The answer to an exception no handler answered (module docstring)."""
    rid = request_id(request)
    where = f"{request.method} {request.url.path}"
    if is_database_outage(exc):
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        log.error(
            "database unavailable: %s request_id=%s %s: %s",
            where,
            rid,
            type(getattr(exc, "orig", None) or exc).__name__,
            cause,
        )
        return _last_resort(
            request,
            status=503,
            code="database_unavailable",
            message=DATABASE_DOWN,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
        )
    if is_out_of_range(exc):
        log.warning("out of range: %s request_id=%s %s", where, rid, type(exc).__name__)
        if forms.forgivable(request, 422):
            found = forms.long_numbers(await forms.typed_values(request))
            return await forms.back_to_form(request, message=OUT_OF_RANGE, problems=found)
        return _last_resort(request, status=422, code="out_of_range", message=OUT_OF_RANGE)
    log.error("internal error: %s request_id=%s", where, rid, exc_info=exc)
    return _last_resort(request, status=500, code="internal_error", message=INTERNAL)


def _last_resort(
    request: Request,
    *,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """:func:`answer`, or plain JSON when even the error page cannot be drawn."""
    try:
        return answer(request, status=status, code=code, message=message, headers=headers)
    except Exception:  # the page's template failed: the answer still has the format and the id
        log.error("error page failed: request_id=%s", request_id(request), exc_info=True)
        return JSONResponse(body(request, code, message), status_code=status, headers=headers)


# the Chinese names of the parameters routes share, where a route gives none of its own
PARAMETER_NAMES = {
    "application_id": "申请编号",
    "as_of": "评价基准日",
    "batch_id": "导入批次编号",
    "code": "代码",
    "consent_id": "授权编号",
    "consultation_id": "会诊编号",
    "cursor": "游标",
    "day": "日期",
    "days": "天数",
    "delivery_id": "推送记录编号",
    "effective_on": "生效日",
    "endpoint_id": "推送地址编号",
    "enterprise_id": "经营主体编号",
    "expires_on": "到期日",
    "file": "文件",
    "kind": "种类",
    "limit": "条数",
    "model_id": "模型编号",
    "name": "名称",
    "new": "新版本",
    "note": "备注",
    "old": "旧版本",
    "page": "页码",
    "password": "密码",
    "q": "搜索词",
    "quote_id": "测算编号",
    "reason": "原因",
    "record_id": "记录编号",
    "repair_date": "修复日期",
    "repair_id": "信用修复申请编号",
    "role": "角色",
    "run_id": "评价批次编号",
    "scope": "授权范围",
    "scopes": "权限范围",
    "since": "起始",
    "start": "起始日",
    "tenant_id": "机构编号",
    "throttle_id": "登录限制编号",
    "token_id": "令牌编号",
    "until": "截止日",
    "user_id": "用户编号",
    "username": "用户名",
    "valuation_id": "估值编号",
    "version": "版本",
    "year": "年份",
}

_LABELS: dict[int, dict[str, str]] = {}  # id(route) → labels; routes live as long as the app


def _labels(route: APIRoute) -> dict[str, str]:
    """The Chinese names of a route's parameters and body fields (their titles/descriptions)."""
    known = _LABELS.get(id(route))
    if known is None:
        known = _LABELS[id(route)] = _route_labels(route)
    return known


def _route_labels(route: APIRoute) -> dict[str, str]:
    labels: dict[str, str] = {}
    dependant = route.dependant
    todo = [dependant]
    models: list[type[BaseModel]] = []
    while todo:
        d = todo.pop()
        todo.extend(d.dependencies)
        for param in (*d.path_params, *d.query_params, *d.header_params, *d.body_params):
            info = param.field_info
            label = validation.label_of(info.title, info.description)
            if label:
                labels[param.alias] = label
            models.extend(validation.models_in(info.annotation))
    return validation.labels_of(*models) | labels
