"""The whitelist through HTTP: maker-checker on the pages, the bank feed with a bearer token
(cursor pages across two publications, every change exactly once), tenancy, and the CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.catalog.loader import load
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.evaluation import service as evaluation
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
from zhixin.kit.migrate import upgrade
from zhixin.records.models import QualityRecord

AS_OF = date(2025, 6, 30)
GATE = "三年内受到产品质量行政处罚"


def _seed(factory: sessionmaker[Session]) -> list[int]:
    ids = []
    with unit_of_work(factory) as s:
        for n, name in enumerate(("甲精工有限公司", "乙材料有限公司", "丙电子有限公司")):
            uscc = make_uscc(f"91350200MA2Y{n:04d}0")
            firm = Enterprise(uscc=uscc, name=name, kind="企业", status="存续")
            s.add(firm)
            s.flush()
            ids.append(firm.id)
            s.add(
                QualityRecord(
                    enterprise_id=firm.id,
                    kind="certification",
                    natural_key=f"{uscc}|Q{n}",
                    content_hash=f"{n:032d}",
                    subtype="ISO9001",
                    ref=f"Q{n}",
                    status="有效",
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2027, 1, 1),
                    source_system="test",
                    known_at=datetime(2025, 1, 1, tzinfo=UTC),
                )
            )
    return ids


def _penalty(factory: sessionmaker[Session], firm_id: int) -> int:
    with unit_of_work(factory) as s:
        firm = s.get(Enterprise, firm_id)
        assert firm is not None
        rec = QualityRecord(
            enterprise_id=firm.id,
            kind="penalty",
            natural_key=f"{firm.uscc}|P1",
            content_hash="p" * 32,
            subtype="产品质量",
            ref="P1",
            level="一般",
            issuer="市场监管局",
            event_date=date(2025, 5, 1),
            source_system="test",
        )
        s.add(rec)
        s.flush()
        return rec.id


def _token(factory: sessionmaker[Session], username: str, scopes: list[str]) -> str:
    with unit_of_work(factory) as s:
        user = s.query(User).filter(User.username == username).one()
        return accounts.create_token(s, user=user, name="信贷系统", scopes=scopes).raw


def _review(client: TestClient, csrf: str, pub_id: int, decision: str = "approve") -> int:
    resp = client.post(
        f"/whitelist/publications/{pub_id}/review",
        data={"decision": decision, "note": "", "csrf_token": csrf},
        follow_redirects=False,
    )
    return int(resp.status_code)


def _draft_id(resp_location: str) -> int:
    return int(resp_location.rsplit("/", 1)[1])


def test_journey_pages_feed_and_tenancy(app: FastAPI, factory: sessionmaker[Session]) -> None:
    firms = _seed(factory)
    make_user(factory, "maker", Role.regulator)
    make_user(factory, "checker", Role.regulator)
    make_user(factory, "bank-sys", Role.bank_officer, service=True)
    make_user(factory, "firm", Role.enterprise, enterprise_id=firms[0])
    with unit_of_work(factory) as s:
        run_id = evaluation.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF).id
    feed_token = _token(factory, "bank-sys", ["whitelist:read"])
    narrow_token = _token(factory, "bank-sys", ["evaluation:read"])
    bank = {"Authorization": f"Bearer {feed_token}"}

    with TestClient(app) as maker, TestClient(app) as checker, TestClient(app) as api:
        mcsrf = login(maker, "maker")
        ccsrf = login(checker, "checker")
        resp = maker.post(
            "/whitelist/drafts",
            data={"run_id": str(run_id), "note": "第一批", "csrf_token": mcsrf},
            follow_redirects=False,
        )
        assert resp.status_code == 303
        v1 = _draft_id(resp.headers["location"])
        page = maker.get(f"/whitelist/publications/{v1}")
        assert page.status_code == 200 and "草稿" in page.text and "3</strong> 家次" in page.text
        refused = maker.post(
            f"/whitelist/publications/{v1}/review",
            data={"decision": "approve", "csrf_token": mcsrf},
        )
        assert refused.status_code == 409 and "起草人不能复核" in refused.text
        assert api.get("/api/v1/whitelist/versions", headers=bank).json() == []
        assert _review(checker, ccsrf, v1) == 303
        listing = checker.get("/whitelist")
        assert "第 1 版" in listing.text and "已发布" in listing.text

        versions = api.get("/api/v1/whitelist/versions", headers=bank).json()
        assert [(v["version"], v["enterprises"], v["entries"]) for v in versions] == [(1, 3, 3)]
        # a version's entries in cursor pages
        got, cursor = [], None
        while True:
            params: dict[str, str | int] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            body = api.get("/api/v1/whitelist/versions/1/entries", params=params, headers=bank)
            assert body.status_code == 200, body.text
            data = body.json()
            got += [(e["enterprise_id"], e["dimension"]) for e in data["items"]]
            cursor = data["next_cursor"]
            if cursor is None:
                break
        assert got == sorted((f, "infrastructure") for f in firms)
        bad = api.get(
            "/api/v1/whitelist/versions/1/entries", params={"cursor": "xyz"}, headers=bank
        )
        assert bad.status_code == 422 and "游标无效" in bad.json()["error"]

        # the bank polls the change feed in pages of one
        seen: list[tuple[int, int, str, int]] = []
        since: str | None = None

        def poll() -> None:
            nonlocal since
            while True:
                params: dict[str, str | int] = {"limit": 1}
                if since:
                    params["since"] = since
                data = api.get("/api/v1/whitelist/changes", params=params, headers=bank).json()
                seen.extend(
                    (c["seq"], c["version"], c["change"], c["enterprise_id"]) for c in data["items"]
                )
                since = data["next_cursor"]
                if not data["has_more"]:
                    return

        poll()
        assert len(seen) == 3

        penalty_id = _penalty(factory, firms[1])
        from zhixin.whitelist import service as whitelist

        with unit_of_work(factory) as s:
            maker_user = s.query(User).filter(User.username == "maker").one()
            actor = accounts.principal_for(s, maker_user)
            out = whitelist.refresh(s, actor=actor, catalog_name="xiamen", as_of=AS_OF)
            assert out.publication is not None and out.touched == 1
            v2 = out.publication.id
        poll()
        assert len(seen) == 3  # a draft is not in the feed
        assert _review(checker, ccsrf, v2) == 303
        poll()
        poll()
        assert [s[0] for s in seen] == [1, 2, 3, 4]
        assert seen[3][1:] == (2, "removed", firms[1])

        assert "比较两个版本" in checker.get("/whitelist").text
        diff = checker.get(f"/whitelist/diff?old={v1}&new={v2}")
        assert diff.status_code == 200
        assert GATE in diff.text and f"#{penalty_id}" in diff.text and "移出 <strong>1" in diff.text
        xlsx = checker.get(f"/whitelist/diff/export.xlsx?old={v1}&new={v2}")
        rows = list(
            load_workbook(io.BytesIO(xlsx.content)).worksheets[0].iter_rows(values_only=True)
        )
        assert len(rows) == 2 and rows[1][4] == "移出" and GATE in str(rows[1][7])
        export = api.get(f"/whitelist/publications/{v2}/export.xlsx", headers=bank)
        assert export.status_code == 200
        sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
        assert sheet.max_row == 2 + 2

        radar = api.get(f"/api/v1/whitelist/enterprises/{firms[0]}/radar", headers=bank)
        assert radar.status_code == 200
        assert {d["code"]: d["level"] for d in radar.json()["dimensions"]}[
            "infrastructure"
        ] == "III"
        gone = api.get(f"/api/v1/whitelist/enterprises/{firms[1]}/radar", headers=bank)
        assert gone.status_code == 404

        # a token without the whitelist scope, and an enterprise user, are refused
        narrow = {"Authorization": f"Bearer {narrow_token}"}
        assert api.get("/api/v1/whitelist/changes", headers=narrow).status_code == 403
    with TestClient(app) as firm:
        login(firm, "firm")
        assert firm.get("/api/v1/whitelist/versions").status_code == 403
        assert firm.get("/whitelist").status_code == 403


def test_cli_refresh_drafts_the_delta(tmp_path: Path) -> None:
    db = tmp_path / "wl.sqlite3"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    firms = _seed(factory)
    make_user(factory, "maker", Role.regulator)
    make_user(factory, "checker", Role.regulator)
    from zhixin.whitelist import service as whitelist

    with unit_of_work(factory) as s:
        run_id = evaluation.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF).id
        maker = accounts.principal_for(s, s.query(User).filter_by(username="maker").one())
        checker = accounts.principal_for(s, s.query(User).filter_by(username="checker").one())
        pub = whitelist.draft_from_run(s, actor=maker, run_id=run_id)
        whitelist.review(s, actor=checker, publication_id=pub.id, approve=True)
    _penalty(factory, firms[2])
    engine.dispose()
    env = {**os.environ, "ZHIXIN_DATABASE_URL": f"sqlite:///{db}", "ZHIXIN_MODE": "development"}

    def zhixin(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "zhixin.cli", "whitelist", "refresh", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    bad = zhixin("--catalog", "xiamen", "--as-of", "2025-06-30", "--by", "nobody")
    assert bad.returncode == 1 and "未找到用户" in bad.stderr
    done = zhixin("--catalog", "xiamen", "--as-of", "2025-06-30", "--by", "maker", "--urgent")
    assert done.returncode == 0, done.stderr
    assert "紧急发布第 2 版" in done.stdout and "2 家，2 家次" in done.stdout
