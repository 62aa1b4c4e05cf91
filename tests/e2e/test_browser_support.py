"""Public support in headless Chromium: a loan in default → the bank files a compensation claim
→ one fund manager reviews it, another approves it (the first cannot) → it is paid; then a
quarter's 贴息 computed from the loan book's interest, approved and paid; the enterprise sees
its own subsidy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.integration.test_support import FUND, GUARANTEE, POLICY, repay, world
from tests.support.people import PASSWORD
from zhixin.kit.db import unit_of_work
from zhixin.loans.models import LoanDrawdown
from zhixin.support import guarantees, subsidies
from zhixin.support import service as support

pytestmark = pytest.mark.browser


def test_default_claim_review_payment_and_a_quarters_subsidy(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        w = world(server.factory)
        c1 = w.book.contract_ids[0]
        with unit_of_work(server.factory) as s:
            guarantees.add_guarantee_product(
                s, actor=w.who("gu1"), code="G", name="担保", terms=GUARANTEE
            )
            gid = guarantees.request_guarantee(
                s, actor=w.who("officer"), contract_id=c1, product_code="G"
            ).id
            guarantees.decide_guarantee(s, actor=w.who("gu1"), guarantee_id=gid, approve=True)
            support.create_fund(
                s, actor=w.who("fin1"), code="XMFC", name="厦门市风险补偿资金池", terms=FUND
            )
            support.contribute(
                s, actor=w.who("fin1"), fund_code="XMFC", amount=Decimal("3000000.00"),
                on=date(2026, 10, 1),
            )  # fmt: skip
            subsidies.add_policy(
                s, actor=w.who("fin1"), code="XMTX", name="厦门市质量贷贴息", terms=POLICY
            )
            for d in w.drawdowns:
                repay(s, w.book.bank_id, d, date(2026, 11, 10), "3850.00")
            # the loan defaults: the batch classified it 损失
            s.execute(
                update(LoanDrawdown)
                .where(LoanDrawdown.id == w.drawdowns[0])
                .values(classification="loss")
            )
        with chromium_page() as page:

            def log_in(name: str) -> None:
                page.goto(server.url + "/login")
                page.fill("input[name=username]", name)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                page.goto(server.url + "/support")

            def log_out() -> None:
                page.click("text=退出")

            log_in("officer")
            page.fill("#claim-form input[name=fund_code]", "XMFC")
            page.fill("#claim-form input[name=contract_id]", str(c1))
            page.click("#claim-form button")
            row = page.inner_text("#claims tbody tr")
            assert "已申报" in row and "100.00 万元" in row  # the loss: outstanding principal
            log_out()

            log_in("fin1")
            page.click("#claims button:has-text('初审通过')")
            assert "已初审" in page.inner_text("#claims tbody tr")
            assert "待另一人复核" in page.inner_text("#claims tbody tr")
            log_out()

            log_in("fin2")
            page.click("#claims button:has-text('复核通过')")
            assert "已核准" in page.inner_text("#claims tbody tr")
            page.click("#claims button:has-text('拨付')")
            assert "已拨付" in page.inner_text("#claims tbody tr")
            # 300万 − the fund's part (50 % of the 20 万 the 80 % guarantee leaves)
            assert "290.00 万元" in page.inner_text("#funds")

            # the quarter's 贴息: computed, approved, paid
            page.fill("#compute-form input[name=quarter]", "2026Q4")
            page.click("#compute-form button")
            assert "3 笔贷款" in page.inner_text("main")
            assert "3,850.00 元" in page.inner_text("#lines")
            page.click("#approve-form button")
            assert "已审核" in page.inner_text("main")
            page.fill("#pay-form input[name=reference]", "CZ-2026Q4-01")
            page.click("#pay-form button")
            assert "已拨付" in page.inner_text("main") and "CZ-2026Q4-01" in page.inner_text("main")
            page.goto(server.url + "/support")
            assert "4,500.00 元" in page.inner_text("#paid-by-bank")
            log_out()

            log_in("owner")
            assert "已拨付" in page.inner_text("#subsidies")
            assert "4,500.00 元" in page.inner_text("#subsidies")
