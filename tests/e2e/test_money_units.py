"""Money units (issue 21 item 4): a figure implausible for its unit (1,500,000 万元 for a product
of at most 700 万元) asks "您是否输入的是元？" before anything is submitted, on the application
form and the quote form, without script; an ineligible application is flagged in the bank's
queue and does not block a corrected one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import csrf_of, login
from zhixin.demo.loader import DEMO_PASSWORD, load_demo

pytestmark = pytest.mark.slow

FORM = {
    "product": "luzhidai",
    "term": "12",
    "method": "随借随还",
    "purpose": "购置检测设备",
    "use_of_funds": "支付设备采购合同款（受托支付）",
    "annual_sales": "2000",
    "consent_scope": "records",
    "materials": ["licence", "financials", "use_proof", "legal_rep_id", "premises"],
}


def test_an_implausible_figure_asks_and_an_ineligible_application_does_not_block(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    with TestClient(app) as c:
        login(c, "enterprise3", DEMO_PASSWORD)
        page = c.get("/applications/new").text
        csrf = csrf_of(page)
        expiry = re.search(r'name="consent_expires_on"[^>]*value="([^"]+)"', page)
        data = {**FORM, "csrf_token": csrf, "amount": "1500000"}
        if expiry:
            data["consent_expires_on"] = expiry.group(1)
        asked = c.post("/applications/new", data=data)
        assert asked.status_code == 422, asked.text
        assert "您是否输入的是元？" in asked.text and "鹭质贷单户最高 700 万元" in asked.text
        assert "按 150 万元提交" in asked.text
        assert "/applications/" not in str(asked.url).replace("/applications/new", "")

        # 否: the figure stands; the product refuses it, the application is still made
        kept = c.post("/applications/new", data={**data, "unit_answer": "wan"})
        assert kept.status_code == 200 and re.search(r"/applications/\d+$", str(kept.url))
        refused = str(kept.url).rsplit("/", 1)[-1]
        # a corrected one is not blocked by the ineligible one
        fixed = c.post("/applications/new", data={**data, "unit_answer": "yuan"})
        assert fixed.status_code == 200 and re.search(r"/applications/\d+$", str(fixed.url))
        corrected = str(fixed.url).rsplit("/", 1)[-1]
        assert corrected != refused and "150.00 万元" in fixed.text

    with TestClient(app) as c:
        login(c, "xmrcb-officer", DEMO_PASSWORD)
        queue = c.get("/applications").text
        row = re.search(rf'<tr id="application-{refused}".*?</tr>', queue, re.S)
        assert row and "不符合准入条件" in row.group(0)
        assert f'id="application-{corrected}"' in queue

        form = c.get("/quotes/new").text
        quote = {
            "csrf_token": csrf_of(form),
            "product": "luzhidai",
            "amount": "1500000",
            "unit": "wan",
            "term": "12",
            "method": "随借随还",
            "uscc": "",
        }
        asked = c.post("/quotes/new", data=quote)
        assert asked.status_code == 422 and "您是否输入的是元？" in asked.text
        assert 'value="1500000"' in asked.text
