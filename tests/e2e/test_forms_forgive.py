"""Forms forgive (issue 21 item 3): a form's mistake re-shows the form's page with what was
typed and the message beside the field, never the dead-end "无法完成操作" page; a number of 20
or 30 digits typed into any form of the demo never answers a server error."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import csrf_of, login
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.kit import validation
from zhixin.web import forms
from zhixin.web.failures import OUT_OF_RANGE

pytestmark = pytest.mark.slow

DEAD_END = "无法完成操作"
_FIELD_ERROR = re.compile(
    r'<span class="error field-error" role="alert"(?: data-field="([^"]*)")?>(.*?)</span>', re.S
)


def post_from(client: TestClient, page: str, action: str, data: dict[str, str]) -> str:
    """Post ``data`` to ``action`` as the browser does from ``page`` (with its Referer); the
    page that comes back (after the redirect), asserted to be the form again."""
    shown = client.get(page)
    resp = client.post(
        action,
        data={"csrf_token": csrf_of(shown.text), **data},
        headers={"Referer": f"http://testserver{page}"},
        follow_redirects=False,
    )
    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == page
    again = client.get(page)
    assert again.status_code == 422, again.text
    assert DEAD_END not in again.text
    assert forms.COOKIE not in client.cookies  # shown once
    return str(again.text)


def errors_beside(page: str) -> dict[str | None, str]:
    return {name or None: html.unescape(msg) for name, msg in _FIELD_ERROR.findall(page)}


def test_the_refill_puts_values_and_messages_back() -> None:
    page = (
        '<main><form method="post" action="/x"><label>金额（万元） <input name="amount"></label>'
        '<select name="kind"><option value="a">甲</option><option value="b">乙</option></select>'
        '<textarea name="why">原文</textarea><input type="password" name="password">'
        '</form><form method="post" action="/y"><input name="amount"></form></main>'
    )
    failure = forms.Failure(
        page="/p",
        action="/x",
        message="金额须大于 0",
        values={"amount": ["-5"], "kind": ["b"], "why": ["<b>改</b>"], "password": ["s"]},
    )
    out = forms.refill(page, failure)
    assert 'value="-5"' in out and out.count('value="-5"') == 1  # only the failed form's
    assert '<option value="b" selected>' in out and '<option value="a">' in out
    assert "&lt;b&gt;改&lt;/b&gt;</textarea>" in out and "原文" not in out
    assert errors_beside(out) == {"amount": "金额须大于 0"}  # the label 金额 names the field
    gone = forms.refill(page.replace('action="/x"', 'action="/z"'), failure)
    assert "<main>" + '<span class="error field-error" role="alert">' in gone


def test_a_forged_or_stale_cookie_is_ignored(app: FastAPI) -> None:
    with TestClient(app) as client:
        client.cookies.set(forms.COOKIE, "e30.0000")
        assert client.get("/login").status_code == 200


@pytest.fixture
def demo_app(app: FastAPI, factory: sessionmaker[Session], tmp_path: Path) -> FastAPI:
    assert load_demo(factory, enterprises=120, voucher_dir=tmp_path).loaded
    return app


def test_named_dead_ends_re_show_the_form(demo_app: FastAPI) -> None:
    with TestClient(demo_app) as client:
        login(client, "regulator", DEMO_PASSWORD)
        page = post_from(
            client,
            "/lpr",
            "/lpr",
            {"effective_on": "2025-06-20", "one_year": "-1", "five_year": "3.5"},
        )
        assert 'value="-1"' in page and 'value="3.5"' in page and 'value="2025-06-20"' in page
        beside = errors_beside(page)
        assert list(beside) == ["one_year"] and validation.has_chinese(beside["one_year"])

        # a number of 30 digits: the database cannot hold it, the form says so beside the field
        page = post_from(client, "/whitelist", "/whitelist/drafts", {"run_id": "1" * 30})
        assert errors_beside(page) == {"run_id": "数字位数过多", None: OUT_OF_RANGE}

        # pydantic's complaint, in Chinese, beside the field, with what was typed
        page = post_from(client, "/whitelist", "/whitelist/drafts", {"run_id": "第一批"})
        assert errors_beside(page) == {
            "run_id": "应为整数",
            None: "请求参数有误：评价批次编号：应为整数",
        }

    with TestClient(demo_app) as client:
        login(client, "regulator", DEMO_PASSWORD)
        runs = client.get("/whitelist")
        # the drafting form's runs (the list in force above has region options too)
        run_id = re.search(r'<select name="run_id"><option value="(\d+)"', runs.text)
        assert run_id, runs.text
        made = client.post(
            "/whitelist/drafts",
            data={"csrf_token": csrf_of(runs.text), "run_id": run_id.group(1), "note": "复核用"},
            follow_redirects=False,
        )
        assert made.status_code == 303, made.text
        draft = made.headers["location"]
    with TestClient(demo_app) as client:
        login(client, "regulator2", DEMO_PASSWORD)
        page = post_from(client, draft, f"{draft}/review", {"decision": "reject", "note": ""})
        assert errors_beside(page) == {"note": "驳回须说明理由"}

    with TestClient(demo_app) as client:
        login(client, "enterprise1", DEMO_PASSWORD)
        me = client.get("/me").text
        consents = re.search(r'href="(/enterprises/\d+/consents)"', me)
        assert consents, me
        path = consents.group(1)
        bank = re.search(r'<option value="(\d+)"', client.get(path).text)
        assert bank
        data = {"tenant_id": bank.group(1), "scope": "records", "expires_on": "2001-01-01"}
        page = post_from(client, path, path, data)
        assert 'value="2001-01-01"' in page
        assert errors_beside(page) == {"expires_on": "授权截止日期须晚于今天"}
