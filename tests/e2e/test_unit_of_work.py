"""The request's unit of work: where and whether it commits.

``web.deps.get_db`` (the ``DB`` dependency, function-scoped) commits once the handler returned
and its response was validated and serialised, before the response is sent: a write is
committed, an error in the handler rolls everything back, and so does a response that fails its
``response_model`` after the handler wrote. ``async def`` handlers are committed the same way.
On all three databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, field_serializer
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from zhixin.errors import Conflict
from zhixin.lpr.models import LprRate
from zhixin.web.deps import DB, get_db

pytestmark = pytest.mark.databases  # the commit and the pool behave per server

DAY = {
    "sync": date(1991, 1, 1),
    "fails": date(1991, 1, 2),
    "async": date(1991, 1, 3),
    "invalid": date(1991, 1, 4),
}


def _row(day: date) -> Any:
    return insert(LprRate).values(
        effective_on=day, one_year=Decimal("9.9900"), five_year=Decimal("9.9900"), source="测试"
    )


@pytest.fixture
def order(factory: sessionmaker[Session]) -> list[str]:
    """What happened, in order: the handler's write, the response's serialisation, each commit."""
    seen: list[str] = []

    @event.listens_for(factory, "after_commit")
    def committed(_session: Session) -> None:
        seen.append("commit")

    return seen


@pytest.fixture
def api(app: FastAPI, order: list[str]) -> Iterator[TestClient]:
    router = APIRouter()

    class Note(BaseModel):
        note: str

        @field_serializer("note")
        def _seen(self, value: str) -> str:
            order.append("serialised")
            return value

    @router.post("/t/sync", response_model=Note)
    def sync_write(db: DB, note: str = "") -> dict[str, str]:
        db.execute(_row(DAY["sync"]))
        order.append("handler")
        return {"note": note}

    @router.post("/t/fails")
    def sync_write_then_refuse(db: DB) -> dict[str, str]:
        db.execute(_row(DAY["fails"]))
        raise Conflict("测试：写入后拒绝，应整体回滚")

    @router.post("/t/async")
    async def async_write(db: DB) -> dict[str, str]:
        await run_in_threadpool(db.execute, _row(DAY["async"]))
        return {}

    @router.post("/t/invalid", response_model=Note)
    def write_then_answer_wrongly(db: DB) -> dict[str, Any]:
        db.execute(_row(DAY["invalid"]))
        order.append("handler")
        return {"note": None}  # not a str: fails the response model after the write

    app.include_router(router)
    # a response that fails validation is a programming error: a 500, as a server answers it
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _stored(factory: sessionmaker[Session], day: date) -> bool:
    with factory() as s:
        return s.scalar(select(LprRate.id).where(LprRate.effective_on == day)) is not None


def test_a_write_is_committed_once_the_response_is_serialised(
    api: TestClient, factory: sessionmaker[Session], order: list[str]
) -> None:
    reply = api.post("/t/sync", params={"note": "参数照常解析"})
    assert reply.status_code == 200
    assert reply.json() == {"note": "参数照常解析"}
    assert _stored(factory, DAY["sync"])
    assert order == ["handler", "serialised", "commit"]  # one commit, after serialisation


def test_an_error_after_a_write_rolls_it_back(
    api: TestClient, factory: sessionmaker[Session], order: list[str]
) -> None:
    reply = api.post("/t/fails")
    assert reply.status_code == 409
    assert "整体回滚" in reply.text
    assert not _stored(factory, DAY["fails"])
    assert "commit" not in order


def test_a_response_that_fails_validation_after_a_write_rolls_it_back(
    api: TestClient, factory: sessionmaker[Session], order: list[str]
) -> None:
    reply = api.post("/t/invalid")
    assert reply.status_code == 500  # an error, not a 200 for a change that was not saved
    assert not _stored(factory, DAY["invalid"])  # nothing saved
    assert order == ["handler"]  # never serialised, never committed


def test_an_async_handler_is_committed_by_the_unit_of_work(
    api: TestClient, factory: sessionmaker[Session], order: list[str]
) -> None:
    assert api.post("/t/async").status_code == 200
    assert _stored(factory, DAY["async"])
    assert order == ["commit"]


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


def _sessions(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        if sub.call is get_db:
            yield sub
        yield from _sessions(sub)


def test_every_route_uses_the_one_function_scoped_unit_of_work(app: FastAPI) -> None:
    """A ``Depends(get_db)`` of the default (request) scope would open a second session, and
    commit it after the response was sent, when a failed commit can no longer answer an error."""
    routes = _api_routes(list(app.routes))
    assert len(routes) > 100, "the route walk found too few routes"
    using = [(r, d) for r in routes for d in _sessions(r.dependant)]
    assert len({id(r) for r, _ in using}) > 100, "the walk found too few routes with a session"
    wrong = sorted({f"{sorted(r.methods)} {r.path}" for r, d in using if d.scope != "function"})
    assert not wrong, "routes with a request-scoped get_db (use web.deps.DB): " + ", ".join(wrong)
