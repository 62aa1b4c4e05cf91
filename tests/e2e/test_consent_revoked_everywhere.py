"""A revoked 授权 is visible on every open application of that bank, and revoking asks first
(issue 21 item 9): on the demo, enterprise1 revokes its grant to 厦门农商银行 through the
confirmation page; the bank's queue flags its open application and the application's page
says so."""

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


def test_revoking_asks_first_and_every_open_application_shows_it(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    with TestClient(app) as bank:
        login(bank, "xmrcb-officer", DEMO_PASSWORD)
        assert "企业已撤销授权" not in bank.get("/applications").text
    with TestClient(app) as firm:
        login(firm, "enterprise1", DEMO_PASSWORD)
        mine = re.search(r'<tr id="application-(\d+)"', firm.get("/applications").text)
        assert mine
        first = mine.group(1)
        home = firm.get("/me").text
        revoke = re.search(r'action="(/consents/\d+/revoke)"', home)
        assert revoke, home
        asked = firm.post(revoke.group(1), data={"csrf_token": csrf_of(home), "next": "me"})
        assert asked.status_code == 200
        assert "确认撤销对厦门农商银行（演示）的授权？" in asked.text
        assert "正在办理的贵企业贷款申请都会显示" in asked.text
        assert 'id="my-consents"' in firm.get("/me").text  # asking revoked nothing
        done = firm.post(
            revoke.group(1), data={"csrf_token": csrf_of(home), "next": "me", "confirm": "yes"}
        )
        assert done.status_code == 200 and "尚未授权任何银行" in done.text
    with TestClient(app) as bank:
        login(bank, "xmrcb-officer", DEMO_PASSWORD)
        queue = bank.get("/applications").text
        row = re.search(rf'<tr id="application-{first}".*?</tr>', queue, re.S)
        assert row and "企业已撤销授权" in row.group(0)
        page = bank.get(f"/applications/{first}").text
        assert 'id="consent-revoked"' in page and "企业已撤销" in page
        api = bank.get(f"/api/v1/applications/{first}").json()
        assert api["consent_revoked_at"]
