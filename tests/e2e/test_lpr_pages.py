"""The LPR table through its page, its API and its commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.e2e.test_cli import zhixin
from tests.support.people import PASSWORD, make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.kit import clock
from zhixin.lpr import rules
from zhixin.lpr import service as lpr


def _row(html: str, day: str) -> str:
    found = re.search(rf'<tr id="lpr-{day}".*?</tr>', html, re.S)
    assert found, f"no row for {day}"
    return found.group(0)


def test_a_reader_sees_the_table_with_sources_and_the_stale_warning(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "bank-reader", Role.bank_officer)
    login(client, "bank-reader")
    page = client.get("/lpr")
    assert page.status_code == 200
    html = page.text
    assert "贷款市场报价利率（LPR）" in html
    first = _row(html, "2019-08-20")
    assert "4.25%" in first and "4.85%" in first and "随软件发布" in first
    assert html.index('id="lpr-2025-05-20"') < html.index('id="lpr-2019-08-20"')  # newest first
    # the shipped history ends 2025-05-20; today is later than the following 20th
    assert lpr.rules.is_stale(list(lpr.shipped()), clock.today())
    assert "LPR 表可能未更新" in html
    assert 'id="lpr-form"' not in html and "/delete" not in html  # no forms for a reader
    assert client.post("/lpr", data={}).status_code == 403  # and no way around them


def test_the_page_needs_login_and_product_read(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    resp = client.get("/lpr", follow_redirects=False)
    assert resp.status_code == 303 and "/login" in resp.headers["location"]
    make_user(factory, "auditor-lpr", Role.auditor)
    login(client, "auditor-lpr")
    assert client.get("/lpr").status_code == 403


def test_a_regulator_adds_replaces_with_confirmation_and_deletes(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg-page", Role.regulator)
    csrf = login(client, "reg-page")
    day = rules.last_publication_day(clock.today()).isoformat()  # the latest publication day
    form = {"csrf_token": csrf, "effective_on": day, "one_year": "3.00", "five_year": "3.50"}
    saved = client.post("/lpr", data=form | {"note": "维持不变"})
    assert saved.status_code == 200 and saved.url.path == "/lpr"  # after the 303
    html = saved.text
    assert f"已保存 {day} 的 LPR" in html
    row = _row(html, day)
    assert "3.00%" in row and "操作员录入：维持不变" in row and "reg-page" in row
    assert "LPR 表可能未更新" not in html  # the latest publication is now in the table

    # the same day again: a confirmation first, nothing changed yet
    ask = client.post("/lpr", data=form | {"one_year": "2.95"})
    assert ask.status_code == 200 and "确认替换" in ask.text
    assert "2.95%" in ask.text and "3.00%" in _row(ask.text, day)
    done = client.post("/lpr", data=form | {"one_year": "2.95", "confirm": "yes"})
    assert "2.95%" in _row(done.text, day)

    # deleting asks for the box to be ticked
    refused = client.post(f"/lpr/{day}/delete", data={"csrf_token": csrf})
    assert refused.status_code == 422 and "请勾选确认" in refused.text
    gone = client.post(f"/lpr/{day}/delete", data={"csrf_token": csrf, "confirm": "yes"})
    assert f"已删除 {day} 的操作员录入" in gone.text and f'id="lpr-{day}"' not in gone.text

    # refusals come back as Chinese pages
    bad = client.post("/lpr", data=form | {"one_year": "abc"})
    assert bad.status_code == 422 and "须为数字" in bad.text
    shipped_delete = client.post(
        "/lpr/2019-08-20/delete", data={"csrf_token": csrf, "confirm": "yes"}
    )
    assert shipped_delete.status_code == 409 and "不能删除" in shipped_delete.text


def test_api_reads_and_writes(client: TestClient, factory: sessionmaker[Session]) -> None:
    make_user(factory, "reg-api", Role.regulator)
    csrf = login(client, "reg-api")
    headers = {"X-CSRF-Token": csrf}
    on = client.get("/api/v1/lpr/on/2024-03-01").json()
    assert on == {
        "on": "2024-03-01",
        "effective_on": "2024-02-20",
        "one_year": "3.4500",
        "five_year": "3.9500",
        "source": "全国银行间同业拆借中心公告：2024年2月20日贷款市场报价利率（LPR）",
        "stale": False,
    }
    early = client.get("/api/v1/lpr/on/2019-01-02")
    assert early.status_code == 422 and "2019-08-20" in early.json()["error"]
    put = client.put(
        "/api/v1/lpr/2025-06-20",
        json={"one_year": "3.00", "five_year": "3.50", "note": "维持"},
        headers=headers,
    )
    assert put.status_code == 200
    assert put.json()["origin"] == "operator" and put.json()["set_by"] == "reg-api"
    table = client.get("/api/v1/lpr").json()
    assert [r["effective_on"] for r in table[:2]] == ["2025-06-20", "2025-05-20"]
    refused = client.put(
        "/api/v1/lpr/2025-06-20", json={"one_year": "25", "five_year": "3.5"}, headers=headers
    )
    assert refused.status_code == 422
    assert client.delete("/api/v1/lpr/2025-06-20", headers=headers).status_code == 204
    assert client.delete("/api/v1/lpr/2025-06-20", headers=headers).status_code == 404


def test_commands(tmp_path: Path) -> None:
    db = tmp_path / "lpr.sqlite3"
    assert zhixin("db", "upgrade", db=db).returncode == 0
    shown = zhixin("lpr", "show", "2024-03-01", db=db)
    assert shown.returncode == 0, shown.stderr
    assert "1 年期 3.4500%" in shown.stdout and "2024-02-20" in shown.stdout
    early = zhixin("lpr", "show", "2019-01-02", db=db)
    assert early.returncode == 1 and "2019-08-20" in early.stderr
    done = zhixin(
        "lpr",
        "set",
        "2025-06-20",
        "--one-year",
        "3.00",
        "--five-year",
        "3.50",
        "--note",
        "维持不变",
        db=db,
    )
    assert done.returncode == 0, done.stderr
    assert "已保存 2025-06-20" in done.stdout
    listed = zhixin("lpr", "list", db=db)
    assert listed.returncode == 0
    assert listed.stdout.index("2025-06-20") < listed.stdout.index("2019-08-20")
    after = zhixin("lpr", "show", "2025-07-01", db=db)
    assert "自 2025-06-20 起" in after.stdout and "操作员录入：维持不变" in after.stdout
    refused = zhixin("lpr", "set", "2025-06-20", "--one-year", "0", "--five-year", "3.5", db=db)
    assert refused.returncode == 1 and "大于 0%" in refused.stderr
    nobody = zhixin(
        "lpr",
        "set",
        "2025-06-20",
        "--one-year",
        "3",
        "--five-year",
        "3.5",
        "--by",
        "ghost",
        db=db,
    )
    assert nobody.returncode == 1 and "未找到用户" in nobody.stderr
    shipped = zhixin("lpr", "delete", "2019-08-20", db=db)
    assert shipped.returncode == 1 and "不能删除" in shipped.stderr
    assert zhixin("lpr", "delete", "2025-06-20", db=db).returncode == 0
    assert "2025-06-20" not in zhixin("lpr", "list", db=db).stdout


@pytest.mark.browser
def test_browser_regulator_enters_and_replaces_an_lpr(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        make_user(server.factory, "reg-browser", Role.regulator)
        day = rules.last_publication_day(clock.today()).isoformat()
        with chromium_page() as page:
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "reg-browser")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(server.url + "/lpr")
            assert page.locator("#lpr-stale").is_visible()
            page.fill("#lpr-form input[name=effective_on]", day)
            page.fill("#lpr-form input[name=one_year]", "3.00")
            page.fill("#lpr-form input[name=five_year]", "3.50")
            page.fill("#lpr-form input[name=note]", "维持不变")
            page.click("#lpr-form button[type=submit]")
            row = page.locator(f"#lpr-{day}")
            assert "3.00%" in row.inner_text() and "操作员录入：维持不变" in row.inner_text()
            assert page.locator("#lpr-stale").count() == 0
            # the same day again asks first
            page.fill("#lpr-form input[name=effective_on]", day)
            page.fill("#lpr-form input[name=one_year]", "2.95")
            page.fill("#lpr-form input[name=five_year]", "3.45")
            page.click("#lpr-form button[type=submit]")
            assert "确认替换" in page.locator("#lpr-confirm").inner_text()
            page.click("#lpr-confirm button[type=submit]")
            assert "2.95%" in page.locator(f"#lpr-{day}").inner_text()
            # delete: the box must be ticked (the browser enforces it, the server too)
            page.locator(f"#lpr-{day} input[name=confirm]").check()
            page.click(f"#lpr-{day} button[type=submit]")
            assert page.locator(f"#lpr-{day}").count() == 0
            assert "已删除" in page.locator("#lpr-message").inner_text()
