"""The loan book through HTTP: the API's whole way (drawdown → maker-checker → disbursement →
payee → voucher upload → payment), bad input answered in Chinese writing nothing, tenancy,
the pages and the XLSX export, and the CLI."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import build_world
from tests.integration.test_loans import PDF, signed_contract
from tests.support.web import login
from zhixin.audit.models import AuditEvent
from zhixin.config import Mode, Settings
from zhixin.kit.db import unit_of_work
from zhixin.loans.models import LoanDrawdown, LoanPayment, LoanVoucher

MAX = 64 * 1024


@pytest.fixture
def settings(engine, tmp_path: Path) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        mode=Mode.test,
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-" + "x" * 32,
        voucher_dir=tmp_path / "vouchers",
        voucher_max_bytes=MAX,
    )


def _as(app: FastAPI, username: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(app)
    client.__enter__()
    return client, {"X-CSRF-Token": login(client, username)}


def _counts(factory: sessionmaker[Session]) -> tuple[int, ...]:
    with unit_of_work(factory) as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (LoanDrawdown, LoanVoucher, LoanPayment, AuditEvent)
        )


def test_the_api_whole_way_and_bad_input_in_chinese_writing_nothing(
    app: FastAPI, factory: sessionmaker[Session], settings: Settings
) -> None:
    w = build_world(factory)
    cid = signed_contract(w, on=None)
    owner, oh = _as(app, "owner-a")
    officer, fh = _as(app, "officer")
    approver, ah = _as(app, "approver")

    line = owner.get(f"/api/v1/loans/contracts/{cid}/line").json()
    assert line["available"] == "3000000.00" and line["locked"] == "2000000.00"

    # above availability: Chinese, nothing written
    before = _counts(factory)
    r = owner.post(
        f"/api/v1/loans/contracts/{cid}/drawdowns", json={"amount": "3000000.01"}, headers=oh
    )
    assert r.status_code == 422 and "超过可用额度 300.00 万元" not in r.text
    assert "用信金额 3,000,000.01 元超过可用额度 3,000,000.00 元" in r.json()["error"]
    assert _counts(factory) == before

    r = owner.post(
        f"/api/v1/loans/contracts/{cid}/drawdowns", json={"amount": "800000.00"}, headers=oh
    )
    assert r.status_code == 201, r.text
    did = r.json()["id"]
    assert r.json()["status_label"] == "待审批"
    # the officer may not approve, the approver may
    assert officer.post(f"/api/v1/loans/drawdowns/{did}/approve", headers=fh).status_code == 403
    r = approver.post(f"/api/v1/loans/drawdowns/{did}/approve", headers=ah)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = officer.post(f"/api/v1/loans/drawdowns/{did}/disburse", headers=fh)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "disbursed" and len(d["schedule"]) == 12
    assert d["annual_rate"] is not None and d["lpr_rate"] is not None
    from decimal import Decimal

    assert Decimal(d["annual_rate"]) == Decimal(d["lpr_rate"]) + Decimal("1.9")
    assert sum(Decimal(i["principal"]) for i in d["schedule"]) == Decimal("800000.00")

    payee = owner.post(
        f"/api/v1/loans/contracts/{cid}/payees",
        json={
            "name": "厦门市产品质量监督检验院",
            "bank_account": "6222021000009876",
            "kind": "lab",
        },
        headers=oh,
    ).json()
    assert payee["bank_account"] == "**** **** 9876" and payee["status"] == "proposed"

    def upload(name: str, data: bytes, number: str, amount: str = "300000.00") -> object:
        return owner.post(
            f"/api/v1/loans/contracts/{cid}/vouchers",
            data={"document_number": number, "invoice_amount": amount},
            files={"file": (name, data, "application/pdf")},
            headers=oh,
        )

    before = _counts(factory)
    # a voucher that is not a document (an executable named .pdf), and one too large
    bad = upload("invoice.pdf", b"MZ\x90\x00\x03 this is a program", "FP-9")
    assert bad.status_code == 422 and "PDF、OFD、JPG 或 PNG" in bad.json()["error"]  # type: ignore[attr-defined]
    big = upload("scan.pdf", b"%PDF-" + b"0" * MAX, "FP-10")
    assert big.status_code == 413 and "凭证文件超过" in big.json()["error"]  # type: ignore[attr-defined]
    assert _counts(factory) == before
    assert not (settings.voucher_dir).exists() or not any(settings.voucher_dir.rglob("*.*"))

    v = upload("检测合同.pdf", PDF, "JC-2025-031")
    assert v.status_code == 201, v.text  # type: ignore[attr-defined]
    voucher = v.json()  # type: ignore[attr-defined]
    assert voucher["media_type"] == "application/pdf" and voucher["remaining"] == "300000.00"
    stored = list(settings.voucher_dir.rglob("*.pdf"))
    assert [p.name for p in stored] == [f"{voucher['file_sha256']}.pdf"]

    pay = {
        "amount": "120000.00",
        "purpose": "testing",
        "payee_id": payee["id"],
        "voucher_id": voucher["id"],
    }
    before = _counts(factory)
    # to a payee not yet approved, to an unknown payee: refused, nothing written
    r = owner.post(f"/api/v1/loans/drawdowns/{did}/payments", json=pay, headers=oh)
    assert r.status_code == 422 and "尚未经银行核准" in r.json()["error"]
    r = owner.post(
        f"/api/v1/loans/drawdowns/{did}/payments", json=pay | {"payee_id": 987654}, headers=oh
    )
    assert r.status_code == 422 and "未找到该收款人" in r.json()["error"]
    assert _counts(factory) == before
    ok = approver.post(f"/api/v1/loans/payees/{payee['id']}/approve", headers=ah)
    assert ok.status_code == 200
    r = owner.post(f"/api/v1/loans/drawdowns/{did}/payments", json=pay, headers=oh)
    assert r.status_code == 201, r.text
    r = owner.post(
        f"/api/v1/loans/drawdowns/{did}/payments", json=pay | {"amount": "180000.01"}, headers=oh
    )
    assert r.status_code == 422 and "超过凭证尚可支付的 180,000.00 元" in r.json()["error"]

    # the voucher's file, to those who see the loan only
    f = owner.get(f"/api/v1/loans/vouchers/{voucher['id']}/file")
    assert f.status_code == 200 and f.content == PDF
    assert f.headers["content-type"] == "application/pdf"
    icbc, _ = _as(app, "icbc-officer")
    assert icbc.get(f"/api/v1/loans/vouchers/{voucher['id']}/file").status_code == 404
    assert icbc.get(f"/api/v1/loans/contracts/{cid}").status_code == 404
    assert icbc.get("/api/v1/loans/contracts").json() == []
    other, _ = _as(app, "owner-b")
    assert other.get(f"/api/v1/loans/contracts/{cid}").status_code == 404

    full = officer.get(f"/api/v1/loans/contracts/{cid}").json()
    assert full["line"]["outstanding"] == "800000.00"
    assert [p["amount"] for p in full["drawdowns"][0]["payments"]] == ["120000.00"]
    assert full["vouchers"][0]["remaining"] == "180000.00"

    # pages: the portfolio, its export, one loan, the enterprise's own
    page = officer.get("/loans")
    assert page.status_code == 200 and "厦门鹭芯科技有限公司" in page.text
    # the product by its name, never its code (the code stays a filter's value only)
    assert "<td>鹭质贷</td>" in page.text and "<td>luzhidai</td>" not in page.text
    xlsx = officer.get("/loans/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "合同编号" and rows[1][1] == "厦门鹭芯科技有限公司"
    assert rows[1][5] == 800000
    loan = owner.get(f"/loans/{cid}")
    assert loan.status_code == 200 and "<td>鹭质贷（产品版本" in loan.text
    assert "JC-2025-031" in loan.text and "**** **** 9876" in loan.text
    assert "6222021000009876" not in loan.text
    mine = owner.get("/loans")
    assert "我的贷款" in mine.text and "应还" in mine.text
    row = owner.get("/api/v1/loans/contracts").json()[0]
    assert row["next_due"] == d["schedule"][0]["due_date"]
    assert row["next_payment"] == d["schedule"][0]["payment"]


def test_the_cli_lists_and_shows_loans(factory: sessionmaker[Session], settings: Settings) -> None:
    w = build_world(factory)
    cid = signed_contract(w, on=None)
    env = os.environ | {
        "ZHIXIN_DATABASE_URL": settings.database_url,
        "ZHIXIN_MODE": "development",
        "COLUMNS": "240",
    }
    done = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "loans", "list"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "厦门鹭芯科技有限公司" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "loans", "show", str(cid)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "可用额度" in done.stdout and "300.00 万元" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "zhixin.cli", "loans", "show", "999999"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert missing.returncode == 1 and "未找到" in missing.stderr
