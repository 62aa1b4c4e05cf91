"""The same ``Idempotency-Key`` sent 20 times at once (issue 15, item 16): every duplicate gets
the one stored response — no 409 among the replays, one application — on SQLite, PostgreSQL and
MariaDB. Then a request that fails leaves no key behind, so its retry runs."""

from __future__ import annotations

import json
import threading

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import ALL_MATERIALS, build_world
from tests.support.web import login
from zhixin.app import create_app
from zhixin.applications.models import Application, IdempotencyKey
from zhixin.config import Settings
from zhixin.kit.db import unit_of_work

BODY = {
    "product_code": "luzhidai",
    "amount": "3000000.00",
    "term_months": 12,
    "method": "随借随还",
    "purpose": "购置在线检测设备",
    "use_of_funds": "支付设备采购合同款",
    "materials": ALL_MATERIALS,
}
SENDS = 20


def _count(factory: sessionmaker[Session], model: type) -> int:
    with unit_of_work(factory) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_twenty_duplicates_at_once_all_get_the_stored_response(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    build_world(factory)
    # enough handler threads for every duplicate to be in flight at once
    app = create_app(
        settings.model_copy(update={"request_threads": SENDS + 4, "db_connections": SENDS}),
        session_factory=factory,
    )
    with TestClient(app) as client:
        headers = {"X-CSRF-Token": login(client, "owner-a"), "Idempotency-Key": "retry-storm-1"}
        start = threading.Barrier(SENDS, timeout=60)
        answers: list[tuple[int, str, str | None]] = []
        lock = threading.Lock()

        def send() -> None:
            start.wait()
            r = client.post("/api/v1/applications", json=BODY, headers=headers)
            with lock:
                answers.append((r.status_code, r.text, r.headers.get("Idempotency-Replayed")))

        threads = [threading.Thread(target=send) for _ in range(SENDS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        assert len(answers) == SENDS
        assert [code for code, _, _ in answers] == [201] * SENDS, [a[:2] for a in answers]
        # one response (MariaDB's JSON column gives the stored copy back with its keys reordered)
        bodies = [json.loads(text) for _, text, _ in answers]
        assert all(b == bodies[0] for b in bodies)
        assert sorted(str(replayed) for _, _, replayed in answers) == ["None"] + ["true"] * (
            SENDS - 1
        )
        assert _count(factory, Application) == 1
        with unit_of_work(factory) as s:
            (stored,) = s.scalars(select(IdempotencyKey)).all()
            assert stored.status_code == 201 and stored.response == json.loads(answers[0][1])

        # a request that fails (an unknown product) keeps no key: its retry runs afresh
        bad = BODY | {"product_code": "no-such-product"}
        for _ in range(2):
            failed = client.post(
                "/api/v1/applications", json=bad, headers=headers | {"Idempotency-Key": "k-2"}
            )
            assert failed.status_code in (404, 422), failed.text
            assert "Idempotency-Replayed" not in failed.headers
        assert _count(factory, IdempotencyKey) == 1
        assert _count(factory, Application) == 1
