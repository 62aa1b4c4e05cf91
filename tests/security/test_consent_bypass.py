"""Finding 1, consent bypass: record details reach only those ``records.service.may_read`` lets
through — everywhere they leave the server.

Every GET route of the app (API and pages, from its route table, path parameters filled from a
seeded database) is walked as every role, before any consent, while the enterprise's consent
to its bank is in force, and after the enterprise revoked it. Each answer is read as text (PDF
through pdftotext, XLSX cell by cell) and searched for the distinctive numbers, titles and
issuers of the enterprise's records and for record ids. Without consent a bank — and a
guarantor, a finance bureau, another enterprise, the platform's duties always — sees grades,
levels, element names and points, never a record reference. The walk also proves it can see
a leak: the readers who may read the records find the markers on the same routes.
"""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.security import world as seed
from tests.security.walk import Answer, get_routes, leaks, walk_as
from tests.support.web import login
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord
from zhixin.webhooks.models import WebhookOutbox

# Who reads firm a's records whatever its consents say (by role, tenant and permission).
ALWAYS = {"regulator", "regulator2", "taskforce", "owner"}
BANK_USERS = {"officer", "approver"}
# regulator2 reads exactly as regulator does
EVERYONE = [u for u in [*seed.PEOPLE, "owner", "owner-b"] if u != "regulator2"]
# The routes whose answer carries the explanation's records for a reader who may read them.
EXPLANATION_API = "/api/v1/evaluation/runs/{run_id}/enterprises/{enterprise_id}"
EXPLANATION_PAGE = "/evaluation/runs/{run_id}/enterprises/{enterprise_id}"


def _params(
    w: seed.World, application_id: int, consent_id: int, record_id: int
) -> dict[str, object]:
    day = clock.today()
    return {
        "enterprise_id": w.a,
        "run_id": w.ids["run2"],
        "record_id": record_id,
        "publication_id": w.ids["pub2"],
        "version": 2,
        "application_id": application_id,
        "quote_id": w.ids["quote"],
        "consent_id": consent_id,
        "batch_id": 1,
        "consultation_id": 1,
        "dispute_id": 1,
        "need_id": 1,
        "import_id": 1,
        "list_id": 1,
        "endpoint_id": w.ids["endpoint"],
        "model_id": w.ids["model"],
        "valuation_id": w.ids["valuation"],
        "year": day.year,
        "day": day.isoformat(),
        "code": "luzhidai",
        "kind": "certification",
        "contract_id": 1,  # the loan book (no loan in this world: 404 for everyone)
        "drawdown_id": 1,
        "voucher_id": 1,
        "delivery_id": 1,
        "guarantee_id": 1,  # public support (none in this world: 404 for everyone)
        "claim_id": 1,
        "fund_id": 1,
        "subsidy_claim_id": 1,
        "seq": 0,  # the evidence log (no entry in this world: 404 for everyone)
        "visit_id": 1,  # the visits (none in this world: 404 for everyone)
    }


def _queries(w: seed.World) -> dict[str, dict[str, object]]:
    diff = {"old": w.ids["pub1"], "new": w.ids["pub2"]}
    return {
        "/whitelist/diff": diff,
        "/whitelist/diff/export.xlsx": diff,
        "/api/v1/calendar/deadline": {"start": clock.today().isoformat(), "days": 5},
        "/quotes/new": {"enterprise_id": w.a},
        "/applications/new": {"enterprise_id": w.a},
        "/api/v1/enterprises/{enterprise_id}/records": {"include_history": "true"},
        "/enterprises/{enterprise_id}": {"history": "true"},
    }


def _walk(
    app: FastAPI, w: seed.World, users: list[str], params: dict[str, object]
) -> dict[str, list[Answer]]:
    routes = get_routes(app)
    queries = _queries(w)
    out = {}
    for user in users:
        with TestClient(app, raise_server_exceptions=False) as client:
            login(client, user)
            out[user] = walk_as(client, routes, params, queries)
    return out


def _check(
    phase: str, answers: dict[str, list[Answer]], allowed: set[str], problems: list[str]
) -> None:
    for user, found in answers.items():
        problems += [f"{phase} {user}: {a.path} gave {a.status}" for a in found if a.status >= 500]
        if user in allowed:
            # the walk can see a leak: the explanation names the records to who may read them
            problems += [
                f"{phase} {user} may read but {a.path} shows no record"
                for a in found
                if a.path.startswith("/api/v1/evaluation/runs/")
                and "/enterprises/" in a.path
                and seed.MARKERS[0] not in a.text
            ]
            continue
        if user == "auditor":
            # the audit log names the records acted on by id (who did what to which record):
            # that is the auditor's to read; the records' fields never appear there either
            found = [a for a in found if "/audit" not in a.path] + [
                Answer(a.path, a.status, a.kind, re.sub(r"\d", "", a.text))
                for a in found
                if "/audit" in a.path
            ]
        problems += [f"{phase} {user} (no consent): {hit}" for hit in leaks(found, seed.MARKERS)]


def _penalty_id(w: seed.World) -> int:
    with unit_of_work(w.factory) as s:
        rid = s.scalar(select(QualityRecord.id).where(QualityRecord.ref == "LEAKPEN0005"))
        assert rid is not None
        return int(rid)


@pytest.mark.slow
def test_consent_bypass_no_record_reference_leaks_without_consent(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    w = seed.build(factory)
    record = _penalty_id(w)
    problems: list[str] = []

    # 1. no consent: the bank's officer applied for the firm, attesting a paper authorisation
    attested = seed.application(w, "officer")
    before = _walk(app, w, ["officer"], _params(w, attested, 1, record))
    _check("before consent", before, ALWAYS, problems)

    # 2. the firm applies itself and grants the bank its records (and portrait evidence)
    seed.withdraw(w, attested)
    granted = seed.application(w, "owner")
    consent = seed.consent_of(w)
    during = _walk(app, w, EVERYONE, _params(w, granted, consent, record))
    _check("consent in force", during, ALWAYS | BANK_USERS, problems)
    # the bank sees the records where they are shown, PDF included: the walk would see a leak
    officer = {a.path: a.text for a in during["officer"]}
    pdf = f"/api/v1/enterprises/{w.a}/portrait.pdf"
    assert seed.MARKERS[0] in officer[pdf], officer[pdf]
    page = EXPLANATION_PAGE.format(run_id=w.ids["run2"], enterprise_id=w.a)
    assert seed.MARKERS[0] in officer[page]
    api = EXPLANATION_API.format(run_id=w.ids["run2"], enterprise_id=w.a)
    assert seed.MARKERS[0] in officer[api]

    # 3. the firm revokes: from then on, nothing of its records reaches the bank
    seed.revoke(w)
    after = _walk(app, w, ["officer", "approver"], _params(w, granted, consent, record))
    _check("after revocation", after, ALWAYS, problems)

    # webhooks: what the bank's endpoint is sent never names a record
    with unit_of_work(factory) as s:
        bodies = list(s.scalars(select(WebhookOutbox.body)))
    assert bodies, "the second publication queued no webhook: the check would see nothing"
    for body in bodies:
        for marker in seed.MARKERS:
            if marker in body:
                problems.append(f"webhook body names {marker}")
        if '"record' in body:
            problems.append("webhook body carries record ids")

    assert not problems, "\n".join(problems)
