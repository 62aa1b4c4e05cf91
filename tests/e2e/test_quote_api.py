"""The quote API (POST/GET /api/v1/quotes): sessions and tokens, validation, visibility, and the
two seed cases — 知产质信贷's pledge-rate switch (seed 001) and the Quzhou combination loan
(seed 003) — reproduced through it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.grades import Grade, publish_grades
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work
from zhixin.quotes.schemas import QuoteOut
from zhixin.records.models import QualityRecord

D = Decimal
XM = make_uscc("91350200MA3123456")
JX = make_uscc("91360100MA3500001")  # a Jiangxi firm (九江银行's 知产质信贷)
JX2 = make_uscc("91360100MA3500002")
QZ = make_uscc("91330800MA2A00003")  # a Quzhou firm (the combination loan)


def _firm(s: Session, uscc: str, name: str, region: str) -> int:
    firm = Enterprise(
        uscc=uscc,
        name=name,
        kind="企业",
        status="存续",
        size_class="中",
        region_code=region,
        established_on=date(2012, 5, 1),
    )
    s.add(firm)
    s.flush()
    return firm.id


def _patents(s: Session, eid: int, uscc: str, n: int) -> None:
    for k in range(n):
        s.add(
            QualityRecord(
                enterprise_id=eid,
                kind="patent",
                natural_key=f"{uscc}|ZL{k}",
                content_hash=f"{k:0>32}",
                ref=f"ZL2022{k:07d}.1",
                subtype="发明",
                status="有效",
                event_date=date(2022, 3, 1),
                source_system="test",
                known_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )


@pytest.fixture
def ids(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        out = {
            "xm": _firm(s, XM, "厦门矽创", "350203"),
            "jx": _firm(s, JX, "九江矿选装备", "360402"),
            "jx2": _firm(s, JX2, "九江精密仪表", "360402"),
            "qz": _firm(s, QZ, "衢州蓝宇新材料", "330802"),
        }
        _patents(s, out["jx"], JX, 3)
        _patents(s, out["jx2"], JX2, 2)
    publish_grades(
        factory,
        catalog="xiamen",
        grades={
            out["xm"]: Grade("I", {"credit": "I"}),
            # Ⅰ类 (the source's 质量信用分 > 80, 优秀) with three valid invention patents:
            # the raised pledge rate
            out["jx"]: Grade("I", {"credit": "I", "innovation": "II"}, D("25.00")),
            # the same class with two patents: "≥ 3 件" is not met
            out["jx2"]: Grade("I", {"credit": "I", "innovation": "II"}, D("25.00")),
        },
    )
    publish_grades(
        factory,
        catalog="ningbo",
        grades={out["qz"]: Grade("L3", {"credit": "L3", "innovation": "L3"})},
        published_at=datetime(2025, 7, 2, 2, 0, tzinfo=UTC),
    )
    out["officer"] = make_user(factory, "officer", Role.bank_officer, tenant_code="bank-xmrcb")
    out["firm"] = make_user(factory, "firm", Role.enterprise, enterprise_id=out["xm"])
    return out


def _body(**kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "product": "luzhidai",
        "uscc": XM,
        "amount": "1000000",
        "term_months": 12,
        "method": "按月付息到期还本",
        "date": "2025-07-15",
    }
    body.update(kw)
    return body


def test_a_bank_officer_quotes_and_reads_it_back(client: TestClient, ids: dict[str, int]) -> None:
    csrf = login(client, "officer")
    resp = client.post("/api/v1/quotes", json=_body(), headers={"X-CSRF-Token": csrf})
    assert resp.status_code == 201, resp.text
    q = resp.json()
    assert q["eligible"] is True
    assert q["enterprise"] == {"id": ids["xm"], "uscc": XM, "name": "厦门矽创"}
    assert q["product"]["code"] == "luzhidai" and q["product"]["bank_code"] == "bank-xmrcb"
    # Ⅰ类: 500万 at 3.00 + 2.40 − 0.50 = 4.90 %; money and rates travel as exact strings
    assert (q["limit"], q["rate"], q["lpr"]) == ("5000000.00", "4.9000", "3.0000")
    assert q["lpr_effective_on"] == "2025-05-20"
    components = {c["code"]: c["value"] for c in q["rate_components"]}
    assert components["lpr"] == "3.0000%"
    assert components["spread"] == "+240bp"
    assert components["discount:class-1"] == "-50bp"
    first = q["schedule"]["instalments"][0]
    # 1,000,000 × 4.90 % × 31 / 360 = 4,219.444…
    assert (first["due"], first["days"], first["interest"]) == ("2025-08-15", 31, "4219.44")
    assert len(q["schedule"]["instalments"]) == 12
    assert q["costs"]["annualised_rate"] == q["costs"]["effective_annual_rate"]
    got = client.get(f"/api/v1/quotes/{q['id']}")
    assert got.status_code == 200
    assert got.json() == q
    # the answer is the stored text with the id and time put in front: byte for byte the
    # model's own rendering, and what reading the quote back renders
    assert resp.content == QuoteOut.model_validate_json(resp.content).model_dump_json().encode()
    assert resp.content == got.content
    assert list(q)[:3] == ["id", "created_at", "enterprise"]


def test_tokens_need_the_quote_scope(
    client: TestClient, factory: sessionmaker[Session], ids: dict[str, int]
) -> None:
    # tokens belong to service accounts: the bank's core system, in the officer's bank
    core = make_user(factory, "core-sys", Role.bank_officer, tenant_code="bank-xmrcb", service=True)
    with unit_of_work(factory) as s:
        user = s.get(User, core)
        assert user is not None
        good = accounts.create_token(s, user=user, name="core", scopes=["quote:run"]).raw
        bad = accounts.create_token(s, user=user, name="feed", scopes=["whitelist:read"]).raw
    resp = client.post("/api/v1/quotes", json=_body(), headers={"Authorization": f"Bearer {good}"})
    assert resp.status_code == 201, resp.text
    resp = client.post("/api/v1/quotes", json=_body(), headers={"Authorization": f"Bearer {bad}"})
    assert resp.status_code == 403


@pytest.mark.parametrize(
    ("change", "status", "fragment"),
    [
        ({"amount": "1000000.001"}, 422, "amount"),
        ({"amount": "-5"}, 422, "amount"),
        ({"method": "气球贷"}, 422, "method"),
        ({"term_months": 0}, 422, "term_months"),
        ({"enterprise_id": 1}, 422, "enterprise_id 或 uscc"),
        ({"uscc": None}, 422, "enterprise_id 或 uscc"),
        ({"uscc": "91350200MA31234568"}, 422, "校验"),
        ({"uscc": make_uscc("91350200MA3199999")}, 404, "未找到该经营主体"),
        ({"product": "nope"}, 404, "未找到产品"),
        ({"date": "2019-01-02"}, 422, "早于 LPR 表"),
        ({"collateral": [{"kind": "股票", "value": "1"}]}, 422, "collateral"),
        ({"milestones_met": ["nope"]}, 422, "「鹭质贷」没有里程碑 nope；本产品的里程碑"),
    ],
)
def test_what_the_api_refuses(
    client: TestClient, ids: dict[str, int], change: dict[str, Any], status: int, fragment: str
) -> None:
    csrf = login(client, "officer")
    resp = client.post("/api/v1/quotes", json=_body(**change), headers={"X-CSRF-Token": csrf})
    assert resp.status_code == status, resp.text
    assert fragment in resp.text


def test_validation_messages_are_chinese(client: TestClient, ids: dict[str, int]) -> None:
    csrf = login(client, "officer")
    bad = {"amount": "-5", "term_months": 0, "method": "x", "date": "2025-13-01"}
    resp = client.post("/api/v1/quotes", json=_body(**bad), headers={"X-CSRF-Token": csrf})
    assert resp.status_code == 422
    detail = resp.json()["detail"]
    assert [d["loc"][-1] for d in detail] == ["amount", "term_months", "method", "date"]
    for d in detail:  # a machine branches on loc; a person reads msg, in Chinese
        assert any("\u4e00" <= c <= "\u9fff" for c in d["msg"]), d
        assert not any(w in d["msg"].lower() for w in ("input", "should", "valid", "greater")), d


def test_an_enterprise_quotes_only_for_itself(client: TestClient, ids: dict[str, int]) -> None:
    csrf = login(client, "firm")
    own = client.post(
        "/api/v1/quotes",
        json=_body(uscc=None, enterprise_id=ids["xm"], amount=1500000),
        headers={"X-CSRF-Token": csrf},
    )
    assert own.status_code == 201, own.text
    assert own.json()["request"]["amount"] == "1500000.00"
    other = client.post("/api/v1/quotes", json=_body(uscc=QZ), headers={"X-CSRF-Token": csrf})
    assert other.status_code == 404
    assert client.get("/api/v1/quotes/999999").status_code == 404


def test_zhichanzhixin_switches_the_patent_pledge_rate(
    client: TestClient, ids: dict[str, int]
) -> None:
    """Seed 001: 质量信用分 > 80 (read as Ⅰ类, 优秀: the Xiamen total tops at 86) and ≥ 3 valid
    patents → pledge rate 30 % → 60 %, up to 3,000万,
    financing cost 1.2 percentage points lower."""
    csrf = login(client, "officer")
    body = _body(
        product="zhichanzhixin",
        amount="30000000",
        term_months=12,
        collateral=[{"kind": "专利", "value": "50000000"}],
    )
    high = client.post("/api/v1/quotes", json={**body, "uscc": JX}, headers={"X-CSRF-Token": csrf})
    low = client.post("/api/v1/quotes", json={**body, "uscc": JX2}, headers={"X-CSRF-Token": csrf})
    assert high.status_code == low.status_code == 201
    h, lo = high.json(), low.json()
    factors = {f["code"]: f for f in h["limit_factors"]}
    assert factors["pledge_rate:patent"]["amount"] == "60"
    # 5,000万 × 60 % = 3,000万, the product's maximum: the 3,000万 of the seed
    assert (h["limit"], h["eligible"]) == ("30000000.00", True)
    assert {f["code"]: f["amount"] for f in lo["limit_factors"]}["pledge_rate:patent"] == "30"
    # 5,000万 × 30 % = 1,500万: the same 3,000万 request is now over the limit
    assert (lo["limit"], lo["eligible"]) == ("15000000.00", False)
    # LPR 3.00 + 150bp − (双增信 120bp + Ⅰ类 20bp = 140bp, the cap) = 3.10 %, against
    # 3.00 + 1.50 − 0.20 = 4.30 % without the switch: 1.2 percentage points cheaper
    assert (h["rate"], lo["rate"]) == ("3.1000", "4.3000")
    assert D(lo["rate"]) - D(h["rate"]) == D("1.2")
    dual = {c["code"]: c["value"] for c in h["rate_components"]}["discount:dual-credit"]
    assert dual == "-120bp"


def test_the_quzhou_combination_loan(client: TestClient, ids: dict[str, int]) -> None:
    """Seed 003: 4,500万 combination loan; the plant alone about 2,600万 (2,660万 here); the
    patent pledge released 1,840万 = 40.89 %."""
    csrf = login(client, "officer")
    resp = client.post(
        "/api/v1/quotes",
        json=_body(
            product="quzhou-zuhedai",
            uscc=QZ,
            amount="45000000",
            term_months=12,
            collateral=[
                {"kind": "厂房", "value": "38000000"},
                {"kind": "专利", "value": 36800000},
            ],
        ),
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status_code == 201, resp.text
    q = resp.json()
    assert q["eligible"] is True, q["reasons"]
    f = {x["code"]: x["amount"] for x in q["limit_factors"]}
    assert f["collateral:plant"] == "26600000.00"  # 3,800万 × 70 %
    assert f["collateral:patent"] == "18400000.00"  # 3,680万 × 50 %
    assert f["share:patent"] == "40.89"  # 1,840 ÷ 4,500
    assert q["limit"] == "45000000.00"
    # 三级: 3.00 + 90bp − 10bp = 3.80 %; one year of interest-only on 4,500万
    assert q["rate"] == "3.8000"
    first = q["schedule"]["instalments"][0]
    assert first["interest"] == "147250.00"  # 45,000,000 × 3.80 % × 31 / 360
