"""The demand side's pages and forms (what the browser journeys click, without a browser): the
firm's form posts a need, the bank's buttons take it and record each step, the ledger form and
the file import answer with the outcome and the row-level report, all in Chinese."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.test_demand_api import CSV_HEADER, FIRM_USCC, OTHER_USCC, world  # noqa: F401
from tests.support.web import csrf_of, login
from zhixin.kit import clock


def form(client: TestClient, url: str, data: dict[str, str], csrf: str) -> str:
    resp = client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=True)
    assert resp.status_code == 200, resp.text[:500]
    return str(resp.text)


def test_need_and_ledger_through_the_pages(
    app: FastAPI,
    factory: sessionmaker[Session],
    world: dict[str, int],  # noqa: F811
) -> None:
    with TestClient(app) as owner, TestClient(app) as bank:
        login(owner, "owner")
        login(bank, "xmrcb")
        page = owner.get("/needs").text
        assert "发布本企业融资需求" in page and "质量提升类" in page
        csrf = csrf_of(page)
        refused = owner.post(
            "/needs",
            data={
                "amount_wan": "300",
                "term_months": "12",
                "purpose": "quality_upgrade",
                "collateral": "none",
                "contact_name": "王经理",
                "contact_phone": "0592-5550123",
                "csrf_token": csrf,
            },
        )
        assert refused.status_code == 422 and "须同意银行" in refused.text
        text = form(
            owner,
            "/needs",
            {
                "amount_wan": "300",
                "term_months": "12",
                "purpose": "quality_upgrade",
                "collateral": "none",
                "contact_name": "王经理",
                "contact_phone": "0592-5550123",
                "contact_consent": "true",
            },
            csrf,
        )
        assert "待接单" in text and "300.00 万元" in text and "白名单企业，质量信誉等级 Ⅰ类" in text
        need_id = int(re.search(r'id="need-(\d+)"', text).group(1))  # type: ignore[union-attr]

        levers = owner.get(f"/enterprises/{world['firm']}/price-levers")
        assert levers.status_code == 200 and "提升等级能省多少" in levers.text
        assert "鹭质贷" in levers.text and "当前：年化利率" in levers.text
        assert owner.get(f"/enterprises/{world['other']}/price-levers").status_code == 404
        page = bank.get("/needs").text
        assert "鹭质贷" in page and "0592-5550123" not in page
        b = csrf_of(page)
        text = form(bank, f"/needs/{need_id}/take", {}, b)
        assert "已接单" in text and "0592-5550123" in text and "测试bank" in text
        for step in ("contacted", "onsite", "applied"):
            text = form(bank, f"/needs/{need_id}/steps", {"step": step}, b)
        assert "已受理申请" in text and "（已超期）" not in text
        no_reason = bank.post(f"/needs/{need_id}/steps", data={"step": "refused", "csrf_token": b})
        assert no_reason.status_code == 409

        ledger = bank.get("/ledger").text
        assert "融资需求接单 " + str(need_id) in ledger and "已联系" in ledger
        today = clock.today().isoformat()
        text = form(
            bank,
            "/ledger",
            {
                "uscc": FIRM_USCC,
                "source": "need",
                "source_ref": str(need_id),
                "contacted_on": today,
                "granted_on": today,
                "granted_amount": "3000000",
                "granted_rate": "3.45",
                "product_code": "luzhidai",
                "disbursed_on": today,
                "disbursed_amount": "3000000",
                "first_loan": "true",
                "credit": "true",
            },
            b,
        )
        assert "已放款" in text and "首贷户" in text
        bad = bank.post(
            "/ledger",
            data={
                "uscc": FIRM_USCC,
                "source": "need",
                "source_ref": str(need_id),
                "granted_on": "明天",
                "csrf_token": b,
            },
        )
        assert bad.status_code == 422 and "授信日期" in bad.text
        conv = bank.get("/ledger/conversion").text
        assert "测试bank" in conv and "100.00%" in conv

        body = CSV_HEADER + (
            f"{OTHER_USCC},白名单推送,,2026-07-01,,,,,,,2026-07-02,R09,否,否\n"
            f"{OTHER_USCC},预授信名单,L1,2026-07-01,,,,,,,,,否,否\n"
        )
        resp = bank.post(
            "/ledger/imports",
            files={"file": ("台账.csv", body.encode("gb18030"), "text/csv")},
            data={"csrf_token": b},
            follow_redirects=True,
        )
        assert resp.status_code == 200
        assert "新增 1 笔" in resp.text and "有误 1 行" in resp.text
        assert "拒绝原因代码" in resp.text and "R01、R02" in resp.text
