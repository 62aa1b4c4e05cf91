"""The visits' JSON API (/api/v1/visits): list with filters, one visit, a visit entered, its
outcome recorded and corrected, assignment, campaigns, events, the roll-up by area — and who
sees what (the task force all; a regulator its jurisdiction; a bank its assigned visits; any
other visit 404). Marked ``databases``: the scope and area filters are new SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import placeholder_row
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.accounts.rules import Role, TenantKind
from zhixin.audit.models import AuditEvent
from zhixin.kit.db import unit_of_work
from zhixin.visits import service as visits

pytestmark = pytest.mark.databases

HULI1, HULI2, SIMING = "91350206MA2Y00010B", "91350206MA2Y00020C", "91350203MA2Y000302"


def _setup(factory: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(factory) as s:
        placeholder_row(s, "enterprise", uscc=HULI1, name="甲公司", region_code="350206")
        placeholder_row(s, "enterprise", uscc=HULI2, name="乙公司", region_code="350206")
        placeholder_row(s, "enterprise", uscc=SIMING, name="丙公司", region_code="350203")
    make_user(factory, "zhuanban", Role.task_force, tenant_code="taskforce")
    make_user(factory, "a-officer", Role.bank_officer, tenant_code="bank-a")
    make_user(factory, "b-officer", Role.bank_officer, tenant_code="bank-b")
    make_user(factory, "huli-reg", Role.regulator, tenant_code="reg-huli")
    make_user(factory, "xm-reg", Role.regulator, tenant_code="reg-xm")
    with unit_of_work(factory) as s:
        for code, region in (("reg-huli", "350206"), ("reg-xm", "3502")):
            tenant = accounts.get_or_create_tenant(
                s, code=code, name="测试regulator", kind=TenantKind.regulator
            )
            accounts.set_region(s, actor=None, tenant_id=tenant.id, region_code=region)
        camp = visits.create_campaign(
            s,
            actor=None,
            name="十一月走访",
            start_on=date(2026, 11, 1),
            end_on=date(2026, 11, 30),
            region_code="3502",
        )
        team = visits.add_team(
            s,
            actor=None,
            campaign_id=camp.id,
            name="禾山一组",
            street_code="350206004",
            bank_code="bank-a",
        )
        return camp.id, team.id


def _as(app: FastAPI, username: str) -> TestClient:
    """A client signed in as ``username``, sending its CSRF token with every call."""
    client = TestClient(app)
    client.headers["X-CSRF-Token"] = login(client, username)
    return client


def test_visits_api_end_to_end(app: FastAPI, factory: sessionmaker[Session]) -> None:
    cid, tid = _setup(factory)
    client = _as(app, "zhuanban")
    # 1. three visits entered one by one: a community, a street, none (the firm's county)
    one = client.post(
        "/api/v1/visits",
        json={
            "campaign_id": cid,
            "uscc": HULI1,
            "visited_on": "2026-11-03",
            "team_id": tid,
            "place_code": "350206004001",
            "needs": "扩产缺流动资金",
            "amount_wanted": "1500000.00",
            "products": "鹭质贷",
        },
    )
    assert one.status_code == 201, one.text
    v1 = one.json()
    assert v1["bank_code"] == "bank-a"  # the team's bank follows up
    assert v1["follow_up_workdays"] == 5 and v1["follow_up_due_on"] == "2026-11-10"
    assert v1["area"] == "厦门市湖里区禾山街道枋湖社区" and v1["outcome"] == "open"
    assert Decimal(v1["amount_wanted"]) == Decimal("1500000.00")
    two = client.post(
        "/api/v1/visits",
        json={
            "campaign_id": cid,
            "uscc": HULI2,
            "visited_on": "2026-11-04",
            "place_code": "350206001",
            "amount_wanted": "300000",
            "bank_code": "bank-b",
        },
    ).json()
    three = client.post(
        "/api/v1/visits", json={"campaign_id": cid, "uscc": SIMING, "visited_on": "2026-11-05"}
    ).json()
    assert three["area_code"] == "350203" and three["bank_code"] is None
    # the same firm, campaign and day again: a conflict, not an overwrite
    again = client.post(
        "/api/v1/visits", json={"campaign_id": cid, "uscc": HULI1, "visited_on": "2026-11-03"}
    )
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert f"编号 {v1['id']}" in again.json()["message"]
    bad = client.post(
        "/api/v1/visits",
        json={"campaign_id": cid, "uscc": "91350206MA2Y00010X", "visited_on": "2026-12-01"},
    )
    body = bad.json()
    assert bad.status_code == 422 and body["code"] == "invalid"
    assert body["message"] == "统一社会信用代码：统一社会信用代码校验位错误"
    late = client.post(
        "/api/v1/visits", json={"campaign_id": cid, "uscc": HULI2, "visited_on": "2026-12-01"}
    )
    assert late.status_code == 422
    assert late.json()["message"] == "走访日期：不在本次活动期间（2026-11-01 至 2026-11-30）"
    # 2. filters: status, bank, team, region at every level, overdue
    every = client.get("/api/v1/visits").json()
    assert every["total"] == 3 and [v["id"] for v in every["items"]] == [
        three["id"],
        two["id"],
        v1["id"],
    ]
    assert client.get("/api/v1/visits", params={"bank": "bank-b"}).json()["total"] == 1
    assert client.get("/api/v1/visits", params={"team": tid}).json()["total"] == 1
    by_region = {
        r: client.get("/api/v1/visits", params={"region": r}).json()["total"]
        for r in ("35", "3502", "350206", "350206004", "350206004001", "350206001", "350203")
    }
    assert by_region == {
        "35": 3,
        "3502": 3,
        "350206": 2,
        "350206004": 1,
        "350206004001": 1,
        "350206001": 1,
        "350203": 1,
    }
    assert client.get("/api/v1/visits", params={"overdue": True}).json()["total"] == 2
    page = client.get("/api/v1/visits", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 3 and [v["id"] for v in page["items"]] == [two["id"]]
    wrong = client.get("/api/v1/visits", params={"region": "35020"})
    assert wrong.status_code == 422 and "区域" in wrong.json()["message"]
    assert client.get("/api/v1/visits", params={"status": "x"}).status_code == 422
    # 3. the roll-up by area: the platform by city, a county by street
    top = client.get("/api/v1/visits/areas").json()
    assert top["level_below"] == "市" and [(r["code"], r["visits"]) for r in top["rows"]] == [
        ("3502", 3)
    ]
    huli = client.get("/api/v1/visits/areas", params={"region": "350206"}).json()
    assert huli["level_below"] == "街道（乡镇）" and huli["trail"] == ["35", "3502", "350206"]
    assert [(r["code"], r["visits"], r["needs"], r["overdue"]) for r in huli["rows"]] == [
        ("350206001", 1, 1, 1),
        ("350206004", 1, 1, 1),
    ]
    assert Decimal(huli["total"]["amount_wanted"]) == Decimal("1800000.00")
    xm = client.get("/api/v1/visits/areas", params={"region": "3502"}).json()
    assert [(r["code"], r["firms"]) for r in xm["rows"]] == [("350203", 1), ("350206", 2)]
    siming = client.get("/api/v1/visits/areas", params={"region": "350203"}).json()
    assert [(r["code"], r["name"], r["visits"]) for r in siming["rows"]] == [
        (None, "未细分到下级区域", 1)
    ]
    # 4. campaigns with their teams; events
    camps = client.get("/api/v1/visits/campaigns").json()
    assert camps[0]["teams"][0]["street"] == "厦门市湖里区禾山街道"
    assert client.get("/api/v1/visits/events").json() == []
    # 5. assign the third visit to bank-a; the bank records an outcome
    assigned = client.post(f"/api/v1/visits/{three['id']}/assign", json={"bank_code": "bank-a"})
    assert assigned.status_code == 200 and assigned.json()["bank_code"] == "bank-a"
    client = _as(app, "a-officer")
    own = client.get("/api/v1/visits").json()
    assert sorted(v["id"] for v in own["items"]) == sorted([v1["id"], three["id"]])
    other = client.get(f"/api/v1/visits/{two['id']}")
    assert other.status_code == 404 and other.json()["code"] == "not_found"
    assert client.get("/api/v1/visits", params={"bank": "bank-b"}).status_code == 404
    assert (
        client.post(
            f"/api/v1/visits/{two['id']}/outcome",
            json={"outcome": "applied", "outcome_on": "2026-11-20"},
        ).status_code
        == 404
    )
    url = f"/api/v1/visits/{v1['id']}/outcome"
    applied = client.post(url, json={"outcome": "applied", "outcome_on": "2026-11-06"})
    assert applied.status_code == 200 and applied.json()["outcome_label"] == "已申请"
    assert applied.json()["overdue"] is False
    early = client.post(url, json={"outcome": "granted", "outcome_on": "2026-11-01"})
    assert early.status_code == 422 and "不能早于走访日期" in early.json()["message"]
    unconfirmed = client.post(url, json={"outcome": "granted", "outcome_on": "2026-11-20"})
    assert unconfirmed.status_code == 422 and "请勾选确认" in unconfirmed.json()["message"]
    granted = client.post(
        url, json={"outcome": "granted", "outcome_on": "2026-11-20", "confirm": True}
    )
    assert granted.status_code == 200 and granted.json()["final"] is True
    locked = client.post(url, json={"outcome": "open"})
    assert locked.status_code == 409 and "联系融资协调专班" in locked.json()["message"]
    assert client.post("/api/v1/visits", json={}).status_code == 403
    # 6. the task force corrects the final outcome
    client = _as(app, "zhuanban")
    fixed = client.post(
        url, json={"outcome": "declined", "outcome_on": "2026-11-21", "confirm": True}
    )
    assert fixed.status_code == 200 and fixed.json()["outcome"] == "declined"
    with factory() as s:
        trail = [
            (e.detail["from"], e.detail["to"])
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "visit.outcome")
                .order_by(AuditEvent.id)
            )
        ]
        created = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "visit.create")
        )
    assert trail == [("open", "applied"), ("applied", "granted"), ("granted", "declined")]
    assert created == 3
    # 7. regulators: 湖里区 sees its two firms' visits, not 思明区's (404); 厦门市 all three
    client = _as(app, "huli-reg")
    mine = client.get("/api/v1/visits").json()
    assert mine["total"] == 2 and {v["enterprise"] for v in mine["items"]} == {"甲公司", "乙公司"}
    assert client.get(f"/api/v1/visits/{three['id']}").status_code == 404
    assert client.get(f"/api/v1/visits/{v1['id']}").json()["outcome"] == "declined"
    roll = client.get("/api/v1/visits/areas").json()
    assert roll["code"] == "350206" and roll["total"]["visits"] == 2
    assert roll["total"]["applied"] == 0 and roll["total"]["assigned"] == 2
    outside = client.get("/api/v1/visits", params={"region": "350203"})
    assert outside.status_code == 403 and outside.json()["code"] == "forbidden"
    assert client.get("/api/v1/visits", params={"region": "35"}).json()["total"] == 2
    assert client.post(url, json={"outcome": "open"}).status_code == 403
    client = _as(app, "xm-reg")
    assert client.get("/api/v1/visits").json()["total"] == 3
    assert [r["code"] for r in client.get("/api/v1/visits/areas").json()["rows"]] == [
        "350203",
        "350206",
    ]
