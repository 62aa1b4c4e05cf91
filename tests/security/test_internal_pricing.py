"""Internal pricing stays internal (issue 15, item 10): an enterprise's view of its own quote —
the API, the page and the XLSX — shows what a borrower is shown, never the bank's RAROC inputs
(PD, LGD, funding cost, operating cost, capital, hurdle). The bank's users still see them."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work

XM = make_uscc("91350200MA3123456")
# what the RAROC check shows and a borrower must not see (鹭质贷's file: PD 0.8 % for Ⅰ类,
# LGD 45 %, funding cost 1.8 %, operating cost 0.8 %, capital 8 %, hurdle 12 %)
INTERNAL = ("RAROC", "违约概率", "违约损失率", "资金成本", "运营成本", "经济资本", "门槛收益率")


@pytest.fixture
def ids(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc=XM,
            name="厦门矽创",
            kind="企业",
            status="存续",
            size_class="小",
            region_code="350203",
            established_on=date(2015, 3, 1),
        )
        s.add(firm)
        s.flush()
        eid = firm.id
    publish_grades(factory, catalog="xiamen", grades={eid: Grade("I", {"credit": "I"})})
    return {
        "xm": eid,
        "firm": make_user(factory, "firm", Role.enterprise, enterprise_id=eid),
        "officer": make_user(factory, "officer", Role.bank_officer, tenant_code="bank-xmrcb"),
    }


def _body() -> dict[str, Any]:
    return {
        "product": "luzhidai",
        "uscc": XM,
        "amount": "1000000",
        "term_months": 12,
        "method": "等额本息",
        "date": "2025-07-15",
    }


def _xlsx_text(content: bytes) -> str:
    ws = load_workbook(BytesIO(content)).active
    return "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None)


def _assert_borrower_view(client: TestClient, quote_id: int, api: dict[str, Any]) -> None:
    assert api["raroc"] is None
    body = json.dumps(api, ensure_ascii=False)
    for word in ("funding_cost", "operating_cost", "expected_loss", "hurdle", *INTERNAL):
        assert word not in body, word
    assert client.get(f"/api/v1/quotes/{quote_id}").json()["raroc"] is None
    page = client.get(f"/quotes/{quote_id}")
    assert page.status_code == 200
    for word in INTERNAL:
        assert word not in page.text, word
    sheet = client.get(f"/quotes/{quote_id}/schedule.xlsx")
    assert sheet.status_code == 200
    text = _xlsx_text(sheet.content)
    for word in INTERNAL:
        assert word not in text, word


def test_an_enterprise_sees_its_own_quote_as_a_borrower(
    client: TestClient, ids: dict[str, int]
) -> None:
    csrf = login(client, "firm")
    resp = client.post("/api/v1/quotes", json=_body(), headers={"X-CSRF-Token": csrf})
    assert resp.status_code == 201, resp.text
    q = resp.json()
    assert q["eligible"] is True and q["costs"]["annualised_rate"]  # the borrower's figures
    _assert_borrower_view(client, q["id"], q)


def test_the_bank_sees_the_raroc_check_the_enterprise_does_not(
    client: TestClient, ids: dict[str, int]
) -> None:
    csrf = login(client, "officer")
    resp = client.post("/api/v1/quotes", json=_body(), headers={"X-CSRF-Token": csrf})
    assert resp.status_code == 201, resp.text
    q = resp.json()
    # the bank's own view: RAROC at 4.90 % for Ⅰ类: EL 0.8 × 45 % = 0.36;
    # 4.90 − 1.8 − 0.8 − 0.36 = 1.94; ÷ 8 % = 24.25 % ≥ the 12 % hurdle
    assert q["raroc"] is not None
    assert (q["raroc"]["raroc"], q["raroc"]["hurdle"]) == ("24.2500", "12.0000")
    page = client.get(f"/quotes/{q['id']}").text
    assert "RAROC" in page and "违约概率 PD 0.8000%" in page
    # the same stored quote, read by the enterprise it is for
    firm = TestClient(client.app)
    login(firm, "firm")
    seen = firm.get(f"/api/v1/quotes/{q['id']}")
    assert seen.status_code == 200
    _assert_borrower_view(firm, q["id"], seen.json())


def test_the_product_page_and_api_keep_the_raroc_inputs_for_banks(
    client: TestClient, ids: dict[str, int]
) -> None:
    login(client, "firm")
    api = client.get("/api/v1/products/luzhidai")
    assert api.status_code == 200
    assert api.json()["config"]["raroc"] is None
    listed = client.get("/api/v1/products").json()
    assert all(p["config"]["raroc"] is None for p in listed)
    page = client.get("/products/luzhidai").text
    for word in INTERNAL[1:]:  # the inputs; the file's list of proposals may name "RAROC 参数"
        assert word not in page, word
    bank = TestClient(client.app)
    login(bank, "officer")
    assert bank.get("/api/v1/products/luzhidai").json()["config"]["raroc"]["hurdle"] == "12"
    assert "门槛收益率" in bank.get("/products/luzhidai").text
