"""What a newcomer meets first on the demo (issue 21 item 11): a fresh demo shows no stale-LPR
alarm — it states the rates it ships as confirmed to the latest publication day, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.kit import clock
from zhixin.lpr import rules as lpr_rules

pytestmark = pytest.mark.slow


def test_a_fresh_demo_shows_no_stale_lpr_alarm(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    with TestClient(app) as c:
        login(c, "xmrcb-officer", DEMO_PASSWORD)
        page = c.get("/lpr").text
        assert 'id="lpr-current"' in page and 'id="lpr-stale"' not in page
        confirmed = lpr_rules.last_publication_day(clock.today()).isoformat()
        assert f"确认至 {confirmed}" in page and "非真实公告" in page
