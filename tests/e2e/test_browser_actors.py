"""One browser journey per actor on the demo (issue 21, "Proof"): regulator, bank officer,
approver, enterprise, task force and guarantor each walk their pages in headless Chromium, and
the test reads the Chinese the pages show — names, not codes: dimension and grade names, region
and industry names, rates as 5.10%, the to-do counts on home, the whitelist's search and filters,
the quote from a whitelist row, the draft's diff before 复核通过并发布, the revoke-consent
confirmation, the enterprise's pages at 390×844 without sideways scroll.

One demo server for the module (loaded once); each journey logs in on its own page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from tests.e2e.browser import LiveServer, browser_skip_reason, chromium_page, live_server
from zhixin.accounts.models import Tenant, User
from zhixin.demo.loader import DEMO_PASSWORD, load_demo

if TYPE_CHECKING:
    from playwright.sync_api import Page, ViewportSize

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DIMENSIONS = ("质量信用", "质量管理", "质量品牌", "质量基础", "质量创新")
CODES = re.compile(r">\s*(credit|management|brand|infrastructure|innovation|III?|I)\s*<")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("actors")
    with live_server(tmp) as live:
        assert load_demo(live.factory, enterprises=150, voucher_dir=tmp / "vouchers").loaded
        yield live


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#site-menu", state="attached")


def todo(page: Page, key: str) -> int:
    return int(page.inner_text(f"#todo-{key} strong").strip())


def main_text(page: Page) -> str:
    return page.inner_text("main")


def no_codes(page: Page, where: str) -> None:
    html = page.inner_html("main")
    assert not CODES.search(html), f"{where}: {CODES.search(html)}"


def test_regulator_reads_the_list_by_name_and_reviews_a_draft_with_its_diff(
    server: LiveServer,
) -> None:
    with chromium_page() as page:
        log_in(page, server.url, "regulator")
        page.goto(server.url + "/whitelist/publications/1")
        text = main_text(page)
        assert "厦门市" in text and "家次" in text
        assert any(d in text for d in DIMENSIONS)
        assert re.search("Ⅰ类|Ⅱ类|Ⅲ类", text)
        no_codes(page, "白名单")
        # filter by a dimension (names in the select), then search by a listed name
        page.select_option("select[name=dimension]", label="质量信用")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url(re.compile(r"dimension=credit"))
        assert "符合条件" in main_text(page)
        name = page.locator("#entries tbody tr td a").first.inner_text()
        page.fill("input[name=q]", name[2:6])
        page.get_by_role("button", name="查询").click()
        page.wait_for_url(re.compile(r"q="))
        assert name in main_text(page)
        # a draft from Xiamen's run, for the other regulator
        page.goto(server.url + "/whitelist")
        page.select_option("select[name=run_id]", value="1")
        page.get_by_role("button", name="起草").click()
        page.wait_for_url(re.compile(r"/whitelist/publications/\d+"))
        draft = page.url
    with chromium_page() as page:
        log_in(page, server.url, "regulator2")
        assert todo(page, "whitelist-drafts") == 1
        assert "待审核的白名单草稿" in main_text(page)
        page.goto(draft)
        diff = page.locator("#review-diff")
        assert "与现行版本（第 3 版）相比" in diff.inner_text()
        box, button = diff.bounding_box(), page.get_by_role("button", name="复核通过并发布")
        button_box = button.bounding_box()
        assert box is not None and button_box is not None and box["y"] < button_box["y"]


def test_bank_officer_sees_to_dos_finds_a_firm_and_quotes_from_its_row(
    server: LiveServer,
) -> None:
    with chromium_page() as page:
        log_in(page, server.url, "xmrcb-officer")
        assert todo(page, "to-review") >= 1
        home = main_text(page)
        assert "待受理或审核的贷款申请" in home and "今日到期" in home and "已逾期" in home
        page.goto(server.url + "/whitelist/publications/1")
        page.select_option("select[name=region]", label="厦门市思明区")
        page.get_by_role("button", name="查询").click()
        page.wait_for_url(re.compile(r"region="))
        rows = main_text(page)
        assert "厦门市思明区" in rows and "福州市" not in rows.split("符合条件")[-1]
        page.locator("a.quote-from-row").first.click()
        page.wait_for_url(re.compile(r"/quotes/new\?enterprise_id=\d+"))
        assert page.locator("select[name=product]").input_value() == "luzhidai"
        page.fill("input[name=amount]", "100")
        page.fill("input[name=term]", "12")
        page.select_option("select[name=method]", value="随借随还")
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_selector("#rate")
        rate = page.inner_text("#rate strong").strip()
        assert re.fullmatch(r"\d+\.\d{2,3}%", rate), rate
        assert "不构成要约" in main_text(page)


def test_approver_sees_what_waits_for_approval_by_name(server: LiveServer) -> None:
    with chromium_page() as page:
        log_in(page, server.url, "xmrcb-approver")
        assert todo(page, "to-approve") >= 0
        assert "待审批的贷款申请" in main_text(page)
        page.goto(server.url + "/applications")
        queue = main_text(page)
        assert "鹭质贷" in queue and "luzhidai" not in queue
        assert re.search("已提交|审查中|已签约", queue)
        page.locator("main a[href^='/applications/']:not([href$='/new'])").first.click()
        page.wait_for_url(re.compile(r"/applications/\d+"))
        one = main_text(page)
        assert "五项标准" in one or "合规持续经营" in one
        assert "万元" in one or "元" in one


def test_enterprise_reads_its_grade_on_a_phone_and_is_asked_before_revoking(
    server: LiveServer,
) -> None:
    with chromium_page() as page:
        page.set_viewport_size(PHONE)
        log_in(page, server.url, "enterprise1")
        home = main_text(page)
        assert any(d in home for d in DIMENSIONS) and re.search("Ⅰ类|Ⅱ类|Ⅲ类", home)
        for path in ("/", "/quotes/new", "/applications", "/loans"):
            page.goto(server.url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path}: {width}px"
        page.goto(server.url + "/applications")
        assert "鹭质贷" in main_text(page)
        # consent: grant one to a bank, then revoking asks first
        with server.factory() as db:
            eid = db.scalar(
                select(Tenant.enterprise_id)
                .join(User, User.tenant_id == Tenant.id)
                .where(User.username == "enterprise1")
            )
        page.goto(f"{server.url}/enterprises/{eid}/consents")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.locator("#grant-form button[type=submit]").click()
        page.get_by_role("button", name="撤销授权…").first.click()
        page.wait_for_selector("#revoke-confirm")
        confirm = page.inner_text("#revoke-confirm")
        assert "确认撤销对" in confirm and "的授权？" in confirm
        assert "企业已撤销授权" in confirm
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.get_by_role("button", name="确认撤销").click()
        page.wait_for_url(re.compile(r"/consents"))
        assert page.get_by_role("button", name="撤销授权…").count() == 0


def test_task_force_sees_its_consultations_and_the_reports(server: LiveServer) -> None:
    with chromium_page() as page:
        log_in(page, server.url, "taskforce")
        assert todo(page, "consultations") >= 1
        assert "待会诊的申请" in main_text(page)
        page.goto(server.url + "/consultations")
        queue = main_text(page)
        assert "专精特新e贷" in queue and "zhuanjingtexin" not in queue
        page.goto(server.url + "/reports")
        reports = main_text(page)
        assert "日晾晒" in reports
        no_codes(page, "/reports")


def test_guarantor_sees_its_guarantees_by_name(server: LiveServer) -> None:
    with chromium_page() as page:
        log_in(page, server.url, "guarantor")
        page.goto(server.url + "/support")
        text = main_text(page)
        assert "担保" in text and "厦门" in text
        assert "bank-xmrcb" not in text and "luzhidai" not in text
        assert re.search(r"\d+\.\d{2}", text)
