"""A product's risk model through HTTP: the quote API, page and XLSX show the model version and
the Chinese reasons; the borrower never sees the score, PD or RAROC; a bank without consent gets
the consent message; an application frozen on such a quote shows the reasons with its refusal;
a patent pledged by valuation id through the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html import escape
from io import BytesIO
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.integration import test_quotes_service as qs
from tests.integration.test_applications import ALL_MATERIALS, World, build_world
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.consent import service as consents
from zhixin.kit.db import unit_of_work
from zhixin.risk import service as risk

D = Decimal
QUOTE = {
    "product": "zhuanjingtexin-edai",
    "amount": "3000000",
    "term_months": 12,
    "method": "按月付息到期还本",
    "date": "2025-07-15",
    "annual_sales": "30000000",
}


def _as(app: FastAPI, username: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app)
    client.__enter__()
    return client, {"X-CSRF-Token": login(client, username)}


def _champion(factory: sessionmaker[Session], w: World) -> None:
    make_user(factory, "regulator2", Role.regulator, tenant_code="amr")
    with unit_of_work(factory) as s:
        model_id = risk.register_expert(s, actor=w.who("regulator"), spec_code="zjtx-edai").id
    with unit_of_work(factory) as s:
        risk.promote(s, actor=w.who("regulator2"), model_id=model_id)


def _sheet_text(content: bytes) -> str:
    ws = load_workbook(BytesIO(content)).active
    assert ws is not None
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_quote_api_page_and_xlsx_show_the_model_to_each_as_they_may(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    w = build_world(factory)
    with unit_of_work(factory) as s:  # 专精特新e贷 asks for the title: an eligible quote
        qs._record(
            s,
            w.a,
            "title",
            "T1",
            subtype="专精特新中小企业",
            level="省级",
            valid_from=date(2024, 1, 1),
            valid_to=date(2027, 1, 1),
        )
    _champion(factory, w)
    bank, bh = _as(app, "icbc-officer")
    body: dict[str, Any] = QUOTE | {"enterprise_id": w.a}
    refused = bank.post("/api/v1/quotes", json=body, headers=bh)
    assert refused.status_code == 403
    assert refused.json()["error"].startswith("该企业尚未授权贵行读取其明细数据")
    assert refused.json()["detail"] == {"code": "no_consent"}
    with unit_of_work(factory) as s:
        consents.grant(
            s,
            actor=w.who("owner-a"),
            enterprise_id=w.a,
            tenant_id=w.who("icbc-officer").tenant_id,
        )
    made = bank.post("/api/v1/quotes", json=body, headers=bh)
    assert made.status_code == 201, made.text
    q = made.json()
    assert q["eligible"] is True, q["reasons"]
    m = q["risk_model"]
    assert (m["code"], m["version"]) == ("zjtx-edai", 1)
    assert m["pd"] is not None and m["score"] is not None and m["reasons"]
    pd_percent = D(m["pd"]) * 100
    assert q["raroc"]["factors"][0]["code"] == "pd_source"
    rar = D(q["rate"]) - D("1.75") - D("0.5") - pd_percent * 40 / 100
    assert D(q["raroc"]["raroc"]) == (rar / 8 * 100).quantize(D("0.0001"))
    page = bank.get(f"/quotes/{q['id']}")
    assert "风险模型评分" in page.text and "违约概率" in page.text
    assert escape(m["reasons"][0]["text"]) in page.text

    owner, _ = _as(app, "owner-a")
    own = owner.get(f"/api/v1/quotes/{q['id']}").json()
    assert own["raroc"] is None
    assert own["risk_model"]["pd"] is None and own["risk_model"]["score"] is None
    assert own["risk_model"]["reasons"] == m["reasons"] and own["risk_model"]["version"] == 1
    own_page = owner.get(f"/quotes/{q['id']}")
    assert own_page.status_code == 200
    assert "主要扣分因素" in own_page.text and escape(m["reasons"][0]["text"]) in own_page.text
    assert "违约概率" not in own_page.text and "RAROC" not in own_page.text
    sheet = _sheet_text(owner.get(f"/quotes/{q['id']}/schedule.xlsx").content)
    assert "zjtx-edai 第 1 版" in sheet and m["reasons"][0]["text"] in sheet
    assert "模型违约概率" not in sheet
    bank_sheet = _sheet_text(bank.get(f"/quotes/{q['id']}/schedule.xlsx").content)
    assert "模型违约概率（%）" in bank_sheet
    for c in (bank, owner):
        c.__exit__(None, None, None)


def test_a_refused_application_shows_the_quotes_model_reasons(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    w = build_world(factory)
    _champion(factory, w)
    owner, oh = _as(app, "owner-a")
    made = owner.post(
        "/api/v1/applications",
        json={
            "product_code": "zhuanjingtexin-edai",
            "amount": "3000000.00",
            "term_months": 12,
            "method": "按月付息到期还本",
            "purpose": "购置在线检测设备",
            "use_of_funds": "支付设备采购合同款",
            "annual_sales": "30000000.00",
            "materials": ALL_MATERIALS,
        },
        headers=oh,
    )
    assert made.status_code == 201, made.text
    app_id = made.json()["id"]
    terms = made.json()["terms"]
    model = terms["risk_model"]
    assert (model["code"], model["version"]) == ("zjtx-edai", 1)
    assert model["reasons"] and "pd" not in model and "score" not in model
    officer, fh = _as(app, "icbc-officer")
    steps: list[tuple[str, dict[str, Any]]] = [("accept", {}), ("review/start", {})]
    steps += [
        ("checks/attest", {"code": code, "passed": True, "note": "已实地核实"})
        for code in ("fixed_premises", "real_need", "lawful_use")
    ]
    steps.append(("review", {"recommendation": "reject", "note": "经营现金流不足"}))
    for path, payload in steps:
        r = officer.post(f"/api/v1/applications/{app_id}/{path}", json=payload, headers=fh)
        assert r.status_code == 200, r.text
    approver, ah = _as(app, "icbc-approver")
    r = approver.post(
        f"/api/v1/applications/{app_id}/reject",
        json={"codes": ["cash_flow"], "note": "近一年经营现金流不足以覆盖还款"},
        headers=ah,
    )
    assert r.status_code == 200, r.text
    seen = owner.get(f"/api/v1/applications/{app_id}").json()
    assert seen["state"] == "rejected"
    assert seen["terms"]["risk_model"]["reasons"] == model["reasons"]
    page = owner.get(f"/applications/{app_id}")
    assert 'id="rejection-model-reasons"' in page.text
    assert escape(model["reasons"][0]["text"]) in page.text
    for c in (owner, officer, approver):
        c.__exit__(None, None, None)


def test_a_patent_pledged_by_valuation_id_through_the_api(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    w = build_world(factory)
    bank, bh = _as(app, "icbc-officer")
    valued = bank.post(
        "/api/v1/risk/patents/valuations",
        json={
            "enterprise_id": w.a,
            "patent_no": "ZL201810000001.X",
            "kind": "发明",
            "filing_date": "2018-01-01",
            "status": "有效",
            "industry": "C35",
            "revenue": "20000000",
            "licensing_income": "300000",
            "citations": 3,
            "family_size": 2,
            "valuation_date": "2025-07-15",
        },
        headers=bh,
    )
    assert valued.status_code == 201, valued.text
    v = valued.json()
    body = QUOTE | {
        "product": "zhichanzhixin",
        "enterprise_id": w.a,
        "collateral": [{"kind": "专利", "valuation_id": v["id"]}],
    }
    q = bank.post("/api/v1/quotes", json=body, headers=bh)
    assert q.status_code == 201, q.text
    pledged = q.json()["request"]["collateral"][0]
    assert (pledged["value"], pledged["valuation_id"]) == (v["effective_value"], v["id"])
    both = body | {"collateral": [{"kind": "专利", "value": "1", "valuation_id": v["id"]}]}
    bad = bank.post("/api/v1/quotes", json=both, headers=bh)
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["msg"] == "须给出评估价值或知识产权估值 ID 之一"
    bank.__exit__(None, None, None)


def test_an_officer_applying_on_paper_authorisation_meets_the_consent_check(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    w = build_world(factory)
    _champion(factory, w)
    officer, fh = _as(app, "icbc-officer")
    body = {
        "enterprise_id": w.a,
        "product_code": "zhuanjingtexin-edai",
        "amount": "3000000.00",
        "term_months": 12,
        "method": "按月付息到期还本",
        "purpose": "购置在线检测设备",
        "use_of_funds": "支付设备采购合同款",
        "annual_sales": "30000000.00",
        "authorisation_attested": True,
        "materials": [*ALL_MATERIALS, "authorisation"],
    }
    refused = officer.post("/api/v1/applications", json=body, headers=fh)
    assert refused.status_code == 403, refused.text
    assert refused.json()["detail"] == {"code": "no_consent"}
    with unit_of_work(factory) as s:
        consents.grant(
            s,
            actor=w.who("owner-a"),
            enterprise_id=w.a,
            tenant_id=w.who("icbc-officer").tenant_id,
        )
    made = officer.post("/api/v1/applications", json=body, headers=fh)
    assert made.status_code == 201, made.text
    assert made.json()["terms"]["risk_model"]["version"] == 1
    officer.__exit__(None, None, None)
