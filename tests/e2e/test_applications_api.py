"""Applications through HTTP: the JSON API's whole way, Idempotency-Key on POSTs, tenancy (another
bank's or enterprise's application is a 404), the pages' refusals, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import ALL_MATERIALS, build_world, form
from tests.support.web import login
from zhixin.applications import service, workflow
from zhixin.applications.models import Application, ApplicationEvent
from zhixin.applications.rules import Action
from zhixin.kit import clock
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


def _as(app: FastAPI, username: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app)
    client.__enter__()
    return client, {"X-CSRF-Token": login(client, username)}


def _count(factory: sessionmaker[Session], model: type) -> int:
    with unit_of_work(factory) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_api_whole_way_with_idempotency_keys(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    build_world(factory)
    owner, oh = _as(app, "owner-a")
    first = owner.post("/api/v1/applications", json=BODY, headers=oh | {"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    app_id = first.json()["id"]
    assert first.json()["state"] == "submitted" and first.json()["fast_lane_days"] == 4
    # the same key and body: the same answer, no second application
    again = owner.post("/api/v1/applications", json=BODY, headers=oh | {"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.headers["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    assert _count(factory, Application) == 1
    # the same key with another body is refused
    other = owner.post(
        "/api/v1/applications",
        json=BODY | {"amount": "2000000.00"},
        headers=oh | {"Idempotency-Key": "k-1"},
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["error"]
    assert _count(factory, Application) == 1

    officer, fh = _as(app, "officer")
    assert officer.get("/api/v1/applications", headers=fh).json()["total"] == 1
    r = officer.post(f"/api/v1/applications/{app_id}/accept", json={}, headers=fh)
    assert r.status_code == 200 and r.json()["deadline"] is not None
    officer.post(f"/api/v1/applications/{app_id}/review/start", json={}, headers=fh)
    for code in ("fixed_premises", "real_need", "lawful_use"):
        r = officer.post(
            f"/api/v1/applications/{app_id}/checks/attest",
            json={"code": code, "passed": True, "note": "已实地核实"},
            headers=fh,
        )
        assert r.status_code == 200, r.text
    r = officer.post(
        f"/api/v1/applications/{app_id}/review",
        json={"recommendation": "approve", "note": "建议批准"},
        headers=fh,
    )
    assert r.json()["state"] == "pending_approval"
    # the reviewer holds no approver role: 403 from the route
    assert (
        officer.post(f"/api/v1/applications/{app_id}/approve", json={}, headers=fh).status_code
        == 403
    )

    approver, ah = _as(app, "approver")
    version = r.json()["version"]
    ok = approver.post(
        f"/api/v1/applications/{app_id}/approve",
        json={"version": version, "note": "同意"},
        headers=ah | {"Idempotency-Key": "approve-1"},
    )
    assert ok.status_code == 200 and ok.json()["state"] == "approved"
    replay = approver.post(
        f"/api/v1/applications/{app_id}/approve",
        json={"version": version, "note": "同意"},
        headers=ah | {"Idempotency-Key": "approve-1"},
    )
    assert replay.json() == ok.json() and replay.headers["Idempotency-Replayed"] == "true"
    with unit_of_work(factory) as s:
        approvals = s.scalar(
            select(func.count())
            .select_from(ApplicationEvent)
            .where(ApplicationEvent.action == "approve")
        )
        assert approvals == 1
    # a new key is a new request: now a conflict, in Chinese
    late = approver.post(
        f"/api/v1/applications/{app_id}/approve",
        json={"version": version},
        headers=ah | {"Idempotency-Key": "approve-2"},
    )
    assert late.status_code == 409 and "版本已变化" in late.json()["error"]
    detail = owner.get(f"/api/v1/applications/{app_id}", headers=oh).json()
    assert detail["decided_on"] == clock.today().isoformat()
    assert detail["decision_days"] == 0 and detail["on_time"] is True
    assert [e["action"] for e in detail["events"]][-1] == "approve"
    assert detail["terms"]["eligible"] is True and len(detail["checks"]) == 5
    for c in (owner, officer, approver):
        c.__exit__(None, None, None)


def test_another_bank_or_enterprise_gets_404(app: FastAPI, factory: sessionmaker[Session]) -> None:
    build_world(factory)
    owner, oh = _as(app, "owner-a")
    app_id = owner.post("/api/v1/applications", json=BODY, headers=oh).json()["id"]
    for user in ("icbc-officer", "owner-b"):
        c, h = _as(app, user)
        assert c.get(f"/api/v1/applications/{app_id}", headers=h).status_code == 404
        assert c.get("/api/v1/applications", headers=h).json()["total"] == 0
        c.__exit__(None, None, None)
    icbc, ih = _as(app, "icbc-officer")
    r = icbc.post(f"/api/v1/applications/{app_id}/accept", json={}, headers=ih)
    assert r.status_code == 404
    tf, th = _as(app, "taskforce")
    assert tf.get(f"/api/v1/applications/{app_id}", headers=th).status_code == 200
    assert tf.get("/api/v1/consultations", headers=th).json()["total"] == 0
    assert tf.get("/api/v1/consultations/999", headers=th).status_code == 404
    bad = owner.post(
        "/api/v1/applications",
        json=BODY | {"product_code": "zhuanjingtexin-edai", "use_of_funds": "部分用于炒股"},
        headers=oh,
    )
    assert bad.status_code == 201
    use = next(c for c in bad.json()["checks"] if c["code"] == "lawful_use")
    assert use["status"] == "failed" and "证券投资" in use["evidence"][0]
    for c in (owner, icbc, tf):
        c.__exit__(None, None, None)


def test_pages_show_refusals_on_the_application(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    build_world(factory)
    owner, oh = _as(app, "owner-a")
    app_id = owner.post(
        "/api/v1/applications", json=BODY | {"materials": ["licence"]}, headers=oh
    ).json()["id"]
    page = owner.get(f"/applications/{app_id}")
    assert page.status_code == 200 and "五项标准" in page.text and "申请材料" in page.text
    officer, fh = _as(app, "officer")
    token = fh["X-CSRF-Token"]
    refused = officer.post(
        f"/applications/{app_id}/act/accept", data={"csrf_token": token, "note": ""}
    )
    assert refused.status_code == 422 and "材料不全，不能受理" in refused.text
    asked = officer.post(
        f"/applications/{app_id}/act/request_materials",
        data={"csrf_token": token, "codes": ["financials", "premises"], "note": "请补充"},
        follow_redirects=False,
    )
    assert asked.status_code == 303
    queue = officer.get("/applications")
    assert "补充材料" in queue.text and f"#{app_id}" in queue.text
    for c in (owner, officer):
        c.__exit__(None, None, None)


def test_cli_lists_the_queue_shows_one_and_exports(
    tmp_path: Path, factory: sessionmaker[Session], settings: object
) -> None:
    w = build_world(factory)
    with unit_of_work(factory) as s:
        app_id = service.submit(s, actor=w.who("owner-a"), form=form(), on=date(2025, 1, 20)).id
        workflow.move(
            s, Action.accept, actor=w.who("officer"), application_id=app_id, on=date(2025, 1, 20)
        )
    env = {
        **os.environ,
        "ZHIXIN_DATABASE_URL": settings.database_url,  # type: ignore[attr-defined]
        "ZHIXIN_MODE": "development",
        "COLUMNS": "240",  # rich draws the table this wide instead of truncating cells
    }
    xlsx = tmp_path / "queue.xlsx"
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "zhixin.cli",
            "applications",
            "list",
            "--overdue",
            "--on",
            "2025-01-27",
            "--xlsx",
            str(xlsx),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    # accepted Mon 20 Jan, due Fri 24 Jan; on Mon 27 Jan it is two working days late
    assert listed.returncode == 4, listed.stderr
    assert "厦门鹭芯科技有限公司" in listed.stdout and "已逾期 2" in listed.stdout
    assert "逾期 1 笔" in listed.stdout
    sheet = load_workbook(xlsx)["申请队列"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and rows[1][0] == app_id and rows[1][13] == "是"
    shown = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "applications", "show", str(app_id)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "贷款申请" in shown.stdout and "合规持续经营" in shown.stdout
    assert "2025-01-24" in shown.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "applications", "show", "999999"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert missing.returncode == 1 and "未找到该贷款申请" in missing.stderr
