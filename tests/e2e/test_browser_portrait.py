"""Browser journey: an enterprise sees its grade, authorises a bank, downloads its PDF portrait;
the bank then sees the records."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.integration.test_portrait import FIRM, run, seed
from tests.support.people import PASSWORD
from tests.unit.test_portrait_rules import pdf_checks
from zhixin.kit import clock

pytestmark = pytest.mark.browser


def test_enterprise_authorises_a_bank_and_downloads_its_portrait(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        w = seed(server.factory)
        firm = w["firm"]
        run(server.factory, clock.today())
        with chromium_page() as page:

            def log_in(username: str) -> None:
                page.goto(server.url + "/login")
                page.fill("input[name=username]", username)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")

            log_in("owner")
            page.wait_for_selector("#radar svg polygon.score")
            assert FIRM in page.inner_text("h1")
            radar = page.inner_html("#radar")
            for name in ("质量信用", "质量管理", "质量品牌", "质量基础", "质量创新"):
                assert name in radar
            assert page.inner_text("#overall-level").strip()
            assert "还有 30 天" in page.inner_text("#warnings")
            assert "尚未授权任何银行" in page.inner_text("#my-consents")

            page.click("#consents-link")
            page.select_option("select[name=tenant_id]", str(w["bank_tenant"]))
            page.select_option("select[name=scope]", "records+portrait")
            page.click("#grant-form button[type=submit]")
            page.wait_for_selector("#consent-list td:has-text('有效')")

            page.goto(server.url + "/")
            assert "撤销授权" in page.inner_text("#my-consents")
            with page.expect_download() as info:
                page.click("#portrait-pdf")
            download = info.value
            assert download.suggested_filename == f"portrait-{firm}.pdf"
            saved = tmp_path / "portrait.pdf"
            download.save_as(saved)
            text = pdf_checks(saved.read_bytes(), tmp_path)
            assert FIRM in text and "质量信用" in text

            page.click("text=退出")
            log_in("bank")
            api = page.request.get(f"{server.url}/api/v1/enterprises/{firm}/records")
            assert api.status == 200 and len(api.json()) == 5
            page.goto(f"{server.url}/enterprises/{firm}/portrait")
            evidence = page.inner_text("#evidence")
            assert "ISO9001" in evidence and "Q-SOON" in evidence
            assert "还有 30 天" in page.inner_text("#warnings")
            page.screenshot(path=str(tmp_path / "bank-portrait.png"), full_page=True)
