"""Browser journey of one visit (千企万户大走访) on a 390 px phone, offline (every request goes
to the app itself): the task force enters a visit through the form — a mistake comes back in
Chinese beside its field, the form refilled — then the assigned bank records the outcome, a
final one only after confirming, and can no longer change it; the task force corrects it; the
roll-up by area shows the visit under its street."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.support.loan_book import placeholder_row
from tests.support.people import PASSWORD, make_user
from zhixin.accounts.rules import Role
from zhixin.kit.db import unit_of_work
from zhixin.visits import service as visits

pytestmark = pytest.mark.browser

FIRM = "91350206MA2Y00010B"


def _login(page: object, url: str, username: str) -> None:
    page.context.clear_cookies()  # type: ignore[attr-defined]
    page.goto(url + "/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def _narrow(page: object, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 390, f"{what} is {width}px wide on a 390px phone"


def test_a_visit_entered_and_its_outcome_recorded_on_a_phone(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server, chromium_page() as page:
        factory = server.factory
        with unit_of_work(factory) as s:
            placeholder_row(s, "enterprise", uscc=FIRM, name="甲公司", region_code="350206")
        make_user(factory, "zhuanban", Role.task_force, tenant_code="taskforce")
        make_user(factory, "a-officer", Role.bank_officer, tenant_code="bank-a")
        with unit_of_work(factory) as s:
            camp = visits.create_campaign(
                s,
                actor=None,
                name="十一月走访",
                start_on=date(2026, 11, 1),
                end_on=date(2026, 11, 30),
                region_code="350206",
            )
            visits.add_team(
                s,
                actor=None,
                campaign_id=camp.id,
                name="禾山一组",
                street_code="350206004",
                bank_code="bank-a",
            )
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda r: elsewhere.append(r.url) if not r.url.startswith(server.url) else None,
        )
        page.set_viewport_size({"width": 390, "height": 844})
        _login(page, server.url, "zhuanban")
        page.goto(server.url + "/visits/records")
        page.click("#new-visit")
        _narrow(page, "the visit form")
        page.fill("input[name=uscc]", FIRM)
        page.fill("input[name=visited_on]", "2026-11-03")
        page.select_option("select[name=team]", label="禾山一组（十一月走访）")
        page.select_option("select[name=place]", "350206004001")
        page.fill("textarea[name=needs]", "扩产缺流动资金")
        page.fill("input[name=amount_wan]", "一百")  # a mistake: not a number
        page.fill("input[name=products]", "鹭质贷")
        page.click("#visit-save")
        error = page.locator("#visit-form .error").first.inner_text()
        assert "融资需求金额" in error and "应为数字" in error
        assert page.input_value("input[name=uscc]") == FIRM  # refilled, not lost
        assert page.input_value("textarea[name=needs]") == "扩产缺流动资金"
        page.fill("input[name=amount_wan]", "150")
        page.click("#visit-save")
        assert "已保存" in page.locator("#saved").inner_text()
        facts = page.locator("#visit-facts").inner_text()
        assert "厦门市湖里区禾山街道枋湖社区" in facts and "150.00 万元" in facts
        assert "测试bank" in page.locator("#visit-bank").inner_text()  # the team's bank
        visit_url = page.url.split("?")[0]
        _narrow(page, "the visit page")

        # the bank records a final outcome: refused until confirmed
        _login(page, server.url, "a-officer")
        page.goto(visit_url)
        page.select_option("select[name=outcome]", "granted")
        page.fill("input[name=outcome_on]", "2026-11-20")
        page.click("#outcome-save")
        error = page.locator("#outcome-form .error").first.inner_text()
        assert "最终结果" in error and "请勾选确认" in error
        page.check("input[name=confirm]")
        page.click("#outcome-save")
        assert "已获贷（2026-11-20） · 最终结果" in page.locator("#visit-outcome").inner_text()
        assert page.locator("#outcome-form").count() == 0  # the bank can change it no more
        _narrow(page, "the outcome page")

        # the task force corrects it; the roll-up shows the visit under its street
        _login(page, server.url, "zhuanban")
        page.goto(visit_url)
        page.select_option("select[name=outcome]", "applied")
        page.click("#outcome-save")
        assert "已申请（2026-11-20）" in page.locator("#visit-outcome").inner_text()
        page.goto(server.url + "/visits/areas?region=350206")
        row = page.locator("#area-350206004").inner_text()
        assert "禾山街道" in row and "150.00" in row
        page.click("#area-350206004 a >> nth=0")
        assert "枋湖社区" in page.locator("#area-table").inner_text()
        _narrow(page, "the roll-up")
        assert elsewhere == [], f"requests left the app: {elsewhere}"
