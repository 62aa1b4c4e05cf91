"""推送 as people see it (issue 21 item 8): a bank's users see, on their home page, that a new
whitelist version is published and what changed for their customers; the regulator sees on the
version's page which banks fetched it through the feed."""

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


def notice_of(home: str, catalog: str) -> str:
    """The home page's whitelist notice of one catalog."""
    start = home.index(f'id="whitelist-notice-{catalog}"')
    return home[start : home.index("</section>", start)]


def test_banks_see_the_new_version_and_the_regulator_sees_who_fetched_it(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    with TestClient(app) as bank:
        login(bank, "xmrcb-officer", DEMO_PASSWORD)
        home = bank.get("/").text
        assert 'id="whitelist-notice"' in home
        # one notice per catalog in force, each compared within its own catalog
        xiamen = notice_of(home, "xiamen")
        assert "鹭质贷）白名单第 3 版已发布" in xiamen and "这是本目录首个发布的版本" in xiamen
        found = re.search(r"/whitelist/publications/(\d+)", xiamen)
        assert found
        xiamen_before = found.group(1)
        assert "甬质贷，五级）白名单第 1 版已发布" in notice_of(home, "ningbo")
        assert "鲁质贷）白名单第 2 版已发布" in notice_of(home, "shandong")
    with TestClient(app) as reg:
        login(reg, "regulator", DEMO_PASSWORD)
        page = reg.get("/whitelist/publications/1").text
        assert "各银行获取情况" in page and "尚无银行通过接口获取本版" in page
        runs = reg.get("/whitelist").text
        # Xiamen's run (the demo also grades Ningbo's and Shandong's firms on their catalogs)
        run_id = re.search(r'<option value="(\d+)"[^>]*>#\d+ 厦门', runs)
        assert run_id
        draft = reg.post(
            "/whitelist/drafts",
            data={"csrf_token": csrf_of(runs), "run_id": run_id.group(1)},
            follow_redirects=False,
        ).headers["location"]
    with TestClient(app) as checker:
        login(checker, "regulator2", DEMO_PASSWORD)
        page = checker.get(draft).text
        done = checker.post(
            f"{draft}/review", data={"csrf_token": csrf_of(page), "decision": "approve"}
        )
        assert done.status_code == 200, done.text
    with TestClient(app) as bank:
        csrf = login(bank, "xmrcb-officer", DEMO_PASSWORD)
        home = bank.get("/").text
        xiamen = notice_of(home, "xiamen")
        assert "白名单第 4 版已发布" in xiamen
        assert "涉及本行客户" in xiamen and "查看全部变更" in xiamen
        # compared with Xiamen's own version before it, whatever was published in between
        assert f"/whitelist/diff?old={xiamen_before}&amp;" in xiamen
        # another catalog's notice is unchanged by Xiamen's publication
        assert "白名单第 1 版已发布" in notice_of(home, "ningbo")
        pulled = bank.get("/api/v1/whitelist/versions/4/entries", headers={"X-CSRF-Token": csrf})
        assert pulled.status_code == 200, pulled.text
    with TestClient(app) as reg:
        login(reg, "regulator", DEMO_PASSWORD)
        page = reg.get(draft).text
        fetched = page[page.index('id="fetches"') :]
        assert "厦门农商银行（演示）" in fetched[: fetched.index("</section>")]
