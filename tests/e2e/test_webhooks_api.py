"""Webhooks through the API, the bank's page, and the ``zhixin worker`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_webhooks import Receiver
from tests.support.people import make_user
from tests.support.web import csrf_of, login
from zhixin.accounts.models import Tenant
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work, utcnow
from zhixin.kit.migrate import upgrade
from zhixin.webhooks import rules
from zhixin.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookOutbox


def _outbox(factory: sessionmaker[Session], endpoint_id: int, publication_id: int = 1) -> int:
    with unit_of_work(factory) as s:
        row = WebhookOutbox(
            endpoint_id=endpoint_id,
            event_id=rules.event_id(endpoint_id=endpoint_id, publication_id=publication_id),
            event_type="whitelist.published",
            publication_id=publication_id,
            body='{"type":"whitelist.published","data":{"version":1}}',
            status="failed",
            attempts=8,
            resends=0,
            next_attempt_at=utcnow(),
        )
        s.add(row)
        s.flush()
        return row.id


def test_register_list_rotate_deliveries_resend(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "bank", Role.bank_officer, tenant_code="bank-a")
    csrf = login(client, "bank")
    h = {"X-CSRF-Token": csrf}
    bad = client.post("/api/v1/webhooks/endpoints", json={"url": "http://x.example/h"}, headers=h)
    assert bad.status_code == 422 and "https" in bad.json()["error"]
    ssrf = client.post(
        "/api/v1/webhooks/endpoints", json={"url": "https://169.254.169.254/h"}, headers=h
    )
    assert ssrf.status_code == 422 and "链路本地" in ssrf.json()["error"]
    made = client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "https://bank.example.com/hook", "description": "总行"},
        headers=h,
    )
    assert made.status_code == 201, made.text
    created = made.json()
    assert created["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks/endpoints").json()
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]  # shown once only
    rotated = client.post(f"/api/v1/webhooks/endpoints/{created['id']}/rotate", headers=h)
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_expires_at"]
    row_id = _outbox(factory, created["id"])
    log = client.get(f"/api/v1/webhooks/endpoints/{created['id']}/deliveries").json()
    assert [(d["id"], d["status"]) for d in log] == [(row_id, "failed")]
    again = client.post(f"/api/v1/webhooks/deliveries/{row_id}/resend", headers=h)
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["attempts"], again.json()["resends"]) == (
        "pending",
        0,
        1,
    )


def test_another_banks_endpoint_is_a_404(
    app: object, client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "bank-a", Role.bank_officer, tenant_code="bank-a")
    make_user(factory, "bank-b", Role.bank_officer, tenant_code="bank-b")
    csrf = login(client, "bank-b")
    made = client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "https://b.example.com/hook"},
        headers={"X-CSRF-Token": csrf},
    ).json()
    row_id = _outbox(factory, made["id"])
    with TestClient(app) as other:  # type: ignore[arg-type]
        csrf_a = login(other, "bank-a")
        ha = {"X-CSRF-Token": csrf_a}
        assert other.get("/api/v1/webhooks/endpoints").json() == []
        assert (
            other.post(f"/api/v1/webhooks/endpoints/{made['id']}/rotate", headers=ha).status_code
            == 404
        )
        assert other.get(f"/api/v1/webhooks/endpoints/{made['id']}/deliveries").status_code == 404
        assert (
            other.post(f"/api/v1/webhooks/deliveries/{row_id}/resend", headers=ha).status_code
            == 404
        )


def test_bank_page_shows_the_secret_once_and_the_log(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "bank", Role.bank_approver, tenant_code="bank-a")
    login(client, "bank")
    page = client.get("/webhooks")
    assert page.status_code == 200 and "登记推送地址" in page.text
    assert 'href="/webhooks"' in page.text  # the nav link
    refused = client.post(
        "/webhooks/endpoints",
        data={"url": "https://10.0.0.1/h", "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code == 422 and "内网地址" in refused.text
    done = client.post(
        "/webhooks/endpoints",
        data={"url": "https://bank.example.com/h", "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200 and "whsec_" in done.text and "只显示这一次" in done.text
    with unit_of_work(factory) as s:
        endpoint_id = s.scalars(select(WebhookEndpoint.id)).one()
    row_id = _outbox(factory, endpoint_id)
    page = client.get("/webhooks")
    assert "whsec_" not in page.text and "msg_wlpub1_ep" in page.text
    resend = client.post(
        f"/webhooks/deliveries/{row_id}/resend",
        data={"csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert resend.status_code == 303
    rotated = client.post(
        f"/webhooks/endpoints/{endpoint_id}/rotate", data={"csrf_token": csrf_of(page.text)}
    )
    assert rotated.status_code == 200 and "whsec_" in rotated.text


def test_a_regulator_has_no_webhook_page(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    login(client, "reg")
    assert client.get("/webhooks").status_code == 403
    assert 'href="/webhooks"' not in client.get("/").text


# -- the worker command ----------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _cli_db(tmp_path: Path, receiver: Receiver) -> tuple[Path, sessionmaker[Session]]:
    path = tmp_path / "worker.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    make_user(factory, "bank", Role.bank_officer, tenant_code="bank-a")
    secret = rules.new_secret()
    receiver.secrets.append(secret)
    with unit_of_work(factory) as s:
        tenant_id = s.scalar(select(Tenant.id).where(Tenant.code == "bank-a"))
        ep = WebhookEndpoint(tenant_id=tenant_id, url=receiver.url, secret=secret, active=True)
        s.add(ep)
        s.flush()
        ep_id = ep.id
    for pub in (1, 2):
        _outbox(factory, ep_id, pub)
    with unit_of_work(factory) as s:
        for row in s.scalars(select(WebhookOutbox)):
            row.status, row.attempts = "pending", 0
    return path, factory


def _env(path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ZHIXIN_DATABASE_URL": f"sqlite:///{path}",
        "ZHIXIN_MODE": "development",
        "ZHIXIN_WEBHOOK_ALLOW_LOOPBACK": "true",
    }


def test_worker_once_delivers_what_is_due(tmp_path: Path, receiver: Receiver) -> None:
    path, factory = _cli_db(tmp_path, receiver)
    cmd = [sys.executable, "-m", "zhixin.cli", "worker", "--once"]
    first = subprocess.run(cmd, env=_env(path), capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "待重试 2" in first.stdout  # each failed once (500); retries are not yet due
    with unit_of_work(factory) as s:
        for row in s.scalars(select(WebhookOutbox)):
            row.next_attempt_at = utcnow()
    second = subprocess.run(cmd, env=_env(path), capture_output=True, text=True, timeout=60)
    assert second.returncode == 0 and "成功 2" in second.stdout, second.stdout
    assert sorted(receiver.processed.values()) == [1, 1] and receiver.bad_signatures == 0
    with unit_of_work(factory) as s:
        assert len(s.scalars(select(WebhookAttempt)).all()) == 4


def test_worker_loop_stops_gracefully_on_sigterm(tmp_path: Path, receiver: Receiver) -> None:
    receiver.fail_first = 0
    path, _factory = _cli_db(tmp_path, receiver)
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhixin.cli", "worker", "--idle", "0.2"],
        env=_env(path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while len(receiver.processed) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(receiver.processed) == 2
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "已退出" in out and "收到信号" in err


def test_an_enterprise_registers_its_own_endpoint_by_page_and_api(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    with unit_of_work(factory) as s:
        firm = Enterprise(uscc="91350200MA31234567", name="厦门矽创", kind="企业", status="存续")
        s.add(firm)
        s.flush()
        firm_id = firm.id
    make_user(factory, "firm", Role.enterprise, enterprise_id=firm_id)
    csrf = login(client, "firm")
    page = client.get("/webhooks")
    assert page.status_code == 200 and 'id="enterprise-webhooks"' in page.text
    assert "loan.line.frozen" in page.text and "只推送本企业自己的贷款" in page.text
    assert 'href="/webhooks"' in client.get("/").text  # the nav link
    done = client.post(
        "/webhooks/endpoints",
        data={"url": "https://firm.example.com/h", "csrf_token": csrf_of(page.text)},
    )
    assert done.status_code == 200 and "whsec_" in done.text and "本企业的推送端点" in done.text
    r = client.post(
        "/api/v1/webhooks/endpoints",
        json={"url": "https://firm.example.com/api-hook"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 201 and r.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks/endpoints").json()
    assert sorted(e["url"] for e in listed) == [
        "https://firm.example.com/api-hook",
        "https://firm.example.com/h",
    ]
