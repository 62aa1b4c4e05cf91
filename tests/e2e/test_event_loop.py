"""The event loop never waits for the database.

FastAPI runs ``async def`` dependencies on the event loop. If one of them took a pooled
connection there, a request waiting for a connection would stop the loop, and with it the
requests that hold the connections and would give them back: a stall until the pool's timeout,
then errors (seen as a 30-second stall in bench/quotes.py at 32 requests in flight). Here the
pool holds a single connection, so every request but one must wait for it, on all three
databases.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.config import Settings
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work

pytestmark = pytest.mark.databases  # the commit and the pool behave per server

BURST = 12


@pytest.fixture
def token(factory: sessionmaker[Session]) -> str:
    """A service account's bearer token (the calls go through token resolution)."""
    uid = make_user(factory, "core", Role.bank_officer, service=True)
    with unit_of_work(factory) as s:
        user = s.get(User, uid)
        assert user is not None
        return accounts.create_token(s, user=user, name="核心系统", scopes=["enterprise:read"]).raw


@pytest.fixture
def one_connection(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions on a pool of a single connection that gives up waiting after 5 s."""
    tiny = make_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=1,
        max_overflow=0,
        pool_timeout=5,
    )
    try:
        yield make_sessionmaker(tiny)
    finally:
        tiny.dispose()


async def _burst(app: FastAPI, token: str, *, lifespan: bool) -> list[int]:
    """The status codes of BURST calls of ``/api/v1/me`` made at once (with the app's lifespan,
    which sets the thread limit, when asked)."""

    async def calls() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://zhixin.test") as c:
            headers = {"Authorization": f"Bearer {token}"}
            replies = await asyncio.gather(
                *[c.get("/api/v1/me", headers=headers) for _ in range(BURST)]
            )
            return [r.status_code for r in replies]

    if not lifespan:
        return await calls()
    async with app.router.lifespan_context(app):
        return await calls()


def test_more_requests_than_pooled_connections_all_succeed(
    settings: Settings, token: str, one_connection: sessionmaker[Session]
) -> None:
    from zhixin.app import create_app

    app = create_app(settings, session_factory=one_connection)
    assert asyncio.run(_burst(app, token, lifespan=False)) == [200] * BURST


def test_more_requests_than_threads_and_connections_all_succeed(
    settings: Settings, token: str, one_connection: sessionmaker[Session]
) -> None:
    """Two handler threads, one connection, twelve requests at once: a request waiting for the
    connection must not hold one of the threads (``get_db``'s gate), or every thread ends up
    waiting for a connection held by requests that wait for a thread."""
    from zhixin.app import create_app

    narrow = settings.model_copy(update={"request_threads": 2, "db_connections": 1})
    app = create_app(narrow, session_factory=one_connection)
    assert asyncio.run(_burst(app, token, lifespan=True)) == [200] * BURST
