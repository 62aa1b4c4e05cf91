"""The reports' JSON API (/api/v1/reports/...): the same figures as the XLSX workbook and the
page (one service), scoped like them — a bank its own rows, a regulator its area — with stable
error codes, and every table described in the OpenAPI schema."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.report_book import TODAY, build
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.kit import clock
from zhixin.reports.registry import SECTIONS


@pytest.fixture
def world(factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    with factory() as session:
        build(session)
        session.commit()
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    make_user(factory, "zhuanban", Role.task_force, tenant_code="taskforce")
    make_user(factory, "yi-officer", Role.bank_officer, tenant_code="bank-b")
    make_user(factory, "huli", Role.regulator, tenant_code="reg-huli")
    with factory() as session:
        session.execute(text("UPDATE tenant SET region_code = '350206' WHERE code = 'reg-huli'"))
        session.commit()


def _same(cell: Any) -> Any:
    """A workbook cell and a JSON cell compared on one footing (numbers as Decimal)."""
    if cell is None or cell == "":
        return None
    if hasattr(cell, "date") and hasattr(cell, "hour"):
        return cell.date().isoformat()
    if hasattr(cell, "isoformat"):
        return cell.isoformat()
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return Decimal(str(cell)).normalize()
    if isinstance(cell, str):
        try:
            return Decimal(cell).normalize()
        except ArithmeticError:
            return cell
    return cell


def _sheets(data: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(data))
    return {
        ws.title: [[_same(c) for c in row] for row in ws.iter_rows(values_only=True)]
        for ws in book.worksheets
    }


def test_json_equals_the_workbook(client: TestClient, world: None) -> None:
    login(client, "zhuanban")
    got = client.get("/api/v1/reports/monthly", params={"month": "2026-11"})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["period"] == {
        "kind": "monthly",
        "key": "2026-11",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "title": "月调度 · 2026年11月",
    }
    assert [t["key"] for t in body["tables"]] == [s.key for s in SECTIONS]
    xlsx = client.get("/reports/export.xlsx", params={"kind": "monthly", "key": "2026-11"})
    sheets = _sheets(xlsx.content)
    compared = 0
    for t in body["tables"]:
        rows = sheets[t["title"].replace("·", "-")[:31]]
        assert rows[0] == [c["label"] for c in t["columns"]]
        for sheet_row, json_row in zip(rows[1:], t["rows"], strict=False):
            assert sheet_row[: len(json_row)] == [_same(v) for v in json_row], t["key"]
            compared += 1
        assert len(t["rows"]) == len([r for r in rows[1:] if any(v is not None for v in r)]) - (
            1 if t["note"] else 0
        )
    assert compared > 40
    banks = next(t for t in body["tables"] if t["key"] == "banks")
    # the page shows the same figures: each bank's 批准金额 appears on it
    page = client.get("/reports/monthly?month=2026-11").text
    for row in banks["rows"]:
        assert f"{Decimal(row[5]):,.2f}" in page


def test_daily_weekly_and_dashboard(client: TestClient, world: None) -> None:
    login(client, "zhuanban")
    day = client.get("/api/v1/reports/daily", params={"date": "2026-11-20"}).json()
    assert day["period"]["kind"] == "daily" and day["period"]["start"] == "2026-11-20"
    week = client.get("/api/v1/reports/weekly", params={"week": "2026-W47"}).json()
    assert (week["period"]["start"], week["period"]["end"]) == ("2026-11-16", "2026-11-22")
    month = client.get("/api/v1/reports/monthly", params={"month": "2026-11"}).json()
    dash = client.get(
        "/api/v1/reports/dashboard", params={"start": "2026-11-01", "end": "2026-11-30"}
    ).json()
    assert dash["period"]["kind"] == "range"
    # the same period through the dashboard: the same per-bank figures as the monthly report
    assert dash["tables"][0]["rows"] == month["tables"][0]["rows"]


def test_scope_and_error_codes(client: TestClient, world: None) -> None:
    login(client, "yi-officer")
    own = client.get("/api/v1/reports/monthly", params={"month": "2026-11"}).json()
    assert own["scope"] == "本行"
    banks = [r[0] for r in own["tables"][0]["rows"]]
    assert banks == ["乙银行"]
    other = client.get("/api/v1/reports/monthly", params={"month": "2026-11", "bank": "bank-a"})
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    bad = client.get("/api/v1/reports/weekly", params={"week": "2026-49"})
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid")
    assert "ISO 周" in bad.json()["message"]
    long = client.get(
        "/api/v1/reports/dashboard", params={"start": "2025-01-01", "end": "2026-11-30"}
    )
    assert (long.status_code, long.json()["code"]) == (422, "invalid")
    client.post("/logout")
    login(client, "huli")
    outside = client.get("/api/v1/reports/monthly", params={"month": "2026-11", "region": "3501"})
    assert (outside.status_code, outside.json()["code"]) == (403, "forbidden")
    inside = client.get("/api/v1/reports/monthly", params={"month": "2026-11"}).json()
    assert inside["scope"].startswith("辖区")


def test_the_schema_describes_every_table(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    op = schema["paths"]["/api/v1/reports/monthly"]["get"]
    for s in SECTIONS:
        assert f"`{s.key}`" in op["description"]
    assert "批准金额" in op["description"] and "快速通道超时" in op["description"]
    assert op["responses"]["422"]["x-error-codes"] == [
        "validation_failed",
        "out_of_range",
        "invalid",
    ]
    assert "not_found" in op["responses"]["404"]["x-error-codes"]
