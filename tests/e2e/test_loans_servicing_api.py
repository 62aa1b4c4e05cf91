"""The servicing API: a repayment entered twice is written once; the officer classifies worse,
never better; another bank sees nothing; errors are Chinese."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import add_drawdown, make_book
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.kit.db import unit_of_work
from zhixin.loans import batch

START = date(2025, 6, 3)


def test_repayments_and_classification_over_the_api(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "officer", Role.bank_officer, tenant_code="bank-a")
    make_user(factory, "other", Role.bank_officer, tenant_code="bank-b")
    with unit_of_work(factory) as s:
        user = s.scalar(select(User).where(User.username == "officer"))
        assert user is not None
        book = make_book(s, bank_id=user.tenant_id, user_id=user.id)
        dd = add_drawdown(
            s,
            book,
            book.contract_ids[0],
            amount=Decimal("10000.00"),
            annual_rate=Decimal("3.6"),
            value_date=START,
            instalments=[(START + timedelta(days=30), Decimal("10000.00"), Decimal("30.00"))],
        )
        for k in range(46):
            batch.close_day(s, START + timedelta(days=k))
    url = f"/api/v1/loans/drawdowns/{dd}"
    body = {"bank_txn_id": "CORE-1", "value_date": "2025-07-19", "amount": "5000.00"}
    with TestClient(app) as client:
        csrf = login(client, "officer")
        h = {"X-CSRF-Token": csrf}
        first = client.post(f"{url}/repayments", json=body, headers=h)
        assert first.status_code == 201, first.text
        got = first.json()
        # 16 days (07-03 … 07-18) of 罚息 on 10,000 at 3.6 % × 1.5, 1.50 a day; 复利 on 30.00
        # rounds to 0.00 a day; then the 30.00 interest, then principal
        assert (got["penalty"], got["compound"], got["interest"], got["principal"]) == (
            "24.00",
            "0.00",
            "30.00",
            "4946.00",
        )
        again = client.post(f"{url}/repayments", json=body, headers=h)
        assert again.status_code == 200 and again.json()["created"] is False
        changed = client.post(f"{url}/repayments", json={**body, "amount": "1.00"}, headers=h)
        assert changed.status_code == 409 and "已用于另一笔还款" in changed.json()["error"]
        early = client.post(
            f"{url}/repayments",
            json={**body, "bank_txn_id": "CORE-0", "value_date": "2025-06-01"},
            headers=h,
        )
        assert early.status_code == 422 and "早于放款日" in early.json()["error"]
        listed = client.get(f"{url}/repayments").json()
        assert [r["bank_txn_id"] for r in listed] == ["CORE-1"]
        better = client.post(
            f"{url}/classification", json={"to_class": "normal", "reason": "已还款"}, headers=h
        )
        assert better.status_code == 422 and "至少为关注类" in better.json()["error"]
        worse = client.post(
            f"{url}/classification",
            json={"to_class": "substandard", "reason": "担保人失联"},
            headers=h,
        )
        assert worse.status_code == 201, worse.text
        history = client.get(f"{url}/classification").json()
        assert [(c["to_class"], c["by"]) for c in history][-1] == ("substandard", "officer")
        npl = client.get("/api/v1/loans/npl?by=bank").json()
        assert [(r["balance"], r["non_performing"], r["ratio"]) for r in npl] == [
            ("5054.00", "5054.00", "1")
        ]
        assert client.get("/api/v1/loans/npl?by=colour").status_code == 422
    with TestClient(app) as client:
        h = {"X-CSRF-Token": login(client, "other")}
        assert client.get(f"{url}/repayments").status_code == 404
        assert client.post(f"{url}/repayments", json=body, headers=h).status_code == 404
        assert client.get("/api/v1/loans/npl?by=bank").json() == []  # not its loans


def test_renewal_over_the_api(
    app: FastAPI, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """无还本续贷: refused in Chinese while the maturity is more than 90 days off; 201 with the new
    contract (linked to the old, no application) within the window; the borrower may not."""
    from tests.integration.test_applications import build_world
    from tests.integration.test_loans import _drawn, signed_contract
    from zhixin.kit import clock

    w = build_world(factory)
    cid = signed_contract(w)  # signed 6 Feb 2025, matures 6 Feb 2026
    _drawn(w, cid, "1000000.00")
    with TestClient(app) as client:
        h = {"X-CSRF-Token": login(client, "officer")}
        monkeypatch.setattr(clock, "today", lambda: date(2025, 6, 1))
        early = client.post(f"/api/v1/loans/{cid}/renewal", headers=h)
        assert early.status_code == 422 and "到期日须在90天内" in early.json()["error"]
        monkeypatch.setattr(clock, "today", lambda: date(2025, 12, 1))
        made = client.post(f"/api/v1/loans/{cid}/renewal", headers=h)
        assert made.status_code == 201, made.text
        new = made.json()
        assert new["renewed_from_id"] == cid and new["application_id"] is None
        assert new["status"] == "active" and new["start_date"] == "2025-12-01"
        old = client.get(f"/api/v1/loans/contracts/{cid}").json()
        assert old["status"] == "renewed"
        again = client.post(f"/api/v1/loans/{cid}/renewal", headers=h)
        assert again.status_code == 409 and "续贷" in again.json()["error"]
    with TestClient(app) as client:
        h = {"X-CSRF-Token": login(client, "owner-a")}
        assert client.post(f"/api/v1/loans/{new['id']}/renewal", headers=h).status_code == 403
