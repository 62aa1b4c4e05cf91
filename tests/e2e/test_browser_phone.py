"""On a phone (390×844) the demo enterprise's pages fit the screen: no sideways scroll, the menu
folded behind 菜单 until it is tapped; an officer's pages stay readable on a tablet (768 px).

Wide tables scroll inside their own box (``table.grid`` is its own scroll container there), so the
page itself never scrolls sideways: ``scrollWidth <= innerWidth`` on the document element.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.support.people import PASSWORD, make_user
from zhixin.accounts.models import Tenant, User
from zhixin.accounts.rules import Role
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.loans.models import LoanContract

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TABLET = {"width": 768, "height": 1024}


def fits(page: Page) -> tuple[int, int]:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    return int(width), int(inner)


def assert_fits(page: Page, where: str) -> None:
    width, inner = fits(page)
    assert width <= inner, f"{where}: 页面宽 {width}px，超出屏幕 {inner}px"


def assert_menu_folds(page: Page, where: str) -> None:
    """The menu's links are hidden until 菜单 is tapped, then shown; tapped again, hidden."""
    menu = page.locator("#site-menu")
    links = menu.locator("nav a")
    assert links.count() > 0, where
    assert page.locator("#menu-button").is_visible(), where
    assert not links.first.is_visible(), f"{where}: 菜单未折叠"
    assert not page.get_by_role("button", name="退出").is_visible(), where
    page.click("#menu-button")
    assert links.first.is_visible(), f"{where}: 点击菜单后仍看不到链接"
    assert all(links.nth(i).is_visible() for i in range(links.count())), where
    assert_fits(page, where + "（菜单展开）")
    page.click("#menu-button")
    assert not links.first.is_visible(), where


def log_in(page: Page, url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#site-menu", state="attached")


def log_out(page: Page) -> None:
    page.click("#menu-button")
    page.get_by_role("button", name="退出").click()
    page.wait_for_selector("input[name=username]")


def test_enterprise_pages_fit_a_phone_and_officer_pages_a_tablet(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        assert load_demo(server.factory, enterprises=200, voucher_dir=tmp_path / "vouchers").loaded
        with server.factory() as s:
            eid = s.scalar(
                select(Tenant.enterprise_id)
                .join(User, User.tenant_id == Tenant.id)
                .where(User.username == "enterprise1")
            )
            borrower = s.scalar(select(LoanContract.enterprise_id).order_by(LoanContract.id))
        assert eid is not None and borrower is not None
        make_user(server.factory, "loan-owner", Role.enterprise, enterprise_id=borrower)
        with chromium_page() as page:
            page.set_viewport_size(PHONE)
            page.goto(server.url + "/login")
            assert_fits(page, "/login")
            assert page.locator("input[name=username]").is_visible()
            box = page.locator("input[name=username]").bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

            log_in(page, server.url, "enterprise1")
            pages = [
                "/",
                f"/enterprises/{eid}/portrait",
                "/quotes/new",
                "/applications",
                f"/enterprises/{eid}/consents",
                "/loans",
                "/disputes",
            ]
            for path in pages:
                response = page.goto(server.url + path)
                assert response is not None and response.status == 200, path
                assert_fits(page, path)
                assert_menu_folds(page, path)
            # the grade is readable: the radar fits and the total is on the page
            page.goto(server.url + "/")
            radar = page.locator("#radar svg").bounding_box()
            assert radar is not None and radar["x"] + radar["width"] <= PHONE["width"]
            assert page.inner_text("#total-score").strip()
            # its application's own page and the application form (applying from a phone)
            page.goto(server.url + "/applications")
            href = page.locator("main a[href^='/applications/']:not([href$='/new'])").first
            for path in (href.get_attribute("href"), "/applications/new"):
                assert path is not None
                page.goto(server.url + path)
                assert_fits(page, path)
                assert_menu_folds(page, path)
            # a wide table scrolls inside its own box, not the page
            page.goto(server.url + f"/enterprises/{eid}/portrait")
            overflow = page.evaluate(
                "getComputedStyle(document.querySelector('table.grid')).overflowX"
            )
            assert overflow == "auto"

            log_out(page)

            # the demo's loans belong to enterprises without a demo login: one signs in here
            log_in(page, server.url, "loan-owner", PASSWORD)
            page.goto(server.url + "/loans")
            assert_fits(page, "/loans (有贷款)")
            assert_menu_folds(page, "/loans (有贷款)")
            loan = page.locator("main a[href^='/loans/']").first.get_attribute("href")
            assert loan is not None
            page.goto(server.url + loan)
            assert_fits(page, loan)
            assert_menu_folds(page, loan)
            log_out(page)

            # an officer on a tablet: the loan book and the applications queue stay readable
            page.set_viewport_size(TABLET)
            log_in(page, server.url, "xmrcb-officer")
            for path in ("/applications", "/loans", "/whitelist"):
                response = page.goto(server.url + path)
                assert response is not None and response.status == 200, path
                assert_fits(page, path + " @768")
                assert_menu_folds(page, path + " @768")
                assert page.locator("main h1").first.is_visible()
