"""``zhixin report daily|weekly|monthly`` as the task force runs them: the XLSX holds the
report's figures (the seeded world's hand-worked numbers), the console's JSON the same, and a
malformed period is refused in Chinese with exit 1."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.support.cli import invoke
from tests.support.report_book import TODAY, build
from zhixin.config import Settings
from zhixin.kit import clock


@pytest.fixture
def env(
    settings: Settings, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    with factory() as session:
        build(session)
        session.commit()
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return {"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"}


def test_monthly_xlsx_and_json(env: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    result = invoke(
        ["report", "monthly", "--month", "2026-11", "--xlsx", str(target), "--json"], env
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    banks = next(s for s in body["sections"] if s["key"] == "banks")
    assert banks["rows"][0] == ["甲银行", 5, 3, 3, 1, "1700000.00", "3.5", 1]
    book = load_workbook(target)
    assert book.sheetnames[0] == "说明"
    sheet = book["各银行办理情况"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["银行", "收到申请（笔）", "受理（笔）"]
    assert rows[1][:5] == ["甲银行", 5, 3, 3, 1]
    assert Decimal(str(rows[1][5])) == Decimal("1700000")
    assert rows[3][0] == "合计" and rows[3][1] == 8
    assert rows[-1][0].startswith("口径：")
    npl = [list(r) for r in book["不良贷款率"].iter_rows(values_only=True)]
    assert npl[2][0] == "平台全部贷款" and Decimal(str(npl[2][4])) == Decimal("31.03")


def test_one_bank_and_the_table(env: dict[str, str], tmp_path: Path) -> None:
    result = invoke(
        [
            "report",
            "weekly",
            "--week",
            "2026-W47",
            "--bank",
            "bank-b",
            "--xlsx",
            str(tmp_path / "w.xlsx"),
        ],
        env,
    )
    assert result.exit_code == 0, result.output
    assert "周例会" in result.stdout and "乙银行" in result.stdout and "甲银行" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["weekly", "--week", "2026-49"], "周的格式"),
        (["monthly", "--month", "2026-13"], "没有这个月份"),
        (["daily", "--date", "12/07"], "日期格式"),
        (["daily", "--date", "2026-12-07", "--bank", "bank-x"], "没有代码为 bank-x 的银行"),
    ],
)
def test_refusals(env: dict[str, str], tmp_path: Path, args: list[str], message: str) -> None:
    result = invoke(["report", *args, "--xlsx", str(tmp_path / "x.xlsx")], env)
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "x.xlsx").exists()
