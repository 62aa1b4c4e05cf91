"""Issue 6's journeys in headless Chromium.

(1) A whitelisted enterprise applies for 鹭质贷 on the page, the officer accepts and reviews
(the five standards attested, the evaluation and the frozen quote on one screen), the approver
approves — inside the fast-lane deadline.
(2) A refusal with reasons reaches the task force's consultation queue with its suggested
remedies, a plan is recorded, the enterprise resubmits to the suggested product, and the
resubmission is approved; the consultation shows it resolved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.integration.test_applications import build_world
from tests.support.people import PASSWORD

pytestmark = pytest.mark.browser
STANDARDS_TO_ATTEST = ("fixed_premises", "real_need", "lawful_use")


def _skip_without_browser() -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)


class Journey:
    def __init__(self, page, url: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.url = url

    def log_in(self, name: str) -> None:
        self.page.goto(self.url + "/login")
        self.page.fill("input[name=username]", name)
        self.page.fill("input[name=password]", PASSWORD)
        self.page.click("button[type=submit]")

    def log_out(self) -> None:
        self.page.click("text=退出")

    def open(self, app_id: int) -> None:
        self.page.goto(f"{self.url}/applications/{app_id}")

    def apply(self, product: str, amount_wan: str, *, resubmission_of: int | None = None) -> int:
        if resubmission_of is None:
            self.page.goto(self.url + "/applications")
            self.page.click("#apply")
        else:
            self.open(resubmission_of)
            self.page.click("#resubmit")
        form = self.page.locator("#application-form")
        form.locator("select[name=product]").select_option(product)
        form.locator("input[name=amount]").fill(amount_wan)
        form.locator("input[name=term]").fill("12")
        form.locator("select[name=method]").select_option("随借随还")
        form.locator("input[name=purpose]").fill("购置在线检测设备")
        form.locator("textarea[name=use_of_funds]").fill(
            "支付设备采购合同款（合同编号 XM-2026-031）"
        )
        form.locator("input[name=annual_sales]").fill("3000")
        for code in ("licence", "financials", "use_proof", "legal_rep_id", "premises", "tax"):
            form.locator(f"input[name=materials][value={code}]").check()
        self.page.click("#submit-application")
        self.page.wait_for_selector("#headline")
        return int(self.page.url.rstrip("/").split("/")[-1])

    def review(self, app_id: int, recommendation: str = "approve") -> None:
        self.open(app_id)
        self.page.click("#do-accept")
        self.page.click("#do-start-review")
        for code in STANDARDS_TO_ATTEST:
            self.page.fill(f"#check-{code} input[name=note]", "客户经理实地走访核实")
            self.page.click(f"#attest-{code}")
            assert "客户经理核实" in self.page.inner_text(f"#check-{code}")
        self.page.select_option("#review-form select[name=recommendation]", recommendation)
        self.page.fill("#review-form input[name=note]", "五项标准核实完毕")
        self.page.click("#do-review")
        assert "待审批" in self.page.inner_text("#state")


def test_a_whitelisted_enterprise_is_approved_inside_the_fast_lane(tmp_path: Path) -> None:
    _skip_without_browser()
    with live_server(tmp_path) as server:
        build_world(server.factory)
        with chromium_page() as page:
            j = Journey(page, server.url)
            j.log_in("owner-a")
            app_id = j.apply("luzhidai", "300")
            main = page.inner_text("main")
            assert "已提交" in page.inner_text("#state")
            assert "符合准入条件" in page.inner_text("#eligibility")
            assert "受理后 4 个工作日" in page.inner_text("#deadline")
            assert "合规持续经营" in main and "固定经营场所" in main
            j.log_out()

            j.log_in("officer")
            page.goto(server.url + "/applications")
            assert page.is_visible(f"#application-{app_id}")
            assert page.inner_text("#count-fast-lane") == "1"
            j.review(app_id)
            # the reviewer may not decide: no approve button, and the reason is said
            assert page.locator("#do-approve").count() == 0
            assert page.is_visible("#evaluation") and page.is_visible("#portrait-link")
            assert "第 4 个工作日" in page.inner_text("#deadline")
            j.log_out()

            j.log_in("approver")
            j.open(app_id)
            page.fill("#approve-form input[name=note]", "同意，按快速通道办理")
            page.click("#do-approve")
            assert "已批准" in page.inner_text("#state")
            assert "在时限内" in page.inner_text("#elapsed")
            assert "300.00 万元" in page.inner_text("#approved")
            events = page.inner_text("#events")
            assert "受理" in events and "批准" in events
            j.log_out()

            j.log_in("owner-a")
            page.goto(server.url + "/applications")
            row = page.inner_text(f"#application-{app_id}")
            assert "已批准" in row and "按时" in row


def test_a_refusal_goes_to_consultation_and_the_resubmission_is_approved(tmp_path: Path) -> None:
    _skip_without_browser()
    with live_server(tmp_path) as server:
        build_world(server.factory)
        with chromium_page() as page:
            j = Journey(page, server.url)
            # 海屿 (Ⅱ类, no 专精特新 title) asks ICBC's 专精特新e贷 for 200万
            j.log_in("owner-b")
            original = j.apply("zhuanjingtexin-edai", "200")
            assert "不符合准入条件" in page.inner_text("#eligibility")
            j.log_out()

            j.log_in("icbc-officer")
            j.review(original, recommendation="reject")
            j.log_out()

            j.log_in("icbc-approver")
            j.open(original)
            page.check("#reject-form input[value=not_eligible]")
            page.check("#reject-form input[value=low_grade]")
            page.fill(
                "#reject-form textarea[name=note]", "未持有专精特新称号，不符合本产品准入条件"
            )
            page.click("#do-reject")  # without the confirmation box: refused, nothing done
            assert "请勾选确认后再拒绝" in page.inner_text("#action-error")
            page.check("#reject-form input[value=not_eligible]")
            page.check("#reject-form input[value=low_grade]")
            page.fill(
                "#reject-form textarea[name=note]", "未持有专精特新称号，不符合本产品准入条件"
            )
            page.check("#reject-form input[name=confirm]")
            page.click("#do-reject")
            assert "已拒绝" in page.inner_text("#state")
            assert "不符合产品准入条件" in page.inner_text("#rejection")
            j.log_out()

            j.log_in("taskforce")
            page.click("text=联合会诊")
            assert page.inner_text("#c-open") == "1"
            page.click("#consultation-list a:has-text('#')")
            remedies = page.inner_text("#remedies")
            assert "鹭质贷" in remedies and "可覆盖" in remedies
            assert "改投其他可准入产品" in remedies and "提升质量信誉等级" in remedies
            page.fill(
                "#plan-form textarea[name=plan]",
                "改投厦门农商行鹭质贷 200万元，专班协调三个工作日内审批；辅导申报 ISO 9001",
            )
            page.click("#save-plan")
            assert "已制定方案" in page.inner_text("#consultation-status")
            consultation_url = page.url
            j.log_out()

            j.log_in("owner-b")
            j.open(original)
            assert "改投厦门农商行鹭质贷" in page.inner_text("#rejection")
            again = j.apply("luzhidai", "200", resubmission_of=original)
            assert f"#{original}" in page.inner_text("main")
            j.log_out()

            j.log_in("officer")
            j.review(again)
            j.log_out()
            j.log_in("approver")
            j.open(again)
            page.click("#do-approve")
            assert "已批准" in page.inner_text("#state")
            j.log_out()

            j.log_in("taskforce")
            page.goto(consultation_url)
            assert "已解决" in page.inner_text("#consultation-status")
            assert f"#{again}" in page.inner_text("#resolution")
            page.goto(server.url + "/consultations")
            assert page.inner_text("#c-resolved").startswith("1")
