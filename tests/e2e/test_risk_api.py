"""Risk models over HTTP and the command line: the registry API and pages, promotion by a
second person, scoring refused without consent, patent valuation with an override, and
``zhixin models`` as an operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.config import Settings
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.risk import service


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc="91350200MA2Y00770J",
            name="甲公司",
            kind="企业",
            status="存续",
            industry_code="C39",
        )
        s.add(firm)
        s.flush()
        ids = {"firm": firm.id}
    ids["reg"] = make_user(factory, "reg", Role.regulator)
    ids["reg2"] = make_user(factory, "reg2", Role.regulator)
    ids["bank"] = make_user(factory, "bank", Role.bank_officer, tenant_code="bank-a")
    with unit_of_work(factory) as s:
        user = s.get(User, ids["reg"])
        assert user is not None
        model = service.register_expert(
            s, actor=accounts.principal_for(s, user), spec_code="zjtx-edai"
        )
        ids["model"] = model.id
    return ids


def test_registry_api_pages_and_promotion(app: FastAPI, world: dict[str, int]) -> None:
    mid = world["model"]
    with TestClient(app) as c:
        csrf = login(c, "bank")
        listed = c.get("/api/v1/risk/models").json()
        assert [(m["code"], m["version"], m["status"]) for m in listed] == [
            ("zjtx-edai", 1, "challenger")
        ]
        detail = c.get(f"/api/v1/risk/models/{mid}").json()
        assert len(detail["card_features"]) == 15
        assert detail["pd_bands"][0] == [0.0, 0.12]
        page = c.get(f"/risk/models/{mid}")
        assert page.status_code == 200
        assert "专精特新e贷评分卡" in page.text and "分数段与违约概率" in page.text
        assert "promote-form" not in page.text  # a bank officer cannot approve
        r = c.post(f"/api/v1/risk/models/{mid}/promote", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 403
    with TestClient(app) as c:
        csrf = login(c, "reg")  # the one who registered it
        r = c.post(f"/api/v1/risk/models/{mid}/promote", headers={"X-CSRF-Token": csrf})
        assert r.status_code == 409
        assert "另一人" in r.json()["error"]
        assert r.json()["detail"] == {"code": "maker_checker"}
    with TestClient(app) as c:
        csrf = login(c, "reg2")
        page = c.get(f"/risk/models/{mid}")
        assert "promote-form" in page.text
        refused = c.post(f"/risk/models/{mid}/promote", data={"csrf_token": csrf})
        assert refused.status_code == 422 and "请勾选确认" in refused.text
        done = c.post(
            f"/risk/models/{mid}/promote",
            data={"csrf_token": csrf, "confirm": "yes"},
            follow_redirects=False,
        )
        assert done.status_code == 303
        assert "已批准上线" in c.get(done.headers["location"]).text
        listing = c.get("/risk/models").text
        assert "在用" in listing and "风险模型注册表" in listing


def test_scoring_without_consent_is_refused_in_chinese(app: FastAPI, world: dict[str, int]) -> None:
    with TestClient(app) as c:
        csrf = login(c, "bank")
        r = c.post(
            "/api/v1/risk/score",
            json={"enterprise_id": world["firm"], "model": "zjtx-edai"},
            headers={"X-CSRF-Token": csrf},
        )
        assert r.status_code == 403
        assert "尚未授权贵行" in r.json()["error"]
        assert r.json()["detail"] == {"code": "no_consent"}


def test_patent_valuation_api(app: FastAPI, world: dict[str, int]) -> None:
    body = {
        "enterprise_id": world["firm"],
        "patent_no": "ZL201510000001.X",
        "kind": "发明",
        "filing_date": "2015-03-01",
        "status": "有效",
        "revenue": "5000000",
        "licensing_income": "100000",
        "citations": 5,
        "family_size": 2,
        "valuation_date": "2025-03-01",
    }
    with TestClient(app) as c:
        csrf = login(c, "bank")
        h = {"X-CSRF-Token": csrf}
        r = c.post("/api/v1/risk/patents/valuations", json=body, headers=h)
        assert r.status_code == 201, r.text
        v = r.json()
        # industry from the enterprise's register (C39: 4 %): B = 100,000 + 5,000,000 × 4 %
        assert v["inputs"]["industry"] == "C39"
        factors = {f["code"]: f for f in v["factors"]}
        assert factors["benefit"]["value"] == "300000.00"
        assert v["value"] == "1957802.28"
        bad = c.post(
            f"/api/v1/risk/patents/valuations/{v['id']}/override",
            json={"value": "1", "reason": "低"},
            headers=h,
        )
        assert bad.status_code == 422
        ok = c.post(
            f"/api/v1/risk/patents/valuations/{v['id']}/override",
            json={"value": "1500000", "reason": "同族专利在海外无实施，审慎下调"},
            headers=h,
        )
        assert ok.status_code == 200
        assert ok.json()["effective_value"] == "1500000.00"
        assert c.get(f"/api/v1/risk/patents/valuations/{v['id']}").json()["value"] == "1957802.28"


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(settings: Settings) -> Run:
    def zhixin(*args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "ZHIXIN_DATABASE_URL": settings.database_url,
            "ZHIXIN_MODE": "development",
            "COLUMNS": "200",
        }
        return subprocess.run(
            [sys.executable, "-m", "zhixin.cli", "models", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    return zhixin


def test_cli_register_promote_data_and_evaluate(
    run: Run, world: dict[str, int], tmp_path: object
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    own = run("promote", "zjtx-edai", "1", "--by", "reg")
    assert own.returncode == 1 and "另一人" in own.stderr
    ok = run("promote", "zjtx-edai", "1", "--by", "reg2")
    assert ok.returncode == 0, ok.stderr
    listed = run("list", "--by", "bank")
    assert "在用" in listed.stdout
    csv = tmp_path / "inv.csv"
    csv.write_text(
        "统一社会信用代码,月份,开票金额,实缴税额\n"
        "91350200MA2Y00770J,2025-05,100,3\n"
        "91350200MA2Y00770J,2025-13,100,3\n",
        encoding="utf-8",
    )
    loaded = run("data", "invoices", str(csv), "--source", "银税互动", "--by", "reg")
    assert loaded.returncode == 3
    assert "新增 1" in loaded.stdout and "第 3 行" in loaded.stderr
    evaluated = run("evaluate", "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    figures = json.loads(evaluated.stdout)
    assert figures["split"] == {"train": 700, "test": 300, "seed": 42}
    assert 0.75 < figures["pipeline"]["auc"] < 0.9 and 0.75 < figures["baseline"]["auc"] < 0.9
