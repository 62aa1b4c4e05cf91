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

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.config import Settings
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work


def test_more_requests_than_pooled_connections_all_succeed(
    engine: Engine, factory: sessionmaker[Session], settings: Settings
) -> None:
    from zhixin.web.app import create_app

    uid = make_user(factory, "core", Role.bank_officer, service=True)
    with unit_of_work(factory) as s:
        user = s.get(User, uid)
        assert user is not None
        raw = accounts.create_token(s, user=user, name="核心系统", scopes=["enterprise:read"]).raw
    tiny = make_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=1,
        max_overflow=0,
        pool_timeout=5,
    )
    try:
        app = create_app(settings, session_factory=make_sessionmaker(tiny))

        async def burst() -> list[int]:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://zhixin.test") as c:
                headers = {"Authorization": f"Bearer {raw}"}
                replies = await asyncio.gather(
                    *[c.get("/api/v1/me", headers=headers) for _ in range(12)]
                )
                return [r.status_code for r in replies]

        assert asyncio.run(burst()) == [200] * 12
    finally:
        tiny.dispose()


def test_more_requests_than_threads_and_connections_all_succeed(
    engine: Engine, factory: sessionmaker[Session], settings: Settings
) -> None:
    """Two handler threads, one connection, twelve requests at once: a request waiting for the
    connection must not hold one of the threads (``get_db``'s gate), or every thread ends up
    waiting for a connection held by requests that wait for a thread."""
    from zhixin.web.app import create_app

    uid = make_user(factory, "core", Role.bank_officer, service=True)
    with unit_of_work(factory) as s:
        user = s.get(User, uid)
        assert user is not None
        raw = accounts.create_token(s, user=user, name="核心系统", scopes=["enterprise:read"]).raw
    tiny = make_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=1,
        max_overflow=0,
        pool_timeout=5,
    )
    narrow = settings.model_copy(update={"request_threads": 2, "db_connections": 1})
    try:
        app = create_app(narrow, session_factory=make_sessionmaker(tiny))

        async def burst() -> list[int]:
            async with app.router.lifespan_context(app):  # sets the thread limit
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://zhixin.test"
                ) as c:
                    headers = {"Authorization": f"Bearer {raw}"}
                    replies = await asyncio.gather(
                        *[c.get("/api/v1/me", headers=headers) for _ in range(12)]
                    )
                    return [r.status_code for r in replies]

        assert asyncio.run(burst()) == [200] * 12
    finally:
        tiny.dispose()
