"""The request's unit of work: where and whether it commits.

A plain ``def`` handler's transaction is committed on the handler's own thread as it returns
(``web.deps.UnitOfWorkRoute``), so that a transaction holding SQLite's writer lock or
PostgreSQL's row locks does not wait for a hop through the event loop before it ends. An error
in the handler rolls everything back; an ``async def`` handler is committed by ``get_db``. On all
three databases.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from zhixin.errors import Conflict
from zhixin.lpr.models import LprRate
from zhixin.web.deps import DB, UnitOfWorkRoute

pytestmark = pytest.mark.databases  # the commit and the pool behave per server

DAY = {"sync": date(1991, 1, 1), "fails": date(1991, 1, 2), "async": date(1991, 1, 3)}


def _row(day: date) -> Any:
    return insert(LprRate).values(
        effective_on=day, one_year=Decimal("9.9900"), five_year=Decimal("9.9900"), source="测试"
    )


@pytest.fixture
def threads(factory: sessionmaker[Session]) -> dict[str, list[Any]]:
    """The threads that ran the test handlers and committed a session, and the order of events:
    the handler's end, each commit, and the first code to run on the event loop afterwards."""
    seen: dict[str, list[Any]] = {"handler": [], "commit": [], "order": []}

    @event.listens_for(factory, "after_commit")
    def committed(_session: Session) -> None:
        seen["commit"].append(threading.get_ident())
        seen["order"].append("commit")

    return seen


@pytest.fixture
def api(app: FastAPI, threads: dict[str, list[Any]]) -> TestClient:
    router = APIRouter(route_class=UnitOfWorkRoute)

    async def back_on_the_loop(db: DB) -> AsyncIterator[None]:
        """Entered after ``get_db``, so its exit runs on the loop before ``get_db``'s."""
        yield
        threads["order"].append("loop")

    @router.post("/t/sync", dependencies=[Depends(back_on_the_loop)])
    def sync_write(db: DB, note: str = "") -> dict[str, str]:
        threads["handler"].append(threading.get_ident())
        db.execute(_row(DAY["sync"]))
        threads["order"].append("handler")
        return {"note": note}

    @router.post("/t/fails")
    def sync_write_then_refuse(db: DB) -> dict[str, str]:
        db.execute(_row(DAY["fails"]))
        raise Conflict("测试：写入后拒绝，应整体回滚")

    @router.post("/t/async")
    async def async_write(db: DB) -> dict[str, str]:
        await run_in_threadpool(db.execute, _row(DAY["async"]))
        return {}

    app.include_router(router)
    return TestClient(app)


def _stored(factory: sessionmaker[Session], day: date) -> bool:
    with factory() as s:
        return s.scalar(select(LprRate.id).where(LprRate.effective_on == day)) is not None


def test_a_sync_handler_commits_on_its_own_thread(
    api: TestClient, factory: sessionmaker[Session], threads: dict[str, list[Any]]
) -> None:
    reply = api.post("/t/sync", params={"note": "参数照常解析"})
    assert reply.status_code == 200
    assert reply.json() == {"note": "参数照常解析"}  # the wrapped handler keeps its parameters
    assert _stored(factory, DAY["sync"])
    assert len(threads["handler"]) == 1
    assert threads["commit"] == threads["handler"]  # one commit, on the handler's thread,
    assert threads["order"] == ["handler", "commit", "loop"]  # before the loop saw the request


def test_an_error_after_a_write_rolls_it_back(
    api: TestClient, factory: sessionmaker[Session], threads: dict[str, list[Any]]
) -> None:
    reply = api.post("/t/fails")
    assert reply.status_code == 409
    assert "整体回滚" in reply.text
    assert not _stored(factory, DAY["fails"])
    assert threads["commit"] == []


def test_an_async_handler_is_committed_by_the_unit_of_work(
    api: TestClient, factory: sessionmaker[Session], threads: dict[str, list[Any]]
) -> None:
    assert api.post("/t/async").status_code == 200
    assert _stored(factory, DAY["async"])
    assert len(threads["commit"]) == 1


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """The routes of the app, through the routers it includes (FastAPI keeps those whole)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        included = getattr(route, "original_router", None)
        if included is not None:
            found += _api_routes(included.routes)
    return found


def test_every_route_of_the_app_commits_on_the_handler_thread(app: FastAPI) -> None:
    routes = _api_routes(list(app.routes))
    assert len(routes) > 100, "the route walk found too few routes"
    plain = [r for r in routes if not isinstance(r, UnitOfWorkRoute)]
    assert not plain, "routers without route_class=UnitOfWorkRoute: " + ", ".join(
        sorted(f"{sorted(r.methods)} {r.path}" for r in plain)
    )
