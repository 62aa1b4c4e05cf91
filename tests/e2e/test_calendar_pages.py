"""The working-day calendar through the API, the pages and a browser: read, compute, enter."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.browser import browser_skip_reason, chromium_page, live_server
from tests.support.people import PASSWORD, make_user
from tests.support.web import csrf_of, login
from zhixin.accounts.rules import Role

UNKNOWN_2027 = (
    "2027 年的法定节假日与调休安排尚未录入（chinese-calendar 仅覆盖至 2026 年），"
    "请在「工作日历」页面或用 zhixin calendar set-year 录入"
)
# A TEST schedule for 2027 (not the official one): Fri 1 Jan and Mon 4 Jan off, Sat 9 Jan worked.
TEST_2027 = {
    "holidays": [{"day": "2027-01-01", "name": "元旦"}, {"day": "2027-01-04", "name": "元旦"}],
    "workdays": [{"day": "2027-01-09", "name": "元旦"}],
    "note": "测试通知",
}
TEST_2027_LINES = "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-04,休,元旦\n2027-01-09,班,元旦\n"


@pytest.fixture
def users(factory: sessionmaker[Session]) -> None:
    make_user(factory, "reg", Role.regulator)
    make_user(factory, "bank", Role.bank_officer)
    make_user(factory, "guarantor", Role.guarantor)


def _client(app: FastAPI, username: str) -> tuple[TestClient, str]:
    client = TestClient(app)  # no lifespan needed: the app was given its session factory
    return client, login(client, username)


def test_api_reads_a_package_year_and_computes_deadlines(app: FastAPI, users: None) -> None:
    bank, _ = _client(app, "bank")
    year = bank.get("/api/v1/calendar/2025").json()
    assert year["origin"] == "chinese-calendar" and year["source"].startswith("chinese-calendar")
    assert [d["day"] for d in year["workdays"]] == [
        "2025-01-26",
        "2025-02-08",
        "2025-04-27",
        "2025-09-28",
        "2025-10-11",
    ]
    assert {"day": "2025-01-28", "weekday": "星期二", "name": "春节"} in year["holidays"]
    assert year["working_days"] == 248
    # "deadline" is not taken for a year: Mon 27 Jan 2025 + 5 → 5, 6, 7, Sat 8, Mon 10 Feb.
    due = bank.get("/api/v1/calendar/deadline", params={"start": "2025-01-27", "days": 5})
    assert due.status_code == 200
    assert due.json()["deadline"] == "2025-02-10" and due.json()["weekday"] == "星期一"
    # National Day 2025: Tue 30 Sep + 3 → 9, 10 Oct and the make-up Saturday 11 Oct.
    due = bank.get("/api/v1/calendar/deadline", params={"start": "2025-09-30", "days": 3})
    assert due.json()["deadline"] == "2025-10-11"
    unknown = bank.get("/api/v1/calendar/deadline", params={"start": "2026-12-29", "days": 3})
    assert unknown.status_code == 422
    assert (unknown.json()["code"], unknown.json()["error"]) == ("invalid", UNKNOWN_2027)
    year_2027 = bank.get("/api/v1/calendar/2027").json()
    assert (year_2027["origin"], year_2027["message"]) == ("unknown", UNKNOWN_2027)
    assert (
        bank.get("/api/v1/calendar/deadline", params={"start": "x", "days": 1}).status_code == 422
    )


def test_api_regulator_enters_a_year_and_the_deadline_follows_it(app: FastAPI, users: None) -> None:
    reg, csrf = _client(app, "reg")
    bank, bank_csrf = _client(app, "bank")
    refused = bank.put("/api/v1/calendar/2027", json=TEST_2027, headers={"X-CSRF-Token": bank_csrf})
    assert refused.status_code == 403
    bad = reg.put(
        "/api/v1/calendar/2027",
        json={"holidays": [{"day": "2026-12-31"}], "workdays": [{"day": "2027-02-10"}]},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422
    assert bad.json()["detail"]["problems"] == [
        "2026-12-31 不属于 2027 年",
        "2027-02-10 是星期三，本来就上班；调休上班日（班）只能是星期六或星期日",
    ]
    assert bank.get("/api/v1/calendar/2027").json()["origin"] == "unknown"
    put = reg.put("/api/v1/calendar/2027", json=TEST_2027, headers={"X-CSRF-Token": csrf})
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["origin"], body["source"], body["entered_by"]) == ("operator", "测试通知", "reg")
    assert [d["day"] for d in body["holidays"]] == ["2027-01-01", "2027-01-04"]
    assert body["warnings"] == []
    # Tue 29 Dec 2026 + 7: 30, 31 Dec, 5, 6, 7, 8 Jan, then the make-up Saturday 9 Jan.
    due = bank.get("/api/v1/calendar/deadline", params={"start": "2026-12-29", "days": 7}).json()
    assert due["deadline"] == "2027-01-09" and due["weekday"] == "星期六"
    assert due["years"] == [
        {"year": 2026, "origin": "chinese-calendar", "origin_label": "chinese-calendar 内置"},
        {"year": 2027, "origin": "operator", "origin_label": "运营人员录入"},
    ]


def test_api_operator_year_overrides_the_package_with_a_warning(app: FastAPI, users: None) -> None:
    reg, csrf = _client(app, "reg")
    put = reg.put(
        "/api/v1/calendar/2025",
        json={"holidays": [{"day": "2025-01-01", "name": "元旦"}], "note": "测试"},
        headers={"X-CSRF-Token": csrf},
    )
    assert put.status_code == 200
    assert put.json()["origin"] == "operator"
    assert "与本次录入有 22 天不同" in put.json()["warnings"][0]
    # Spring Festival is no longer off: Mon 27 Jan + 5 → 28, 29, 30, 31 Jan, Mon 3 Feb.
    due = reg.get("/api/v1/calendar/deadline", params={"start": "2025-01-27", "days": 5}).json()
    assert due["deadline"] == "2025-02-03"


def test_pages_show_the_year_and_compute_a_deadline(app: FastAPI, users: None) -> None:
    firm, _ = _client(app, "guarantor")
    page = firm.get("/calendar/2025")
    assert page.status_code == 200
    assert "chinese-calendar 内置" in page.text
    assert 'class="cal-makeup" data-day="2025-01-26"' in page.text
    assert 'class="cal-holiday" data-day="2025-01-28"' in page.text
    assert 'class="cal-weekend" data-day="2025-02-09"' in page.text
    assert 'id="working-days">248 天' in page.text
    assert "录入某年的官方安排" not in page.text  # not a regulator
    assert 'href="/calendar"' in page.text  # the navigation links here
    done = firm.get("/calendar/2025", params={"start": "2025-01-27", "days": 5})
    assert "第 5 个工作日是 <strong>2025-02-10</strong>（星期一）" in done.text
    stuck = firm.get("/calendar/2026", params={"start": "2026-12-29", "days": 3})
    assert stuck.status_code == 200 and UNKNOWN_2027 in stuck.text
    unknown = firm.get("/calendar/2027")
    assert 'id="origin">未录入' in unknown.text and UNKNOWN_2027 in unknown.text
    assert firm.get("/calendar").status_code == 200
    assert firm.post("/calendar/preview", data={"year": 2027, "text": "x"}).status_code == 403


def test_regulator_previews_then_confirms_then_replaces(app: FastAPI, users: None) -> None:
    reg, csrf = _client(app, "reg")
    assert "录入某年的官方安排" in reg.get("/calendar/2027").text
    preview = reg.post(
        "/calendar/preview",
        data={"csrf_token": csrf, "year": 2027, "note": "测试通知", "text": TEST_2027_LINES},
    )
    assert preview.status_code == 200
    assert 'id="preview-holidays">2</strong>' in preview.text
    assert 'id="preview-workdays">1</strong>' in preview.text
    assert "确认录入 2027 年" in preview.text
    # Nothing is stored by a preview.
    assert reg.get("/api/v1/calendar/2027").json()["origin"] == "unknown"
    done = reg.post(
        "/calendar/2027/confirm",
        data={"csrf_token": csrf, "text": TEST_2027_LINES, "note": "测试通知"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/calendar/2027?saved=1"
    shown = reg.get("/calendar/2027?saved=1")
    assert "已保存 2027 年的工作日历：2 个休假日、1 个调休上班日" in shown.text
    assert 'class="cal-makeup" data-day="2027-01-09" title="元旦"' in shown.text
    # Entering it again is a replacement, said so before confirming.
    yaml_text = "holidays:\n  春节: ['2027-02-08..2027-02-10']\nworkdays: [2027-02-13]\n"
    again = reg.post(
        "/calendar/preview",
        data={"csrf_token": csrf, "year": 2027},
        files={"file": ("2027.yaml", yaml_text.encode("utf-8-sig"), "application/x-yaml")},
    )
    assert again.status_code == 200
    assert "2027 年已经录入过（2 个休假日、1 个调休上班日）" in again.text
    assert "确认替换 2027 年的安排" in again.text
    confirm_csrf = csrf_of(again.text)
    reg.post(
        "/calendar/2027/confirm",
        data={"csrf_token": confirm_csrf, "text": yaml_text, "filename": "2027.yaml"},
    )
    year = reg.get("/api/v1/calendar/2027").json()
    assert [d["day"] for d in year["holidays"]] == ["2027-02-08", "2027-02-09", "2027-02-10"]
    assert [d["day"] for d in year["workdays"]] == ["2027-02-13"]
    assert year["source"] == "运营人员录入"


def test_a_bad_file_is_shown_with_every_problem_and_no_confirm_button(
    app: FastAPI, users: None
) -> None:
    reg, csrf = _client(app, "reg")
    text = "2027-01-01,休\n2027-13-01,休\n2027-02-10,班\n2026-12-31,休\n"
    preview = reg.post("/calendar/preview", data={"csrf_token": csrf, "year": 2027, "text": text})
    assert preview.status_code == 422
    assert "有 3 处错误，不能保存" in preview.text
    assert "第 2 行：日期不存在：2027-13-01" in preview.text
    assert "2027-02-10 是星期三" in preview.text and "2026-12-31 不属于 2027 年" in preview.text
    assert 'id="confirm-form"' not in preview.text
    example = (
        Path(__file__).parents[2] / "src/zhixin/workdays/data/2027.example.yaml"
    ).read_bytes()
    refused = reg.post(
        "/calendar/preview",
        data={"csrf_token": csrf, "year": 2027},
        files={"file": ("2027.example.yaml", example, "application/x-yaml")},
    )
    assert refused.status_code == 422 and "这是格式示例文件（不是官方安排）" in refused.text
    forced = reg.post(
        "/calendar/2027/confirm", data={"csrf_token": csrf, "text": text}, follow_redirects=False
    )
    assert forced.status_code == 422
    assert reg.get("/api/v1/calendar/2027").json()["origin"] == "unknown"
    empty = reg.post("/calendar/preview", data={"csrf_token": csrf, "year": 2027, "text": " "})
    assert empty.status_code == 422 and "请上传文件" in empty.text


@pytest.mark.browser
def test_browser_regulator_enters_2027_and_a_deadline_crosses_into_it(tmp_path: Path) -> None:
    reason = browser_skip_reason()
    if reason:
        pytest.skip(reason)
    with live_server(tmp_path) as server:
        make_user(server.factory, "regulator", Role.regulator)
        with chromium_page() as page:
            page.goto(server.url + "/login")
            page.fill("input[name=username]", "regulator")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("header nav >> text=工作日历")
            page.goto(server.url + "/calendar/2026")
            page.fill("input[name=start]", "2026-12-29")
            page.fill("input[name=days]", "7")
            page.click("#deadline-form button")
            assert "2027 年的法定节假日与调休安排尚未录入" in page.inner_text("#deadline-error")

            page.fill("#enter-form input[name=year]", "2027")
            page.fill("#enter-form input[name=note]", "测试通知")
            page.fill("#enter-form textarea[name=text]", TEST_2027_LINES)
            page.click("#enter-form button")
            page.wait_for_selector("#preview")
            assert page.inner_text("#preview-holidays") == "2"
            assert page.inner_text("#preview-workdays") == "1"
            page.click("#confirm")
            page.wait_for_selector("#saved")
            assert page.inner_text("#origin") == "运营人员录入"
            assert page.get_attribute("td[data-day='2027-01-09']", "class") == "cal-makeup"

            page.fill("input[name=start]", "2026-12-29")
            page.fill("input[name=days]", "7")
            page.click("#deadline-form button")
            result = page.inner_text("#deadline-result")
            assert "2027-01-09" in result and "星期六" in result
            assert "2027 年（运营人员录入）" in result
            page.screenshot(path=str(tmp_path / "calendar.png"))
