"""Imports through the JSON API and the upload page: templates, tokens, refusals."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.enterprises.models import Enterprise
from zhixin.enterprises.rules import make_uscc
from zhixin.kit.db import unit_of_work
from zhixin.records.models import QualityRecord

USCC = make_uscc("91350200MA2Y00010")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _firm(factory: sessionmaker[Session]) -> None:
    with unit_of_work(factory) as s:
        s.add(Enterprise(uscc=USCC, name="厦门样例有限公司", kind="企业", status="存续"))


def test_template_from_the_app_imports_cleanly(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    _firm(factory)
    make_user(factory, "reg", Role.regulator)
    csrf = login(client, "reg")
    got = client.get("/api/v1/imports/templates/patent?format=xlsx")
    assert got.status_code == 200 and got.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(got.content))
    sheet = wb.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[0].lstrip("*") == "统一社会信用代码" and "填写说明" in wb.sheetnames
    filled = Workbook()
    ws = filled.active
    assert ws is not None
    ws.append(headers)
    ws.append([USCC, "ZL202310123456.7", "发明", "一种检测装置", "有效", "2023-08-15", "否"])
    buf = io.BytesIO()
    filled.save(buf)
    resp = client.post(
        "/api/v1/imports/patent",
        files={"file": ("patents.xlsx", buf.getvalue(), XLSX)},
        headers={"X-CSRF-Token": csrf},
    )
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert (body["inserted"], body["rejected"], body["errors"]) == (1, 0, [])
    with unit_of_work(factory) as s:
        rec = s.scalar(select(QualityRecord))
        assert rec is not None and rec.subtype == "发明" and rec.flag is False
        assert s.scalar(select(func.count()).where(AuditEvent.action == "import")) == 1


def test_bank_system_token_needs_the_write_scope(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    _firm(factory)
    uid = make_user(factory, "amr-feed", Role.regulator, service=True)
    with unit_of_work(factory) as s:
        user = s.get(User, uid)
        assert user is not None
        writer = accounts.create_token(
            s, user=user, name="省级平台推送", scopes=["record:write"]
        ).raw
        reader = accounts.create_token(s, user=user, name="只读", scopes=["record:read"]).raw
    csv_bytes = (
        "统一社会信用代码,公示年度,公示级别,公示机关\n"
        f"{USCC},2023,省级,福建省市场监督管理局\n{USCC},2024,省级,福建省市场监督管理局\n"
    ).encode("gbk")
    files = {"file": ("contracts.csv", csv_bytes, "text/csv")}
    denied = client.post(
        "/api/v1/imports/contract_credit",
        files=files,
        headers={"Authorization": f"Bearer {reader}"},
    )
    assert denied.status_code == 403
    ok = client.post(
        "/api/v1/imports/contract_credit",
        files=files,
        headers={"Authorization": f"Bearer {writer}"},
    )
    assert ok.status_code == 201 and ok.json()["inserted"] == 2
    again = client.post(
        "/api/v1/imports/contract_credit",
        files=files,
        headers={"Authorization": f"Bearer {writer}"},
    )
    assert again.json()["inserted"] == 0 and again.json()["duplicates"] == 2


def test_whole_file_refusals_are_422_and_recorded(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    csrf = login(client, "reg")
    h = {"X-CSRF-Token": csrf}
    empty = client.post(
        "/api/v1/imports/certification", files={"file": ("e.csv", b"", "text/csv")}, headers=h
    )
    assert empty.status_code == 422 and "文件为空" in empty.json()["error"]
    wrong = client.post(
        "/api/v1/imports/certification",
        files={"file": ("w.csv", "名称,地址\n甲,乙\n".encode(), "text/csv")},
        headers=h,
    )
    assert wrong.status_code == 422 and "表头" in wrong.json()["error"]
    pdf = client.post(
        "/api/v1/imports/certification",
        files={"file": ("x.pdf", b"%PDF", "application/pdf")},
        headers=h,
    )
    assert pdf.status_code == 422 and "CSV" in pdf.json()["error"]
    header_only = client.post(
        "/api/v1/imports/certification",
        files={
            "file": (
                "h.csv",
                "统一社会信用代码,认证类型,证书编号,认证机构,发证日期,有效期至,证书状态\n".encode(
                    "utf-8-sig"
                ),
                "text/csv",
            )
        },
        headers=h,
    )
    assert header_only.status_code == 201
    assert header_only.json()["total_rows"] == 0 and "只有表头" in header_only.json()["message"]
    page = client.get("/imports")
    assert "失败" in page.text and "h.csv" in page.text
