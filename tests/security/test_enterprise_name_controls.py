"""Enterprise names refuse NUL and Unicode bidi controls (issue 15, "Low"): through the register
import, the API and the service, each with a Chinese reason; names with ordinary punctuation
and CJK still pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import NAME_CONTROL_REASON, make_uscc, name_problem
from zhixin.intake import service as intake
from zhixin.kit.db import unit_of_work

# A right-to-left override makes "厦门‮司公限有技科‬" display reversed; a NUL cuts a name
# short in C-based systems; an isolate or a mark hides text direction changes.
HOSTILE = {
    "nul": "厦门甲\x00科技有限公司",
    "rlo": "厦门\u202e司公限有技科\u202c",
    "lre": "\u202a厦门乙科技有限公司",
    "isolate": "厦门丙\u2066科技\u2069有限公司",
    "lrm": "厦门丁\u200e科技有限公司",
    "rlm": "厦门戊\u200f科技有限公司",
}
FINE = ("厦门矽创微电子有限公司", "A&B (厦门) 科技·有限公司 $100", "Ｔｅｓｔ　有限公司")


@pytest.mark.parametrize("name", list(HOSTILE.values()), ids=list(HOSTILE))
def test_the_rule_refuses_controls(name: str) -> None:
    assert name_problem(name) == NAME_CONTROL_REASON
    assert "控制字符" in NAME_CONTROL_REASON


@pytest.mark.parametrize("name", FINE)
def test_the_rule_accepts_ordinary_names(name: str) -> None:
    assert name_problem(name) is None


def test_the_register_import_refuses_each_row_with_a_control(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    lines = ["统一社会信用代码,名称"]
    codes = []
    for i, name in enumerate([*HOSTILE.values(), "厦门己科技有限公司"]):
        code = make_uscc(f"91350200MA{i:07d}")
        codes.append(code)
        lines.append(f"{code},{name}")
    path = tmp_path / "ent.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    summary = intake.run_import(factory, kind="enterprise", path=path, filename="ent.csv")
    assert (summary.inserted, summary.rejected) == (1, len(HOSTILE))
    assert {(e.line, e.field, e.reason) for e in summary.errors} == {
        (line, "名称", NAME_CONTROL_REASON) for line in range(2, 2 + len(HOSTILE))
    }
    with unit_of_work(factory) as s:
        assert s.scalars(select(Enterprise.name)).all() == ["厦门己科技有限公司"]


def test_the_api_refuses_with_a_chinese_reason(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    token = login(client, "reg")
    for i, name in enumerate(HOSTILE.values()):
        body = {"uscc": make_uscc(f"91350200MB{i:07d}"), "name": name}
        resp = client.post("/api/v1/enterprises", json=body, headers={"X-CSRF-Token": token})
        assert resp.status_code == 422, resp.text
        assert resp.json()["detail"] == {"name": NAME_CONTROL_REASON}
    ok = client.post(
        "/api/v1/enterprises",
        json={"uscc": make_uscc("91350200MC0000001"), "name": FINE[1]},
        headers={"X-CSRF-Token": token},
    )
    assert ok.status_code == 201 and ok.json()["name"] == FINE[1]
    with unit_of_work(factory) as s:
        assert s.scalars(select(Enterprise.name)).all() == [FINE[1]]
