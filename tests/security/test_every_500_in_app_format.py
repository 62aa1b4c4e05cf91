"""Issue 15, low: every 500 answers in the app's error format with a request id and the security
headers, and numbers or dates past what the server holds (an id of 2^63, 9999-12-31) are a 4xx
in Chinese, never a bare 500. Walks every GET route of the app as a regulator and a bank."""

from __future__ import annotations

import datetime as dt
import types
import typing

import pytest
from fastapi import FastAPI, routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.web.middleware import SECURITY_HEADERS

HUGE = str(2**63)
LAST_DAY = "9999-12-31"


def _is(annotation: object, kind: type) -> bool:
    if annotation is kind:
        return True
    if typing.get_origin(annotation) is typing.Union or isinstance(annotation, types.UnionType):
        return any(_is(a, kind) for a in typing.get_args(annotation))
    return typing.get_origin(annotation) is typing.Annotated and _is(
        typing.get_args(annotation)[0], kind
    )


def _probes(app: FastAPI) -> list[str]:
    """One URL per GET route: every int in the path 2^63 (others 1), every date in the query
    9999-12-31, and once more every int in the query 2^63."""
    urls = []
    for ctx in routing.iter_route_contexts(app.routes):
        route = ctx.original_route
        if not isinstance(route, APIRoute) or "GET" not in (route.methods or ()):
            continue
        path = str(ctx.path_format)
        if path.endswith("openapi.json"):
            continue
        for param in route.dependant.path_params:
            value = HUGE if _is(param.field_info.annotation, int) else "1"
            path = path.replace("{" + param.name + "}", value)
        query = [
            f"{p.alias}={LAST_DAY}"
            for p in route.dependant.query_params
            if _is(p.field_info.annotation, dt.date)
        ]
        urls.append(path + ("?" + "&".join(query) if query else ""))
        ints = [
            f"{p.alias}={HUGE}"
            for p in route.dependant.query_params
            if _is(p.field_info.annotation, int)
        ]
        if ints:
            urls.append(str(ctx.path_format).split("{")[0] + "?" + "&".join(ints))
    return sorted(set(urls))


@pytest.mark.parametrize("role", [Role.regulator, Role.bank_officer])
def test_huge_ids_and_last_days_are_answered_in_chinese(
    app: FastAPI, client: TestClient, factory: sessionmaker[Session], role: Role
) -> None:
    make_user(factory, "who", role)
    login(client, "who")
    urls = _probes(app)
    assert len(urls) > 40
    bad = []
    codes: dict[str, int] = {}
    for url in urls:
        r = client.get(url, follow_redirects=False)
        if r.status_code >= 500 or "X-Request-ID" not in r.headers:
            bad.append((url, r.status_code, r.text[:200]))
            continue
        if r.status_code >= 400:
            text = r.json()["message"] if url.startswith("/api/") else r.text
            if url.startswith("/api/"):
                codes[r.json()["code"]] = codes.get(r.json()["code"], 0) + 1
            assert any("\u4e00" <= c <= "\u9fff" for c in text), url
            assert r.headers["X-Request-ID"] in r.text, url
    assert not bad, bad
    assert codes.get("out_of_range", 0) + codes.get("validation_failed", 0) > 0


def test_an_unforeseen_error_is_a_500_in_the_apps_format(app: FastAPI) -> None:
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/broken", broken)
    app.add_api_route("/broken", broken)
    with TestClient(app) as c:
        api = c.get("/api/v1/broken", headers={"X-Request-ID": "caller-id-1234"})
        page = c.get("/broken")
    assert api.status_code == page.status_code == 500
    assert api.json()["code"] == "internal_error" and api.json()["request_id"] == "caller-id-1234"
    assert api.headers["X-Request-ID"] == "caller-id-1234"
    assert "服务器内部错误" in api.json()["message"] and "a bug" not in api.text
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["X-Request-ID"] in page.text and "服务器内部错误" in page.text
    for r in (api, page):
        for key in SECURITY_HEADERS:
            assert key in r.headers, key
        assert r.headers["Cache-Control"] == "no-store"
