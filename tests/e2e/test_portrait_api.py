"""Portrait and consents over HTTP: the bank's records 404 → 200 → 404, the PDF, own-only."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_portrait import FIRM, run, seed
from tests.support.web import login, same_answer
from tests.unit.test_portrait_rules import pdf_checks
from zhixin.consent import service as consents
from zhixin.kit import clock


def test_consent_changes_what_the_bank_reads(app: FastAPI, factory: sessionmaker[Session]) -> None:
    w = seed(factory)
    firm = w["firm"]
    run(factory, clock.today())
    with TestClient(app) as bank, TestClient(app) as owner:
        login(bank, "bank")
        csrf = login(owner, "owner")
        records = f"/api/v1/enterprises/{firm}/records"
        missing = bank.get("/api/v1/enterprises/999999/records")
        assert missing.status_code == 404
        before = bank.get(records)
        assert before.status_code == 404 and same_answer(before) == same_answer(missing)
        banks = owner.get("/api/v1/consents/banks").json()
        assert {b["id"] for b in banks} >= {w["bank_tenant"]}
        granted = owner.post(
            f"/api/v1/enterprises/{firm}/consents",
            json={"tenant_id": w["bank_tenant"], "scope": "records"},
            headers={"X-CSRF-Token": csrf},
        )
        assert granted.status_code == 201, granted.text
        body = granted.json()
        assert body["state"] == "active" and body["bank_name"]
        assert body["expires_on"] == consents.rules.default_expiry(clock.today()).isoformat()
        during = bank.get(records)
        assert during.status_code == 200
        assert len(during.json()) == 5
        assert bank.get(f"/api/v1/records/{w['soon']}/history").status_code == 200
        # the grade parts of the portrait always; the evidence not with scope "records"
        p = bank.get(f"/api/v1/enterprises/{firm}/portrait").json()
        assert p["evidence"] is False and p["warnings"] == []
        assert len(p["dimensions"]) == 5
        revoked = owner.post(
            f"/api/v1/consents/{body['id']}/revoke", headers={"X-CSRF-Token": csrf}
        )
        assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
        after = bank.get(records)
        assert after.status_code == 404 and same_answer(after) == same_answer(missing)
        assert bank.get(f"/api/v1/records/{w['soon']}/history").status_code == 404
        # a bank cannot manage consents
        assert bank.get(f"/api/v1/enterprises/{firm}/consents").status_code == 403


def test_enterprise_sees_only_itself(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = seed(factory)
    firm, other = w["firm"], w["other"]
    run(factory, clock.today())
    with TestClient(app) as c:
        login(c, "stranger")  # the user of 乙公司
        for path in (
            f"/api/v1/enterprises/{firm}/portrait",
            f"/api/v1/enterprises/{firm}/portrait.pdf",
            f"/api/v1/enterprises/{firm}/consents",
            f"/enterprises/{firm}/portrait",
            f"/enterprises/{firm}/portrait.pdf",
            f"/enterprises/{firm}/consents",
        ):
            assert c.get(path).status_code == 404, path
        home = c.get("/")
        assert home.status_code == 200 and "乙公司" in home.text and FIRM not in home.text
        assert c.get(f"/api/v1/enterprises/{other}/portrait").status_code == 200
    with TestClient(app) as c:
        login(c, "owner")
        home = c.get("/")
        assert FIRM in home.text and 'id="radar"' in home.text and "<svg" in home.text
        assert (
            "还有 30 天" in home.text
            and "ISO14001" not in home.text.split('id="warnings"')[1].split("</section>")[0]
        )
        assert f'href="/enterprises/{firm}/portrait.pdf"' in home.text
        pdf = c.get(f"/enterprises/{firm}/portrait.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"]
        text = pdf_checks(pdf.content, tmp_path)
        assert FIRM in text and "质量信用" in text and "还有 30 天" in text
        api = c.get(f"/api/v1/enterprises/{firm}/portrait").json()
        assert api["identity"]["name"] == FIRM and api["evidence"] is True
        assert [x["code"] for x in api["warnings"]] == ["expiring", "negative"]


def test_consent_pages_grant_and_revoke(app: FastAPI, factory: sessionmaker[Session]) -> None:
    w = seed(factory)
    firm = w["firm"]
    with TestClient(app) as c:
        csrf = login(c, "owner")
        page = c.get(f"/enterprises/{firm}/consents")
        assert page.status_code == 200 and "授权银行" in page.text
        resp = c.post(
            f"/enterprises/{firm}/consents",
            data={
                "csrf_token": csrf,
                "tenant_id": str(w["bank_tenant"]),
                "scope": "records+portrait",
                "expires_on": "2020-01-01",
            },
        )
        assert resp.status_code == 422 and "授权截止日期须晚于今天" in resp.text
        resp = c.post(
            f"/enterprises/{firm}/consents",
            data={
                "csrf_token": csrf,
                "tenant_id": str(w["bank_tenant"]),
                "scope": "records+portrait",
            },
        )
        assert resp.status_code == 200 and "有效" in resp.text  # redirected to the list
        listed = c.get(f"/api/v1/enterprises/{firm}/consents").json()
        assert [x["state"] for x in listed] == ["active"]
        home = c.get("/")
        assert 'id="my-consents"' in home.text and "撤销授权" in home.text
        asked = c.post(
            f"/consents/{listed[0]['id']}/revoke", data={"csrf_token": csrf, "next": "me"}
        )  # revoking asks first; nothing is revoked yet
        assert asked.status_code == 200 and "确认撤销" in asked.text
        assert c.get(f"/api/v1/enterprises/{firm}/consents").json()[0]["state"] == "active"
        resp = c.post(
            f"/consents/{listed[0]['id']}/revoke",
            data={"csrf_token": csrf, "next": "me", "confirm": "yes"},
        )
        assert resp.status_code == 200 and "尚未授权任何银行" in resp.text
