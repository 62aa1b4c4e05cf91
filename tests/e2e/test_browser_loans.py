"""The loan book in headless Chromium: from an approved application the bank officer signs the
contract (签订合同) and lands on the loan; the enterprise requests a drawdown, the approver
approves it, the officer disburses it (its schedule appears); the enterprise proposes a payee,
uploads a voucher (a file that is not a document is refused first), the approver approves the
payee, and the enterprise pays against the voucher; the portfolio lists the loan; the officer
enters the first repayment (an early one) and is refused a renewal a year before maturity."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.integration.test_applications import build_world, form, run, submit
from tests.integration.test_applications import to_pending_approval as pending
from tests.integration.test_loans import PDF
from tests.support.people import PASSWORD
from zhixin.applications.rules import Action
from zhixin.products.terms import Method

pytestmark = pytest.mark.browser


def test_officer_signs_then_drawdown_payee_voucher_and_payment(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    not_a_document = tmp_path / "invoice.pdf"
    not_a_document.write_bytes(b"MZ\x90\x00 an executable named like a PDF")
    invoice = tmp_path / "检测合同.pdf"
    invoice.write_bytes(PDF)
    with live_server(tmp_path) as server:
        w = build_world(server.factory)
        app_id = submit(w, "owner-a", date(2025, 1, 23), form(method=Method.equal_instalment))
        pending(w, app_id, date(2025, 1, 24))
        run(w, Action.approve, "approver", app_id, on=date(2025, 2, 5))
        with chromium_page() as page:

            def log_in(name: str) -> None:
                page.goto(server.url + "/login")
                page.fill("input[name=username]", name)
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")

            def log_out() -> None:
                page.click("text=退出")

            # the officer signs the approved application: the contract opens
            log_in("officer")
            page.goto(f"{server.url}/applications/{app_id}")
            page.click("#do-contract")
            assert "已签约" in page.inner_text("#state")
            page.click("#loan-link a")
            loan_url = page.url
            assert "3,000,000.00" not in page.inner_text("#available")  # shown in 万元
            assert "300.00 万元" in page.inner_text("#available")
            assert "LPR" in page.inner_text("#contract-rate")
            log_out()

            # the enterprise asks for 80万; above availability is refused in Chinese first
            log_in("owner-a")
            page.goto(loan_url)
            page.fill("#drawdown-amount", "3000000.01")
            page.click("#drawdown-submit")
            assert "超过可用额度" in page.inner_text("main")
            page.goto(loan_url)
            page.fill("#drawdown-amount", "800000")
            page.click("#drawdown-submit")
            assert "待审批" in page.inner_text("main .dd-status")
            log_out()

            log_in("approver")
            page.goto(loan_url)
            page.click("main form[action$='/approve'] button")
            assert "已审批" in page.inner_text("main .dd-status")
            log_out()

            log_in("officer")
            page.goto(loan_url)
            page.click("main form[action$='/disburse'] button")
            assert "已放款" in page.inner_text("main .dd-status")
            schedule = page.inner_text("table.schedule")
            assert schedule.count("\n") >= 12  # a header and twelve instalments
            log_out()

            # the enterprise proposes a payee and uploads its voucher
            log_in("owner-a")
            page.goto(loan_url)
            payee = page.locator("#payee-form")
            payee.locator("input[name=name]").fill("厦门市产品质量监督检验院")
            payee.locator("input[name=bank_account]").fill("6222021000009876")
            payee.locator("select[name=kind]").select_option("lab")
            payee.locator("button").click()
            assert "待审核" in page.inner_text("#payees")
            assert "**** **** 9876" in page.inner_text("#payees")
            voucher = page.locator("#voucher-form")
            voucher.locator("input[name=document_number]").fill("JC-2025-031")
            voucher.locator("input[name=invoice_amount]").fill("300000")
            voucher.locator("input[name=file]").set_input_files(str(not_a_document))
            voucher.locator("button").click()
            assert "PDF、OFD、JPG 或 PNG" in page.inner_text("main")
            page.goto(loan_url)
            voucher = page.locator("#voucher-form")
            voucher.locator("input[name=document_number]").fill("JC-2025-031")
            voucher.locator("input[name=invoice_amount]").fill("300000")
            voucher.locator("input[name=file]").set_input_files(str(invoice))
            voucher.locator("button").click()
            assert "JC-2025-031" in page.inner_text("#vouchers")
            log_out()

            log_in("approver")
            page.goto(loan_url)
            page.click("#payees form[action$='/approve'] button")
            assert "已核准" in page.inner_text("#payees")
            log_out()

            log_in("owner-a")
            page.goto(loan_url)
            pay = page.locator("form.payment-form")
            pay.locator("select[name=payee_id]").select_option(label="厦门市产品质量监督检验院")
            pay.locator("select[name=voucher_id]").select_option(index=1)
            pay.locator("select[name=purpose]").select_option("testing")
            pay.locator("input[name=amount]").fill("120000")
            pay.locator("button").click()
            payments = page.inner_text("main table[id^=payments-]")
            assert "受托支付" in payments and "120,000.00" in payments
            assert "JC-2025-031" in payments
            assert "180,000.00" in page.inner_text("#vouchers")  # what the voucher has left
            page.goto(server.url + "/loans")
            assert "我的贷款" in page.inner_text("h1")
            log_out()

            log_in("officer")
            page.goto(server.url + "/loans")
            assert "厦门鹭芯科技有限公司" in page.inner_text("#loan-list")

            # the first repayment: the officer enters an early repayment of 5万 on the value
            # date (no day closed yet: all of it repays principal, from the last instalment)
            page.goto(loan_url)
            repay = page.locator("form.repayment-form")
            repay.locator("input[name=bank_txn_id]").fill("CORE-2025-0001")
            repay.locator("input[name=amount]").fill("50000")
            repay.locator("button").click()
            repaid = page.inner_text("main table[id^=repayments-]")
            assert "CORE-2025-0001" in repaid and "50,000.00" in repaid
            # the same transaction id again writes nothing
            page.goto(loan_url)
            repay = page.locator("form.repayment-form")
            repay.locator("input[name=bank_txn_id]").fill("CORE-2025-0001")
            repay.locator("input[name=amount]").fill("50000")
            repay.locator("button").click()
            assert page.inner_text("main table[id^=repayments-]").count("CORE-2025-0001") == 1
            # renewal a year before maturity is refused, saying why
            page.goto(loan_url)
            page.click("#renew")
            assert "到期日须在90天内" in page.inner_text("main")
