"""One translation of validation errors (issue 16 item 5): the API, a page's form and a CLI
command answer bad input in Chinese, with the fields' Chinese names, never pydantic's English."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.test_cli import zhixin
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.kit import validation

ENGLISH = ("field required", "input should be", "value is not a valid", "value error")


def _chinese_only(text: str) -> None:
    assert validation.has_chinese(text), text
    lowered = text.lower()
    assert not any(w in lowered for w in ENGLISH), text


def test_the_api_answers_bad_input_in_chinese(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "officer", Role.bank_officer)
    csrf = login(client, "officer")
    body = {"amount": "abc", "term_months": "x", "method": "按年", "date": "2025-13-01"}
    resp = client.post("/api/v1/quotes", json=body, headers={"X-CSRF-Token": csrf})
    assert resp.status_code == 422
    answer = resp.json()
    assert answer["code"] == "validation_failed" and answer["request_id"]
    assert answer["request_id"] == resp.headers["X-Request-ID"]
    _chinese_only(answer["message"])
    fields = {d["loc"][-1]: d for d in answer["detail"]}
    assert fields["product"]["field"] == "产品代码" and fields["product"]["msg"] == "必填"
    assert fields["amount"]["field"] == "申请金额" and fields["amount"]["msg"] == "应为数字"
    assert fields["term_months"]["msg"] == "应为整数"
    assert fields["date"]["msg"] == "日期格式应为 2025-07-01"
    for d in answer["detail"]:
        _chinese_only(d["msg"])
    assert "申请金额：应为数字" in answer["message"]


def test_a_page_form_answers_bad_input_in_chinese(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    csrf = login(client, "reg")
    resp = client.post("/whitelist/drafts", data={"run_id": "第三次", "csrf_token": csrf})
    assert resp.status_code == 422
    shown = re.search(r'<p class="error" role="alert">(.*?)</p>', resp.text, re.S)
    assert shown, resp.text
    _chinese_only(shown.group(1))
    assert "评价批次编号：应为整数" in shown.group(1) and "run_id" not in shown.group(1)
    search = client.get("/enterprises", params={"page": "0"})
    assert search.status_code == 422 and "应不小于 1" in search.text
    _chinese_only(search.text.split('role="alert">')[1].split("</p>")[0])


def test_a_cli_command_answers_bad_input_in_chinese(tmp_path: Path) -> None:
    done = zhixin(
        "quote",
        "--product",
        "luzhidai",
        "--enterprise",
        "91350200MA2XXXXX0M",
        "--amount",
        "-5",
        "--term",
        "0",
        "--method",
        "按年",
        db=tmp_path / "never-opened.sqlite3",
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    _chinese_only(done.stderr)
    said = "".join(done.stderr.split())  # the console wraps long lines
    assert "申请金额：应大于0" in said and "期限（月）：应不小于1" in said
    assert "还款方式：不是可选值" in said


def test_labels_come_from_the_models() -> None:
    from zhixin.applications.schemas import ApplicationIn

    labels = validation.labels_of(ApplicationIn)
    assert labels["amount"] == "申请金额" and labels["term_months"] == "期限"
    text = validation.as_text(
        [{"type": "missing", "loc": ("body", "amount"), "msg": "Field required"}], labels
    )
    assert text == "申请金额：必填"
