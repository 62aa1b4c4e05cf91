"""Issue 4's journey: evaluate, draft, approve and publish version 1; a penalty arrives; refresh;
publish version 2; the diff shows the removal with its reason; a bank's poller and its webhook
receiver each got both versions exactly once; the enterprise downloads its PDF portrait."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.integration.test_webhooks import Receiver
from tests.support.people import PASSWORD, make_user
from zhixin.accounts import repository as accounts_repo
from zhixin.accounts import service as accounts
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.intake.service import run_import
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.records.models import QualityRecord
from zhixin.webhooks import service as webhooks
from zhixin.webhooks.worker import WorkerConfig, run_once

pytestmark = pytest.mark.browser
A = make_uscc("91350200MA2Y00880")
B = make_uscc("91350200MA2Y00990")


def _seed(factory) -> dict[str, int]:  # type: ignore[no-untyped-def]
    ids: dict[str, int] = {}
    with unit_of_work(factory) as s:
        for key, uscc, name in (("a", A, "厦门鹭芯科技有限公司"), ("b", B, "厦门海屿材料有限公司")):
            firm = Enterprise(uscc=uscc, name=name, kind="企业", status="存续")
            s.add(firm)
            s.flush()
            ids[key] = firm.id
            s.add(
                QualityRecord(
                    enterprise_id=firm.id,
                    kind="certification",
                    natural_key=f"{uscc}|Q-{key}",
                    content_hash=f"{key:0>32}",
                    subtype="ISO9001",
                    ref=f"Q-{key}",
                    status="有效",
                    valid_from=date(2024, 1, 1),
                    valid_to=date(2027, 1, 1),
                    source_system="test",
                )
            )
        for year in (2023, 2024):
            s.add(
                QualityRecord(
                    enterprise_id=ids["a"],
                    kind="contract_credit",
                    natural_key=f"{A}|{year}|市级",
                    content_hash=f"{year:0>32}",
                    year=year,
                    level="市级",
                    source_system="test",
                )
            )
    return ids


def _poll(url: str, token: str) -> list[dict[str, object]]:
    """A bank's poller: page through the change feed, two at a time, from the start."""
    seen: list[dict[str, object]] = []
    since = ""
    while True:
        resp = httpx.get(
            f"{url}/api/v1/whitelist/changes",
            params={"since": since, "limit": 2},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resp.status_code == 200, resp.text
        body = resp.json()
        seen.extend(body["items"])
        since = body["next_cursor"] or since
        if not body["has_more"]:
            return seen


def test_publish_refresh_diff_feed_webhook_and_portrait(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    receiver = Receiver(fail_first=1)
    receiver.thread.start()
    with live_server(tmp_path) as server:
        f = server.factory
        ids = _seed(f)
        make_user(f, "regulator", Role.regulator, tenant_code="amr")
        make_user(f, "regulator2", Role.regulator, tenant_code="amr")
        banker = make_user(f, "banker", Role.bank_officer, tenant_code="bank-a")
        feed_user = make_user(f, "bank-feed", Role.bank_officer, tenant_code="bank-a", service=True)
        make_user(f, "owner", Role.enterprise, enterprise_id=ids["a"])
        with unit_of_work(f) as s:
            actor = accounts.principal_for(s, accounts_repo.user_by_id(s, banker))  # type: ignore[arg-type]
            issued = webhooks.register(s, actor=actor, url=receiver.url, allow_loopback=True)
            receiver.secrets.append(issued.secret)
            feed = accounts_repo.user_by_id(s, feed_user)
            assert feed is not None
            token = accounts.create_token(
                s, user=feed, name="信贷系统", scopes=["whitelist:read"]
            ).raw

        with chromium_page() as page:

            def log_in(name: str) -> None:
                page.goto(server.url + "/login")
                page.fill("input[name=username]", name)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")

            def approve_latest_draft() -> None:
                page.goto(server.url + "/whitelist")
                page.click("button:has-text('通过并发布')")

            log_in("regulator")
            page.click("text=质量评价")
            page.select_option("select[name=catalog]", "xiamen")
            page.fill("input[name=as_of]", "2025-06-30")
            page.click("text=开始评价")
            page.wait_for_selector("#run-listed")
            page.goto(server.url + "/whitelist")
            page.click("button:has-text('起草')")
            page.click("text=退出")
            log_in("regulator2")
            approve_latest_draft()
            assert "第 1 版" in page.inner_text("main")

            penalty = tmp_path / "penalty.csv"
            penalty.write_text(
                "统一社会信用代码,处罚决定书文号,处罚日期,处罚机关,违法类别,罚没金额（元）,严重程度\n"
                f"{A},厦市监处罚〔2025〕7号,2025-03-01,厦门市市场监督管理局,产品质量,20000,一般\n",
                encoding="utf-8",
            )
            assert run_import(f, kind="penalty", path=penalty, filename=penalty.name).inserted == 1
            env = {
                **os.environ,
                "ZHIXIN_DATABASE_URL": server.settings.database_url,
                "ZHIXIN_MODE": "development",
            }
            refreshed = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "zhixin.cli",
                    "whitelist",
                    "refresh",
                    "--catalog",
                    "xiamen",
                    "--as-of",
                    "2025-06-30",
                    "--by",
                    "regulator",
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=180,
                check=False,
            )
            assert refreshed.returncode == 0, refreshed.stderr
            approve_latest_draft()
            assert "第 2 版" in page.inner_text("main")

            page.goto(f"{server.url}/whitelist/diff?old=1&new=2")
            diff = page.inner_text("main")
            assert "厦门鹭芯科技有限公司" in diff and "移出" in diff
            assert "否决" in diff and "厦门海屿材料有限公司" not in diff
            page.click("text=退出")

            changes = _poll(server.url, token)
            seqs = [c["seq"] for c in changes]
            assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
            assert {c["version"] for c in changes} == {1, 2}
            removed = [c for c in changes if c["version"] == 2]
            assert removed and all(c["change"] == "removed" for c in removed)
            assert {c["enterprise_id"] for c in removed} == {ids["a"]}

            config = WorkerConfig(allow_loopback=True, timeout=5.0, max_attempts=5)
            run_once(f, config)  # first attempts: the receiver answers 500
            run_once(f, config, now=utcnow() + timedelta(hours=7))  # the retries, once due
            assert sorted(receiver.processed.values()) == [1, 1]
            versions = sorted(b["data"]["version"] for b in receiver.bodies.values())  # type: ignore[index]
            assert versions == [1, 2] and receiver.bad_signatures == 0

            log_in("owner")
            # the portrait PDF is a heavy request (rendered with its CJK fonts, queued behind
            # others by the limiter): on a loaded CI machine it took longer than the page's 15 s
            with page.expect_download(timeout=90_000) as info:
                page.click("#portrait-pdf", timeout=90_000)
            pdf = tmp_path / "portrait.pdf"
            info.value.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF")
    receiver.server.shutdown()
