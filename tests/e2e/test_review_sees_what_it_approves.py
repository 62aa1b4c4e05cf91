"""Review sees what it approves (issue 21 item 5): a whitelist draft's page shows its changes
against the version in force before 复核通过并发布; a recommendation to refuse needs a written
reason; each actor's home page counts its to-dos (待审核, 今日到期, 已逾期)."""

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


def todo(page: str, key: str) -> int:
    found = re.search(rf'id="todo-{key}"><span>[^<]+</span><strong[^>]*>(\d+)</strong>', page)
    assert found, f"no to-do {key}"
    return int(found.group(1))


def test_review_sees_the_diff_reasons_and_to_dos(
    app: FastAPI, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    with TestClient(app) as c:
        login(c, "regulator2", DEMO_PASSWORD)
        assert todo(c.get("/").text, "whitelist-drafts") == 0
    with TestClient(app) as c:
        login(c, "regulator", DEMO_PASSWORD)
        runs = c.get("/whitelist").text
        # Xiamen's run (the demo also grades Ningbo's and Shandong's firms on their catalogs)
        run_id = re.search(r'<option value="(\d+)"[^>]*>#\d+ 厦门', runs)
        assert run_id
        made = c.post(
            "/whitelist/drafts",
            data={"csrf_token": csrf_of(runs), "run_id": run_id.group(1)},
            follow_redirects=False,
        )
        draft = made.headers["location"]
    with TestClient(app) as c:
        login(c, "regulator2", DEMO_PASSWORD)
        home = c.get("/").text
        assert todo(home, "whitelist-drafts") == 1 and "待审核的白名单草稿" in home
        page = c.get(draft).text
        diff = page.index('id="review-diff"')
        assert diff < page.index("复核通过并发布")  # the changes come before the button
        assert "与现行版本（第 3 版）相比，发布后将会" in page
        assert "新增" in page[diff:] and "查看全部差异" in page[diff:]

    with TestClient(app) as c:
        login(c, "xmrcb-officer", DEMO_PASSWORD)
        home = c.get("/").text
        assert todo(home, "to-review") >= 1
        assert todo(home, "due-today") >= 0 and todo(home, "overdue") >= 0
        assert "待受理或审核的贷款申请" in home and "今日到期" in home and "已逾期" in home
    with TestClient(app) as c:
        login(c, "xmrcb-approver", DEMO_PASSWORD)
        assert "待审批的贷款申请" in c.get("/").text
    with TestClient(app) as c:
        login(c, "taskforce", DEMO_PASSWORD)
        home = c.get("/").text
        assert todo(home, "consultations") >= 1 and "待会诊的申请" in home
