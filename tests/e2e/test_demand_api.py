"""融资需求 and 对接办贷台账 over HTTP (issue 22): a listed firm posts a need carrying its grade;
only banks whose products could serve it see it; one bank takes it and answers on the
working-day clock; the ledger and the conversion show the outcome; missed clocks go to the task
force, which assigns the need; a bank's ledger file keeps its good rows, reports the bad ones
by line, column and reason, and changes nothing when run again."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.cli import invoke
from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.config import Settings
from zhixin.demand import service
from zhixin.enterprises.models import Enterprise
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work

# the needs' locks, the ranking's sums and the ledger's unique key differ by database
pytestmark = pytest.mark.databases

FIRM_USCC = "91350200MA2Y00770J"
OTHER_USCC = "91110000600037341L"


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc=FIRM_USCC,
            name="厦门矽创微电子有限公司",
            kind="企业",
            status="存续",
            size_class="小",
            region_code="350206",
            established_on=date(2015, 3, 1),
        )
        other = Enterprise(
            uscc=OTHER_USCC,
            name="厦门乙制造有限公司",
            kind="企业",
            status="存续",
            size_class="中",
            region_code="350211",
        )
        s.add_all([firm, other])
        s.flush()
        ids = {"firm": firm.id, "other": other.id}
    publish_grades(factory, catalog="xiamen", grades={ids["firm"]: Grade("I", {"credit": "I"})})
    make_user(factory, "owner", Role.enterprise, enterprise_id=ids["firm"])
    make_user(factory, "xmrcb", Role.bank_officer, tenant_code="bank-xmrcb")
    make_user(factory, "nbbank", Role.bank_officer, tenant_code="bank-nbbank")
    make_user(factory, "icbc", Role.bank_officer, tenant_code="bank-icbc-xm")
    make_user(factory, "zhuanban", Role.task_force)
    return ids


def post(client: TestClient, csrf: str, url: str, body: Any = None) -> Any:
    return client.post(url, json=body, headers={"X-CSRF-Token": csrf})


NEED = {
    "amount": "3000000",
    "term_months": 12,
    "purpose": "quality_upgrade",
    "collateral": "none",
    "contact_consent": True,
    "contact_name": "王经理",
    "contact_phone": "0592-5550123",
    "note": "购置检测设备，申请 ISO 17025 实验室认可",
}


def test_need_taken_answered_and_counted(
    app: FastAPI,
    factory: sessionmaker[Session],
    world: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    with (
        TestClient(app) as owner,
        TestClient(app) as xm,
        TestClient(app) as nb,
        TestClient(app) as icbc,
        TestClient(app) as tf,
    ):
        o = login(owner, "owner")
        x = login(xm, "xmrcb")
        login(nb, "nbbank")
        i = login(icbc, "icbc")
        t = login(tf, "zhuanban")
        refused = post(owner, o, "/api/v1/needs", {**NEED, "contact_consent": False})
        assert refused.status_code == 422 and "须同意银行" in refused.json()["error"]
        made = post(owner, o, "/api/v1/needs", NEED)
        assert made.status_code == 201, made.text
        n = made.json()
        assert (n["listed"], n["grade"], n["status"]) == (True, "Ⅰ类", "open")
        assert n["quality_purpose"] is True
        with unit_of_work(factory) as s:
            take_by = service.add_workdays(s, clock.today(), 3)
        assert n["take_due_on"] == take_by.isoformat()

        # 宁波银行's products serve Ningbo only: the need is not its to see
        assert nb.get("/api/v1/needs").json() == []
        assert nb.get(f"/api/v1/needs/{n['id']}").status_code == 404
        market = xm.get("/api/v1/needs").json()
        assert [m["id"] for m in market] == [n["id"]]
        assert market[0]["contact_phone"] is None  # not before the bank takes it
        assert "鹭质贷" in market[0]["products"]

        taken = post(xm, x, f"/api/v1/needs/{n['id']}/take").json()
        assert (taken["status"], taken["bank_code"]) == ("taken", "bank-xmrcb")
        assert taken["contact_phone"] == "0592-5550123"
        # one bank at a time: the need left the market of the others
        assert post(icbc, i, f"/api/v1/needs/{n['id']}/take").status_code == 404
        jump = post(xm, x, f"/api/v1/needs/{n['id']}/steps", {"step": "applied"})
        assert jump.status_code == 409 and "已接单" in jump.json()["error"]
        for step in ("contacted", "onsite", "applied"):
            got = post(xm, x, f"/api/v1/needs/{n['id']}/steps", {"step": step})
            assert got.status_code == 200, got.text
        done = got.json()
        assert done["status"] == "applied" and done["due_on"] is None
        assert [e["kind"] for e in done["events"]] == [
            "posted",
            "taken",
            "contacted",
            "onsite",
            "applied",
        ]
        assert not any(e["late"] for e in done["events"])

        ledger = xm.get("/api/v1/ledger").json()
        assert len(ledger) == 1
        entry = ledger[0]
        assert (entry["source"], entry["source_ref"], entry["stage"]) == (
            "need",
            str(n["id"]),
            "已联系",
        )
        today = clock.today()
        report = {
            "uscc": FIRM_USCC,
            "source": "need",
            "source_ref": str(n["id"]),
            "contacted_on": today.isoformat(),
            "granted_on": today.isoformat(),
            "granted_amount": "3000000",
            "granted_rate": "3.45",
            "product_code": "luzhidai",
            "disbursed_on": today.isoformat(),
            "disbursed_amount": "2500000",
            "first_loan": True,
            "credit": True,
        }
        got = post(xm, x, "/api/v1/ledger", report)
        assert got.status_code == 200, got.text
        assert got.json()["stage"] == "已放款"
        bad = post(xm, x, "/api/v1/ledger", {**report, "disbursed_amount": "3500000"})
        assert bad.status_code == 422 and "不能超过授信金额" in bad.json()["error"]
        # another bank's report on a need it never took
        stray = post(icbc, i, "/api/v1/ledger", {**report})
        assert stray.status_code == 404

        conv = xm.get("/api/v1/ledger/conversion?by=bank").json()
        assert len(conv) == 1
        stages = {s["stage"]: s["enterprises"] for s in conv[0]["stages"]}
        assert stages == {"listed": 1, "needed": 1, "taken": 1, "granted": 1, "disbursed": 1}
        assert Decimal(conv[0]["first_loan_share"]) == Decimal(100)
        by_product = tf.get("/api/v1/ledger/conversion?by=product").json()
        assert by_product[0]["label"] == "鹭质贷"
        xlsx = tf.get("/api/v1/ledger/conversion.xlsx")
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"

        # a second need: nobody takes it; the clock job sends it to the task force
        second = post(owner, o, "/api/v1/needs", {**NEED, "amount": "500000"}).json()
        assert post(tf, t, "/api/v1/needs/escalations").json() == []
        # the clock job runs in `zhixin worker`'s housekeeping (no cron line needed)
        monkeypatch.setattr(clock, "today", lambda: take_by + timedelta(days=1))
        ran = invoke(
            ["worker", "--once"],
            {"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"},
        )
        assert ran.exit_code == 0 and "融资需求超时：1 个已移交融资协调专班" in ran.output
        monkeypatch.undo()
        queue = tf.get("/api/v1/needs?escalated=true").json()
        assert [q["id"] for q in queue] == [second["id"]]
        assert queue[0]["escalation_label"] == "超期无银行接单"
        wrong = post(tf, t, f"/api/v1/needs/{second['id']}/assign", {"bank_code": "nobank"})
        assert wrong.status_code == 422
        assigned = post(
            tf, t, f"/api/v1/needs/{second['id']}/assign", {"bank_code": "bank-xmrcb"}
        ).json()
        assert (assigned["status"], assigned["assigned"], assigned["escalation"]) == (
            "taken",
            True,
            None,
        )
        # the bank misses the response clock: the step is marked late, and it was escalated
        late_day = date.fromisoformat(assigned["due_on"]) + timedelta(days=1)
        with unit_of_work(factory) as s:
            sent = service.escalate_due(s, today=late_day)
        assert [(e.need_id, e.escalation, e.bank_code) for e in sent] == [
            (second["id"], "overdue", "bank-xmrcb")
        ]
        monkeypatch.setattr(clock, "today", lambda: late_day)
        got = post(
            xm,
            x,
            f"/api/v1/needs/{second['id']}/steps",
            {"step": "refused", "refusal_code": "R04", "note": "企业表示暂无需求"},
        )
        assert got.status_code == 200, got.text
        assert got.json()["events"][-1]["late"] is True
        ranking = dict((b, (late, esc)) for b, late, esc in _ranking(factory))
        assert ranking["bank-xmrcb"] == (1, 1)
        # finished: it leaves the task force's queue (its history keeps the escalation)
        assert tf.get("/api/v1/needs?escalated=true").json() == []
        refused_entry = next(
            e for e in xm.get("/api/v1/ledger").json() if e["source_ref"] == str(second["id"])
        )
        assert (refused_entry["refusal_code"], refused_entry["stage"]) == ("R04", "已拒绝")


def _ranking(factory: sessionmaker[Session]) -> list[tuple[str, int, int]]:
    from zhixin.demand import repository

    with unit_of_work(factory) as s:
        return repository.late_counts(s)


CSV_HEADER = (
    "统一社会信用代码,来源,来源编号,联系日期,授信日期,授信金额（元）,年化利率（%）,"
    "产品代码,放款日期,放款金额（元）,拒绝日期,拒绝原因代码,首贷户,信用贷款\n"
)


def test_ledger_file_keeps_good_rows_and_reruns_idempotently(
    app: FastAPI, world: dict[str, int]
) -> None:
    body = CSV_HEADER + (
        f"{FIRM_USCC},白名单推送,,2026-07-01,2026-07-03,200万,3.6,luzhidai,2026-07-05,"
        "150万,,,是,是\n"
        f"{OTHER_USCC},白名单推送,,2026-07-01,,,,,,,2026-07-02,R02,否,否\n"
        "91350200MA2Y00770X,白名单推送,,2026-07-01,,,,,,,,,否,否\n"
        f"{OTHER_USCC},预授信名单,L1,2026-07-01,2026-07-03,100万,,,,,,,否,否\n"
        f"{OTHER_USCC},融资需求接单,999,2026-07-01,,,,,,,,,否,否\n"
        f"{FIRM_USCC},白名单推送,,2026-07-02,,,,,,,,,否,否\n"
    )
    with TestClient(app) as xm:
        x = login(xm, "xmrcb")

        def upload() -> dict[str, Any]:
            r = xm.post(
                "/api/v1/ledger/imports",
                files={"file": ("台账-0701.csv", body.encode("utf-8"), "text/csv")},
                headers={"X-CSRF-Token": x},
            )
            assert r.status_code == 201, r.text
            return dict(r.json())

        first = upload()
        assert (first["rows"], first["created"], first["rejected"]) == (6, 2, 4)
        reasons = {(e["line"], e["field"]) for e in first["errors"]}
        assert reasons == {
            (4, "统一社会信用代码"),  # check digit
            (5, "年化利率（%）"),  # granted without a rate
            (6, "来源编号"),  # no such need taken by this bank
            (7, "统一社会信用代码"),  # the same push as line 2
        }
        again = upload()
        assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (
            0,
            0,
            2,
            4,
        )
        rows = xm.get("/api/v1/ledger").json()
        assert sorted(r["stage"] for r in rows) == ["已拒绝", "已放款"]
        page = xm.get(f"/ledger/imports/{again['id']}")
        assert page.status_code == 200
        assert "有误 4 行" in page.text and "与第 2 行是同一笔对接" in page.text
        tpl = xm.get("/api/v1/ledger/template.xlsx")
        assert tpl.status_code == 200 and tpl.content[:2] == b"PK"
