"""``zhixin visits import FILE`` and ``zhixin visits list --json`` as an operator runs them: an
XLSX sheet in the teams' layout (序号/备注 ignored, amounts in 元 with 万), the row report with
exit code 3, the same file again unchanged, the list as JSON, the follow-up escalation."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.support.cli import invoke
from tests.support.loan_book import placeholder_row
from zhixin.config import Settings
from zhixin.kit.db import unit_of_work
from zhixin.kit.sheets import Book
from zhixin.visits import service

E1, E2 = "91350206MA2Y00010B", "91350206MA2Y00020C"


@pytest.fixture
def env(settings: Settings, factory: sessionmaker[Session]) -> dict[str, str]:
    with unit_of_work(factory) as session:
        placeholder_row(session, "tenant", kind="bank", code="bank-a", name="甲银行")
        for uscc, name in ((E1, "甲公司"), (E2, "乙公司")):
            placeholder_row(session, "enterprise", uscc=uscc, name=name, region_code="350206")
        service.create_campaign(
            session,
            actor=None,
            name="十一月走访",
            start_on=date(2026, 11, 1),
            end_on=date(2026, 11, 30),
            region_code="350206",
        )
    return {"ZHIXIN_DATABASE_URL": settings.database_url, "ZHIXIN_MODE": "development"}


def _sheet(path: Path) -> Path:
    book = Book()
    sheet = book.sheet("走访")
    sheet.append(["序号", "统一社会信用代码", "走访日期", "融资需求金额（元）", "对接银行", "备注"])
    sheet.append([1, E1, "2026-11-03", "80万", "甲银行", "上门"])
    sheet.append([2, E2, "2026-11-04", "", "", "暂无"])
    sheet.append([3, E2, "2026-11-31", "", "", ""])
    book.save(path)
    return path


def test_import_list_and_escalate(env: dict[str, str], tmp_path: Path) -> None:
    path = _sheet(tmp_path / "走访.xlsx")
    first = invoke(["visits", "import", str(path)], env)
    assert first.exit_code == 3, first.output
    assert "共 3 行：新增 2，更新 0，未变 0，有误 1 行" in first.output
    assert "第 4 行 走访日期：" in first.output
    again = invoke(["visits", "import", str(path)], env)
    assert "新增 0，更新 0，未变 2，有误 1 行" in again.output
    listed = invoke(["visits", "list", "--json"], env)
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.stdout)
    assert [(v["enterprise"], v["visited_on"], v["amount_wanted"]) for v in body] == [
        ("乙公司", "2026-11-04", None),
        ("甲公司", "2026-11-03", "800000.00"),
    ]
    # 5 working days from Tue 2026-11-03: Tue 11-10
    assert body[1]["bank_code"] == "bank-a" and body[1]["follow_up_due_on"] == "2026-11-10"
    assert body[1]["outcome"] == "open"
    late = invoke(["visits", "escalate", "--on", "2026-11-11"], env)
    assert late.exit_code == 0 and "移交 1 条走访" in late.output
    none = invoke(["visits", "escalate", "--on", "2026-11-12"], env)
    assert "移交 0 条走访" in none.output
