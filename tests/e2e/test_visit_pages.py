"""The task force's visit pages on an empty platform: a campaign and a team created through the
forms, a visit sheet imported through the page, a visit assigned to a bank, a matching event;
the bank reads only what was assigned to it and the events it attended."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import placeholder_row
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.kit.db import unit_of_work

E1, E2 = "91350206MA2Y00010B", "91350206MA2Y00020C"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_the_task_force_runs_a_campaign(client: TestClient, factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        for uscc, name in ((E1, "甲公司"), (E2, "乙公司")):
            placeholder_row(s, "enterprise", uscc=uscc, name=name, region_code="350206")
    make_user(factory, "zhuanban", Role.task_force, tenant_code="taskforce")
    make_user(factory, "a-officer", Role.bank_officer, tenant_code="bank-a")
    make_user(factory, "b-officer", Role.bank_officer, tenant_code="bank-b")
    login(client, "zhuanban")
    page = client.get("/visits")
    assert page.status_code == 200 and "尚无走访活动" in page.text
    csrf = _csrf(page.text)
    made = client.post(
        "/visits/campaigns",
        data={
            "csrf_token": csrf,
            "name": "十一月走访",
            "start_on": "2026-11-01",
            "end_on": "2026-11-30",
            "region_code": "350206",
        },
    )
    assert made.status_code == 200 and "十一月走访" in made.text and "厦门市湖里区" in made.text
    cid = re.search(r'id="campaign-(\d+)"', made.text).group(1)  # type: ignore[union-attr]
    team = client.post(
        f"/visits/campaigns/{cid}/teams",
        data={
            "csrf_token": csrf,
            "name": "禾山一组",
            "street_code": "350206004",
            "bank_code": "bank-a",
            "property_name": "枋湖园区",
            "members": "街道 王某",
        },
    )
    assert "禾山一组：厦门市湖里区禾山街道" in team.text and "枋湖园区" in team.text
    bad_team = client.post(
        f"/visits/campaigns/{cid}/teams",
        data={"csrf_token": csrf, "name": "错组", "street_code": "350206"},
    )
    assert bad_team.status_code == 422 and "街道代码" in bad_team.text
    sheet = (
        "序号,统一社会信用代码,走访日期,走访小组,所在社区,融资需求金额（万元）,备注\n"
        f"1,{E1},2026-11-03,禾山一组,枋湖社区,100,\n"
        f"2,{E2},2026-11-04,,,,无需求\n"
    )
    done = client.post(
        "/visits/import",
        data={"campaign": cid, "csrf_token": csrf},
        files={"file": ("走访.csv", sheet.encode(), "text/csv")},
    )
    assert done.status_code == 200 and "新增 2 条" in done.text and "有误 0 行" in done.text
    listing = client.get("/visits/records", params={"campaign": cid})
    assert "共 2 条" in listing.text and "厦门市湖里区禾山街道枋湖社区" in listing.text
    assert "100.00 万元" in listing.text
    ids = re.findall(r'id="visit-(\d+)"', listing.text)
    second = ids[0]  # newest first: 乙公司 (no bank yet)
    client.post(
        f"/visits/records/{second}/assign", data={"csrf_token": csrf, "bank_code": "bank-b"}
    )
    event = client.post(
        "/visits/events",
        data={
            "csrf_token": csrf,
            "title": "湖里银企对接会",
            "held_on": "2026-11-20",
            "place": "湖里区政务中心",
            "banks": "bank-b",
            "enterprises": f"{E1}，{E2}",
            "campaign": cid,
        },
    )
    assert (
        event.status_code == 200
        and "湖里银企对接会" in event.text
        and "甲公司、乙公司" in event.text
    )
    client.post("/logout", data={"csrf_token": csrf})
    login(client, "b-officer")
    own = client.get("/visits/records")
    assert "共 1 条" in own.text and "乙公司" in own.text and "甲公司" not in own.text
    assert "湖里银企对接会" in client.get("/visits/events").text
    assert client.post("/visits/campaigns", data={"csrf_token": _csrf(own.text)}).status_code == 403
    client.post("/logout", data={"csrf_token": _csrf(own.text)})
    login(client, "a-officer")
    assert "湖里银企对接会" not in client.get("/visits/events").text
    assert "共 1 条" in client.get("/visits/records").text
