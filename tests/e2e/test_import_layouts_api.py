"""The import API and page with a regulator's layout and an older file (issue 18 items 7, 10)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.test_import_api import USCC, _firm
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord

HEADER = "序号,统一社会信用代码,认证类型,证书编号,认证机构,发证日期,有效期至,证书状态,备注"


def _file(status: str) -> bytes:
    row = f"1,{USCC},ISO9001,Q1,中国质量认证中心,2023/3/1 0:00,2026/2/28 00:00:00,{status},"
    return f"厦门市认证证书清单\r\n{HEADER}\r\n{row}\r\n".encode()


def test_layout_and_reassert_through_api_and_page(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    _firm(factory)
    make_user(factory, "reg", Role.regulator)
    csrf = login(client, "reg")

    def send(status: str, **form: str) -> dict[str, object]:
        resp = client.post(
            "/api/v1/imports/certification",
            files={"file": ("c.csv", _file(status), "text/csv")},
            data=form,
            headers={"X-CSRF-Token": csrf},
        )
        assert resp.status_code == 201, resp.text
        body: dict[str, object] = resp.json()
        return body

    first = send("有效")
    assert (first["inserted"], first["rejected"]) == (1, 0)
    message = str(first["message"])
    assert "已跳过表头上方的标题行（第 1 行）" in message
    assert "第 A 列「序号」、第 I 列「备注」" in message
    assert send("撤销")["corrected"] == 1
    stale = send("有效")
    assert (stale["corrected"], stale["rejected"]) == (0, 0)
    assert "与历史版本相同 1" in str(stale["message"])
    errors = stale["errors"]
    assert isinstance(errors, list) and errors[0]["reason"].startswith("与历史版本相同")

    page = client.post(
        "/imports",
        data={"kind": "certification", "reassert": "true"},
        files={"file": ("c.csv", _file("有效"), "text/csv")},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=True,
    )
    assert page.status_code == 200 and "更正" in page.text
    with unit_of_work(factory) as s:
        live = s.scalars(select(QualityRecord).where(QualityRecord.superseded_at.is_(None))).one()
        assert (live.version, live.status) == (3, "有效")
    assert "按文件内容恢复历史版本" in client.get("/imports").text
