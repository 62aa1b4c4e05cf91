"""Browser journeys of the demand side (issue 22): a firm posts a need, a bank takes it and
answers within the clock, the ledger shows the outcome; a bank imports a day's ledger file with
some bad rows and reads the row-level report; a bank pushes a pre-approved list after
confirming, and the firm compares its offers on a phone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.integration.test_portrait import principal
from tests.support.grades import Grade, publish_grades
from tests.support.people import PASSWORD, make_user
from zhixin.accounts.rules import Role
from zhixin.demand import preapprove
from zhixin.enterprises.models import Enterprise
from zhixin.kit import clock
from zhixin.kit.db import unit_of_work

pytestmark = pytest.mark.browser

FIRM_USCC = "91350200MA2Y00770J"
OTHER_USCC = "91110000600037341L"


def _login(page: object, url: str, username: str) -> None:
    page.goto(url + "/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def _logout(page: object) -> None:
    # on a phone the 退出 button sits behind the folded menu: end the session by its cookie
    page.context.clear_cookies()  # type: ignore[attr-defined]


def _world(server: object) -> int:
    factory = server.factory  # type: ignore[attr-defined]
    with unit_of_work(factory) as s:
        firm = Enterprise(
            uscc=FIRM_USCC,
            name="厦门矽创微电子有限公司",
            kind="企业",
            status="存续",
            size_class="小",
            region_code="350206",
        )
        other = Enterprise(
            uscc=OTHER_USCC,
            name="厦门乙制造有限公司",
            kind="企业",
            status="存续",
            size_class="中",
            region_code="350211",
        )
        s.add_all([firm, other])
        s.flush()
        firm_id = firm.id
    publish_grades(factory, catalog="xiamen", grades={firm_id: Grade("I", {"credit": "I"})})
    make_user(factory, "owner", Role.enterprise, enterprise_id=firm_id)
    make_user(factory, "xmrcb", Role.bank_officer, tenant_code="bank-xmrcb")
    return firm_id


def test_firm_posts_bank_takes_and_answers_ledger_shows_it(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server, chromium_page() as page:
        _world(server)
        page.set_viewport_size({"width": 390, "height": 844})  # the firm on a phone
        _login(page, server.url, "owner")
        page.goto(server.url + "/needs")
        page.fill("input[name=amount_wan]", "300")
        page.fill("input[name=term_months]", "12")
        page.select_option("select[name=purpose]", "quality_upgrade")
        page.select_option("select[name=collateral]", "none")
        page.fill("input[name=contact_name]", "王经理")
        page.fill("input[name=contact_phone]", "0592-5550123")
        page.check("input[name=contact_consent]")
        page.click("button:has-text('发布需求')")
        card = page.locator("#need-list section.need").first
        text = card.inner_text()
        assert "待接单" in text and "300.00 万元" in text and "Ⅰ类" in text
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the needs page is {width}px wide on a 390px phone"
        _logout(page)

        page.set_viewport_size({"width": 1280, "height": 900})
        _login(page, server.url, "xmrcb")
        page.click("text=融资需求")
        card = page.locator("#need-list section.need").first
        assert "鹭质贷" in card.inner_text() and "0592" not in card.inner_text()
        card.locator("button:has-text('接单')").click()
        card = page.locator("#need-list section.need").first
        assert "已接单" in card.inner_text() and "0592-5550123" in card.inner_text()
        for step in ("contacted", "onsite", "applied"):
            card = page.locator("#need-list section.need").first
            card.locator("select[name=step]").select_option(step)
            card.locator("button:has-text('登记')").click()
        text = page.locator("#need-list section.need").first.inner_text()
        assert "已受理申请" in text and "超期" not in text

        page.click("text=对接台账")
        row = page.locator("#ledger-list tbody tr").first
        assert "已联系" in row.inner_text() and "融资需求接单" in row.inner_text()
        need_ref = row.inner_text().split("融资需求接单")[1].split()[0]
        today = clock.today().isoformat()
        form = page.locator("#ledger-form")
        form.locator("input[name=uscc]").fill(FIRM_USCC)
        form.locator("select[name=source]").select_option("need")
        form.locator("input[name=source_ref]").fill(need_ref)
        for name in ("contacted_on", "granted_on", "disbursed_on"):
            form.locator(f"input[name={name}]").fill(today)
        form.locator("input[name=granted_amount]").fill("3000000")
        form.locator("input[name=granted_rate]").fill("3.45")
        form.locator("input[name=product_code]").fill("luzhidai")
        form.locator("input[name=disbursed_amount]").fill("3000000")
        form.locator("input[name=first_loan]").check()
        form.locator("input[name=credit]").check()
        form.locator("button:has-text('报送')").click()
        latest = page.locator("#ledger-list tbody tr").first.inner_text()
        assert "已放款" in latest and "首贷户" in latest and "300.00 万元" in latest
        page.click("text=查看转化情况")
        table = page.locator("#conversion tbody tr").first.inner_text()
        assert "厦门农村商业银行" in table or "测试bank" in table
        assert "100.00%" in table


def test_bank_imports_a_days_ledger_file_with_bad_rows(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    header = (
        "统一社会信用代码,来源,来源编号,联系日期,授信日期,授信金额（元）,年化利率（%）,产品代码,"
        "放款日期,放款金额（元）,拒绝日期,拒绝原因代码,首贷户,信用贷款"
    )
    rows = [
        f"{FIRM_USCC},白名单推送,,2026-07-01,2026-07-03,200万,3.6,luzhidai,2026-07-05,150万,,,是,是",
        f"{OTHER_USCC},白名单推送,,2026-07-01,,,,,,,2026-07-02,R09,否,否",  # no such reason code
        f"{OTHER_USCC},预授信名单,L1,2026-07-01,,,,,,,,,否,否",
        "91350200MA2Y00770X,白名单推送,,2026-07-01,,,,,,,,,否,否",  # check digit
        f"{FIRM_USCC},预授信名单,L1,2026-07-01,2026-06-30,100万,3.5,,,,,,否,否",  # before contact
    ]
    file = tmp_path / "台账-20260701.csv"
    file.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="gb18030")
    with live_server(tmp_path) as server, chromium_page() as page:
        _world(server)
        _login(page, server.url, "xmrcb")
        page.click("text=对接台账")
        page.set_input_files("input[name=file]", str(file))
        page.click("#ledger-import-form button:has-text('导入')")
        page.wait_for_selector("#import-counts")
        assert "新增 2 笔" in page.inner_text("#import-counts")
        assert "有误 3 行" in page.inner_text("#import-counts")
        errors = page.locator("#import-errors tbody tr")
        report = [errors.nth(i).inner_text().split("\t") for i in range(errors.count())]
        assert [(r[0], r[1]) for r in report] == [
            ("3", "拒绝原因代码"),
            ("5", "统一社会信用代码"),
            ("6", "授信日期"),
        ]
        page.click("text=返回台账")
        page.set_input_files("input[name=file]", str(file))
        page.click("#ledger-import-form button:has-text('导入')")
        page.wait_for_selector("#import-counts")
        counts = page.inner_text("#import-counts")
        assert "新增 0 笔" in counts and "未变 2 笔" in counts
        page.click("text=返回台账")
        assert page.locator("#ledger-list tbody tr").count() == 2


def test_bank_pushes_a_preapproved_list_and_the_firm_compares_its_offers(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server, chromium_page() as page:
        firm_id = _world(server)
        factory = server.factory  # type: ignore[attr-defined]
        with unit_of_work(factory) as s:  # 鹭质贷 and 众商贷 take firms of a year or more
            s.execute(
                update(Enterprise)
                .where(Enterprise.id == firm_id)
                .values(established_on=date(2015, 3, 1))
            )
        with unit_of_work(factory) as s:
            ours, _b = preapprove.create_list(s, product_code="luzhidai")
            theirs, _c = preapprove.create_list(s, product_code="zhongshangdai")
            ours_id, theirs_id = ours.id, theirs.id
        zbank = principal(
            factory, make_user(factory, "zbank", Role.bank_officer, tenant_code="bank-zbank")
        )
        with unit_of_work(factory) as s:
            preapprove.push(s, actor=zbank, list_id=theirs_id)

        # the bank officer: its list, the figures, the push after confirming
        page.set_viewport_size({"width": 1280, "height": 900})
        _login(page, server.url, "xmrcb")
        page.click("#menu-preapprovals")
        row = page.locator(f"#list-{ours_id}").inner_text()
        assert "鹭质贷" in row and "未推送" in row
        page.click(f"#list-{ours_id} a:has-text('第 {ours_id} 号')")
        assert "厦门矽创微电子有限公司" in page.inner_text("#preapproval-rows")
        page.check("#push-form input[name=confirm]")
        page.click("#push-form button:has-text('确认推送')")
        page.wait_for_selector("#push-done")
        assert "新增台账 1 笔" in page.inner_text("#push-done")
        assert "已推送" in page.inner_text("#push-state")
        _logout(page)

        # the firm, on a phone: both offers side by side, comparable, a link to quote
        page.set_viewport_size({"width": 390, "height": 844})
        _login(page, server.url, "owner")
        page.click("#menu-button")
        page.click("#menu-offers")
        offers = page.locator("#offers section.offer")
        assert offers.count() == 2
        text = page.inner_text("#offers")
        for word in ("鹭质贷", "众商贷", "年化利率", "总成本", "绿色通道", "有效期至", "%"):
            assert word in text, word
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the offers page is {width}px wide on a 390px phone"
        page.click("#offer-sorts a:has-text('预授信额度')")
        assert "sort=limit" in page.url
        page.locator("#offers section.offer").first.locator("a.offer-quote").click()
        page.wait_for_url("**/quotes/new**")
        assert "product=" in page.url
