"""One account cannot stall the others with expensive requests (issue 15, item 7): heavy routes
(portrait PDF, exports, evaluation pages, uploads) are limited per account and in all; the
refusal is a 429 with ``Retry-After`` and a Chinese message, and light requests keep their
thread. No sleeps: the PDF renderer is blocked on an event while requests are fired."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.app import create_app
from zhixin.config import Settings
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.portrait import pdf
from zhixin.web import limits

WAIT = 60  # seconds an event may take before the test gives up (never reached when it passes)


class Gate:
    """The PDF renderer, blocked until :meth:`open`; counts who got in."""

    def __init__(self) -> None:
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self.tries = threading.Semaphore(0)

    def render(self, _portrait: Any) -> bytes:
        self.entered.release()
        assert self.release.wait(WAIT)
        return b"%PDF-1.4 test"

    def arrived(self) -> None:
        assert self.entered.acquire(timeout=WAIT)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    g = Gate()
    monkeypatch.setattr(pdf, "render", g.render)
    real = limits.HeavyLimiter.try_enter

    def counted(self: limits.HeavyLimiter, user_id: int) -> bool:
        try:
            return real(self, user_id)
        finally:
            g.tries.release()

    monkeypatch.setattr(limits.HeavyLimiter, "try_enter", counted)
    yield g
    g.release.set()


def _world(factory: sessionmaker[Session]) -> int:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91350200MA31234567", name="厦门矽创", kind="企业", status="存续")
        s.add(firm)
        s.flush()
        firm_id = firm.id
    for name in ("heavy-a", "heavy-b", "light-c"):
        make_user(factory, name, Role.regulator)
    return firm_id


def _client(app: FastAPI, user: str) -> TestClient:
    c = TestClient(app)
    c.__enter__()
    login(c, user)
    return c


def _in_thread(fn: Any) -> tuple[threading.Thread, dict[str, Any]]:
    out: dict[str, Any] = {}

    def run() -> None:
        out["response"] = fn()

    t = threading.Thread(target=run)
    t.start()
    return t, out


def test_one_account_gets_429_the_others_are_served(
    settings: Settings, factory: sessionmaker[Session], gate: Gate
) -> None:
    firm = _world(factory)
    # the production defaults: 2 handler threads, so one heavy request at a time
    app = create_app(settings.model_copy(update={"request_threads": 2}), session_factory=factory)
    url = f"/api/v1/enterprises/{firm}/portrait.pdf"
    a, b, c = (_client(app, u) for u in ("heavy-a", "heavy-b", "light-c"))
    try:
        first, first_out = _in_thread(lambda: a.get(url))
        gate.arrived()  # A's first PDF is rendering, holding one of the two threads
        assert gate.tries.acquire(timeout=WAIT)
        second, second_out = _in_thread(lambda: a.get(url))
        assert gate.tries.acquire(timeout=WAIT)  # A's second waits for the heavy slot
        third = a.get(url)  # A's third: over the account's two
        assert third.status_code == 429
        assert third.headers["Retry-After"] == "5"
        assert {k: v for k, v in third.json().items() if k != "request_id"} == {
            "code": "busy",
            "message": (
                "您的账户已有 2 个导出、下载或生成任务正在进行，请等它们完成后再试（约 5 秒后）"
            ),
            "error": (
                "您的账户已有 2 个导出、下载或生成任务正在进行，请等它们完成后再试（约 5 秒后）"
            ),
            "detail": {"code": "busy_account", "retry_after": 5},
        }
        # a light request of another account is answered while A's PDFs are in flight
        me, me_out = _in_thread(lambda: c.get("/api/v1/me"))
        me.join(WAIT)
        assert not me.is_alive() and me_out["response"].status_code == 200
        # B's PDF queues behind A's (fair order), and is served once they finish
        other, other_out = _in_thread(lambda: b.get(url))
        assert gate.tries.acquire(timeout=WAIT)
        gate.release.set()
        for t in (first, second, other):
            t.join(WAIT)
        for out in (first_out, second_out, other_out):
            assert out["response"].status_code == 200, out["response"].text
            assert out["response"].content == b"%PDF-1.4 test"
        # all slots came back
        limiter = app.state.heavy_limiter
        assert (limiter.running, limiter.by_user, list(limiter.waiters)) == (0, {}, [])
        assert a.get(url).status_code == 200
    finally:
        gate.release.set()
        for client in (a, b, c):
            client.__exit__(None, None, None)


def test_a_full_server_answers_429_rather_than_queue_past_its_wait(
    settings: Settings, factory: sessionmaker[Session], gate: Gate
) -> None:
    firm = _world(factory)
    app = create_app(
        settings.model_copy(update={"request_threads": 2, "heavy_wait_seconds": 0}),
        session_factory=factory,
    )
    url = f"/api/v1/enterprises/{firm}/portrait.pdf"
    a, b = (_client(app, u) for u in ("heavy-a", "heavy-b"))
    try:
        first, first_out = _in_thread(lambda: a.get(url))
        gate.arrived()
        refused = b.get(url)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "5"
        assert refused.json()["detail"]["code"] == "busy_server"
        assert "系统正在处理其他用户的导出或生成任务" in refused.json()["error"]
        page = b.get(f"/enterprises/{firm}/portrait.pdf")  # the page says it in Chinese too
        assert page.status_code == 429 and "请稍后重试" in page.text
        assert page.headers["Retry-After"] == "5"
        gate.release.set()
        first.join(WAIT)
        assert first_out["response"].status_code == 200
        assert b.get(url).status_code == 200
    finally:
        gate.release.set()
        for client in (a, b):
            client.__exit__(None, None, None)


def test_every_heavy_route_is_limited() -> None:
    """The routes that render, export or upload depend on the limiter."""
    from zhixin.evaluation import endpoints as evaluation_api
    from zhixin.evaluation import views as evaluation_views
    from zhixin.intake import endpoints as intake_api
    from zhixin.intake import views as intake_views
    from zhixin.portrait import endpoints as portrait_api
    from zhixin.portrait import views as portrait_views
    from zhixin.quotes import views as quotes_views
    from zhixin.whitelist import views as whitelist_views

    heavy: set[tuple[str, str]] = set()
    for module in (
        evaluation_api,
        evaluation_views,
        intake_api,
        intake_views,
        portrait_api,
        portrait_views,
        quotes_views,
        whitelist_views,
    ):
        for route in module.router.routes:
            dependant = getattr(route, "dependant", None)
            if dependant is not None and any(
                d.call is limits.heavy for d in dependant.dependencies
            ):
                heavy |= {(m, route.path) for m in route.methods}  # type: ignore[attr-defined]
    assert heavy == {
        ("GET", "/enterprises/{enterprise_id}/portrait.pdf"),  # page and API (prefix /api/v1)
        ("GET", "/whitelist/publications/{publication_id}/export.xlsx"),
        ("GET", "/whitelist/diff/export.xlsx"),
        ("GET", "/evaluation/runs/{run_id}"),
        ("GET", "/evaluation/runs/{run_id}/export.xlsx"),
        ("GET", "/evaluation/runs/{run_id}/enterprises/{enterprise_id}"),
        ("GET", "/evaluation/runs/{run_id}/enterprises/{enterprise_id}/radar.png"),
        ("POST", "/evaluation/enterprises/{enterprise_id}/evaluate"),
        ("GET", "/quotes/{quote_id}/schedule.xlsx"),
        ("POST", "/imports/{kind}"),
        ("POST", "/imports"),
        ("GET", "/imports/{batch_id}/errors.xlsx"),
    }


def test_a_slot_freed_before_the_wait_begins_is_taken_not_lost() -> None:
    """A request told to wait awaits the release of its database connection before it queues;
    if the running request leaves in that gap, its slot must not go back to a queue nobody is in
    (the waiter would then wait for a hand-over that never comes, and every later request
    would queue behind it until the wait expired)."""
    import asyncio

    limiter = limits.HeavyLimiter(per_user=2, total=1, wait_seconds=1.0)

    async def scenario() -> tuple[int, dict[int, int]]:
        assert limiter.try_enter(1) is True  # A runs
        assert limiter.try_enter(2) is False  # B must wait …
        limiter.leave(1)  # … and A finishes before B has queued
        await limiter.wait(2)  # B takes the free slot at once (TimeoutError before the fix)
        return limiter.running, dict(limiter.by_user)

    assert asyncio.run(scenario()) == (1, {2: 1})
    limiter.leave(2)
    assert (limiter.running, limiter.by_user, list(limiter.waiters)) == (0, {}, [])
