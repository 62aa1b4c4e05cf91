"""Low finding, an application shows that its consent was revoked: when the enterprise revokes
the consent it granted by applying, the application (the bank's page, the enterprise's page and
the API detail) says so plainly, with when, and what it means — the bank no longer reads the
records; a later grant is told apart from the revoked one.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.security import world as seed
from tests.support.web import login
from zhixin.consent import service as consents
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work


def _standing(client: TestClient, app_id: int) -> dict[str, object]:
    got = client.get(f"/api/v1/applications/{app_id}")
    assert got.status_code == 200, got.text
    standing: dict[str, object] = got.json()["consent_standing"]
    return standing


def test_application_shows_revoked_consent(app: FastAPI, factory: sessionmaker[Session]) -> None:
    w = seed.build(factory)
    attested = seed.application(w, "officer")
    seed.withdraw(w, attested)
    granted = seed.application(w, "owner")
    with TestClient(app) as bank, TestClient(app) as owner:
        csrf = login(bank, "officer")
        login(owner, "owner")
        for step in ("accept", "review/start"):  # under review: the officer may re-run checks
            moved = bank.post(
                f"/api/v1/applications/{granted}/{step}", json={}, headers={"X-CSRF-Token": csrf}
            )
            assert moved.status_code == 200, moved.text
        rerun = f"/api/v1/applications/{granted}/checks/rerun"
        assert bank.post(rerun, json={}, headers={"X-CSRF-Token": csrf}).status_code == 200
        paper = _standing(bank, attested)
        assert (paper["mode"], paper["state"], paper["records_readable"]) == (
            "attested",
            "attested",
            True,  # the owner's own application granted the bank meanwhile
        )
        live = _standing(bank, granted)
        assert (live["state"], live["records_readable"], live["revoked_at"]) == (
            "active",
            True,
            None,
        )
        assert "consent-revoked" not in bank.get(f"/applications/{granted}").text

        seed.revoke(w)
        gone = _standing(bank, granted)
        assert gone["state"] == "revoked" and gone["state_label"] == "已撤销"
        assert gone["records_readable"] is False and gone["revoked_at"]
        note = str(gone["note"])
        assert f"企业已于 {clock.today().isoformat()} 撤销授权" in note
        assert "不能再查看该企业的质量要素记录明细" in note
        assert bank.get(f"/api/v1/enterprises/{w.a}/records").status_code == 404
        for client in (bank, owner):  # the bank's page and the enterprise's own
            page = client.get(f"/applications/{granted}").text
            assert 'id="consent-revoked"' in page and "企业已撤销授权" in page
            assert "不能再查看该企业的质量要素记录明细" in page
        assert _standing(owner, granted) == gone
        # the standards are not re-read from the records once the consent is gone
        refused = bank.post(rerun, json={}, headers={"X-CSRF-Token": csrf})
        assert refused.status_code == 403 and "撤销" in refused.json()["error"]
        assert "按最新登记与名录数据重新核验" not in bank.get(f"/applications/{granted}").text

        # a new grant is told apart: this application's consent stays revoked, reading resumes
        with unit_of_work(factory) as s:
            consents.grant(
                s, actor=w.who("owner"), enterprise_id=w.a, tenant_id=w.ids["bank_tenant"]
            )
        again = _standing(bank, granted)
        assert again["state"] == "revoked" and again["records_readable"] is True
        assert "企业另有一项有效授权" in str(again["note"])
        assert bank.get(f"/api/v1/enterprises/{w.a}/records").status_code == 200
