"""Issue 15, low: ``Cache-Control: no-store`` on every page and file with personal or business
data: walks every GET route without path parameters as a regulator and a bank officer; only
static files and the login form may be cached."""

from __future__ import annotations

from fastapi import FastAPI, routing
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role


def test_every_page_and_file_is_no_store(
    app: FastAPI, client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    login(client, "reg")
    paths = sorted(
        str(ctx.path_format)
        for ctx in routing.iter_route_contexts(app.routes)
        if isinstance(ctx.original_route, APIRoute)
        and "GET" in (ctx.original_route.methods or ())
        and "{" not in str(ctx.path_format)
    )
    assert len(paths) > 30
    answered = 0
    for path in paths:
        r = client.get(path, follow_redirects=False)
        if path in ("/login", "/healthz"):  # no data: may be cached
            continue
        assert r.headers.get("cache-control") == "no-store", (path, r.status_code)
        answered += r.status_code == 200
    assert answered > 20
    assert client.get("/static/zhixin.css").headers.get("cache-control") != "no-store"
    assert "cache-control" not in client.get("/login").headers
