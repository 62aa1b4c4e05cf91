"""Quality linkage in headless Chromium: a product-quality penalty is imported for 厦门鹭芯科技
and one worker cycle freezes its 鹭质贷 line; the enterprise sees the freeze and its reason on
its own page and on the loan, and its drawdown is refused with that reason; the officer asks
to lift it from the bank's queue, the approver approves, and the loan page says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.integration.test_linkage import _cycle, _import
from tests.integration.test_loans import _drawn, signed_contract
from tests.support.people import PASSWORD

pytestmark = pytest.mark.browser

REASON = "新增产品质量类行政处罚：行政处罚（2025-02-28）"


def test_an_enterprise_sees_its_line_frozen_and_why_then_the_bank_lifts_it(
    tmp_path: Path,
) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        from tests.integration.test_applications import build_world

        w = build_world(server.factory)
        cid = signed_contract(w)
        _drawn(w, cid, "1000000.00", on=date(2025, 2, 10))
        _cycle(w)  # the cursors start
        _import(
            w,
            tmp_path,
            "penalty",
            {
                "处罚决定书文号": "厦市监处罚〔2025〕7号",
                "处罚日期": "2025-02-28",
                "处罚机关": "厦门市市场监督管理局",
                "违法类别": "产品质量",
                "严重程度": "较重",
            },
        )
        assert _cycle(w).freezes == 1
        with chromium_page() as page:

            def log_in(name: str) -> None:
                page.goto(server.url + "/login")
                page.fill("input[name=username]", name)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")

            def log_out() -> None:
                page.click("text=退出")

            # the enterprise: its own page names the frozen loan and the reason
            log_in("owner-a")
            page.goto(server.url + "/me")
            frozen = page.inner_text("#enterprise-frozen")
            assert f"#{cid}" in frozen and REASON in frozen
            # the loan says the same, and a drawdown is refused with the reason
            page.goto(f"{server.url}/loans/{cid}")
            assert REASON in page.inner_text("#line-blocked")
            page.fill("#drawdown-amount", "100000")
            page.click("#drawdown-submit")
            main = page.inner_text("main")
            assert "授信额度已冻结" in main and REASON in main
            log_out()

            # the officer asks to lift it from the bank's queue
            log_in("officer")
            page.goto(server.url + "/linkage")
            assert REASON in page.inner_text("#freeze-queue")
            page.fill("#freeze-queue input[name=reason]", "企业已完成整改，复查合格")
            page.click("#freeze-queue button")
            assert "企业已完成整改" in page.inner_text("#reversal-queue")
            log_out()

            # another person, the approver, approves: the line is free again
            log_in("approver")
            page.goto(server.url + "/linkage")
            page.click("#reversal-queue button:has-text('批准')")
            assert "已批准" in page.inner_text("#reversal-queue")
            page.goto(f"{server.url}/loans/{cid}")
            assert page.locator("#line-blocked").count() == 0
            assert "解除冻结" in page.inner_text("#linkage-actions")
            log_out()
