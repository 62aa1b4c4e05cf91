"""The evidence log through the web: the loan page's 链上存证 section with each side's confirm
form, the regulator's log page with its signed heads, and the API (a loan's entries, confirm,
proof, heads); another bank gets 404 as for a missing loan."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import build_world
from tests.integration.test_evidence import loan_with_evidence
from tests.integration.test_loans import PDF
from tests.support.web import login
from zhixin.evidence import rules


def _as(app: FastAPI, username: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    client.__enter__()
    return client, login(client, username)


def test_pages_and_api_of_the_evidence_log(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build_world(factory)
    cid, vseq = loan_with_evidence(w, tmp_path)

    approver, csrf = _as(app, "approver")
    page = approver.get(f"/loans/{cid}")
    assert page.status_code == 200 and "链上存证" in page.text
    assert page.text.count("待双方确认") == 4 and 'id="evidence-confirm"' in page.text
    done = approver.post(
        "/evidence/confirm",
        data={"seqs": ["0", "1"], "back": str(cid), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith(f"/loans/{cid}")
    assert approver.get(f"/loans/{cid}").text.count("银行已确认，待监管部门确认") == 2

    regulator, rcsrf = _as(app, "regulator")
    r = regulator.post(
        "/api/v1/evidence/confirmations",
        json={"seqs": [0, vseq]},
        headers={"X-CSRF-Token": rcsrf},
    )
    assert r.status_code == 201 and r.json()["role"] == "regulator"
    entries = regulator.get(f"/api/v1/evidence/contracts/{cid}/entries").json()
    assert [e["state"] for e in entries][:1] == ["双方已确认"]
    assert entries[vseq]["regulator"] is not None and entries[vseq]["bank"] is None
    # no head yet: the API does not sign one (a GET), it says so
    assert regulator.get(f"/api/v1/evidence/entries/{vseq}/proof").status_code == 409
    log = regulator.get("/evidence")
    assert log.status_code == 200 and "签名树头" in log.text and "尚未签署树头" in log.text

    officer, _ = _as(app, "officer")
    assert officer.get("/evidence").status_code == 403  # the whole log is the regulator's
    other, ocsrf = _as(app, "icbc-approver")
    assert other.get(f"/api/v1/evidence/contracts/{cid}/entries").status_code == 404
    refused = other.post(
        "/api/v1/evidence/confirmations", json={"seqs": [0]}, headers={"X-CSRF-Token": ocsrf}
    )
    assert refused.status_code == 404 and "未找到" in refused.json()["message"]
    again = approver.post(
        "/api/v1/evidence/confirmations", json={"seqs": [0]}, headers={"X-CSRF-Token": csrf}
    )
    assert again.status_code == 409


def test_a_proof_from_the_api_checks_offline(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    from zhixin.evidence import service as evidence
    from zhixin.kit.db import unit_of_work

    w = build_world(factory)
    _, vseq = loan_with_evidence(w, tmp_path)
    with unit_of_work(factory) as s:
        evidence.sign_head(s)
    client, _ = _as(app, "owner-a")
    doc = client.get(f"/api/v1/evidence/entries/{vseq}/proof").json()
    assert rules.check_proof(doc, PDF).file_checked
    heads = client.get("/api/v1/evidence/heads").json()
    assert heads[0]["tree_size"] == 4 and heads[0]["root_hash"] == doc["sth"]["root_hash"]
