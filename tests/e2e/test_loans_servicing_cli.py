"""``zhixin loans batch|import-repayments|npl`` as a scheduler or an operator runs them: a
subprocess, its exit code and its Chinese report."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.loan_book import add_drawdown, make_book
from tests.support.people import make_user
from zhixin.accounts.models import User
from zhixin.accounts.rules import Role
from zhixin.config import Settings
from zhixin.kit.db import unit_of_work
from zhixin.loans.models import LoanDrawdown
from zhixin.loans.servicing_models import LoanBatchRun, LoanRepayment

Run = Callable[..., subprocess.CompletedProcess[str]]
START = date(2025, 3, 10)


@pytest.fixture
def run(settings: Settings) -> Run:
    def zhixin(*args: str) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "ZHIXIN_DATABASE_URL": settings.database_url,
            "ZHIXIN_MODE": "development",
            "COLUMNS": "200",
        }
        return subprocess.run(
            [sys.executable, "-m", "zhixin.cli", "loans", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    return zhixin


def _loan(factory: sessionmaker[Session]) -> int:
    make_user(factory, "officer", Role.bank_officer, tenant_code="bank-a")
    with unit_of_work(factory) as s:
        user = s.scalar(select(User).where(User.username == "officer"))
        assert user is not None
        book = make_book(s, bank_id=user.tenant_id, user_id=user.id)
        return add_drawdown(
            s,
            book,
            book.contract_ids[0],
            amount=Decimal("120000.00"),
            annual_rate=Decimal("3.6"),
            value_date=START,
            instalments=[
                (START + timedelta(days=31), Decimal("60000.00"), Decimal("360.00")),
                (START + timedelta(days=61), Decimal("60000.00"), Decimal("180.00")),
            ],
        )


def test_batch_catches_up_shows_progress_and_runs_once(
    run: Run, factory: sessionmaker[Session]
) -> None:
    dd = _loan(factory)
    # the first run ever starts at the earliest value date never closed
    first = run("batch", "--date", (START + timedelta(days=1)).isoformat())
    assert first.returncode == 0, first.stderr
    assert START.isoformat() in first.stdout
    assert (START + timedelta(days=1)).isoformat() in first.stdout
    later = START + timedelta(days=4)
    second = run("batch", "--date", later.isoformat())
    assert second.returncode == 0, second.stderr
    assert "日终批处理" in second.stderr  # the progress bar
    again = run("batch", "--date", later.isoformat())
    assert again.returncode == 0 and "无需重跑" in again.stdout
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(LoanBatchRun)) == 5
        row = s.get(LoanDrawdown, dd)
        assert row is not None and row.last_accrual_date == later
        # five days of ACT/360 on 120,000 at 3.6 %: 12.00 a day
        assert row.accrued_interest == Decimal("60.00")
    bad = run("batch", "--date", "2025-02-30")
    assert bad.returncode == 2 and "不是日期" in bad.stderr


def test_import_twice_writes_once_and_reports_bad_rows_in_chinese(
    run: Run, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    dd = _loan(factory)
    assert run("batch", "--date", (START + timedelta(days=31)).isoformat()).returncode == 0
    due = (START + timedelta(days=32)).isoformat()
    csv = tmp_path / "还款.csv"
    csv.write_text(
        "交易流水号,用信编号,还款日期,还款金额\n"
        f"TX-1,{dd},{due},"
        "30000.00\n"
        f"TX-2,{dd},2025-13-01,100\n"
        f"TX-3,{dd},{due},-5\n"
        f"TX-4,99999,{due},100\n"
        f"TX-5,{dd},2025-01-01,100\n"
        f",{dd},{due},100\n",
        encoding="utf-8",
    )
    first = run("import-repayments", str(csv), "--by", "officer")
    assert first.returncode == 3, first.stderr
    assert "入账 1 笔" in first.stdout and "有误 5 行" in first.stdout
    for expected in ("日期格式应为", "金额不能为负数", "未找到该笔用信", "早于放款日", "不能为空"):
        assert expected in first.stdout, expected
    with factory() as s:
        before = s.scalar(select(func.count()).select_from(LoanRepayment))
        row = s.get(LoanDrawdown, dd)
        assert row is not None
        figures = (row.outstanding_principal, row.penalty_interest, row.overdue_principal)
    second = run("import-repayments", str(csv), "--by", "officer")
    assert second.returncode == 3
    assert "入账 0 笔" in second.stdout and "重复）1 笔" in second.stdout
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(LoanRepayment)) == before == 1
        row = s.get(LoanDrawdown, dd)
        assert row is not None
        assert (row.outstanding_principal, row.penalty_interest, row.overdue_principal) == figures
    npl = run("npl", "--by", "bank")
    assert npl.returncode == 0 and "不良率" in npl.stdout
    assert run("npl", "--by", "colour").returncode == 2


def test_renew_refuses_in_chinese_then_renews_and_show_names_the_origin(
    run: Run, factory: sessionmaker[Session]
) -> None:
    """``zhixin loans renew`` as an officer runs it: the reasons when ineligible (exit 1), the
    new contract when eligible; ``loans show`` of the new one names the contract it renews."""
    from tests.integration.test_applications import build_world
    from tests.integration.test_loans import _drawn, signed_contract

    w = build_world(factory)
    cid = signed_contract(w)  # matures 6 Feb 2026
    _drawn(w, cid, "1000000.00")
    early = run("renew", str(cid), "--by", "officer", "--on", "2025-06-01")
    assert early.returncode == 1 and "到期日须在90天内" in early.stderr, early
    done = run("renew", str(cid), "--by", "officer", "--on", "2025-12-01")
    assert done.returncode == 0, done.stderr
    assert "已续贷" in done.stdout and "1,000,000.00" in done.stdout
    new_id = done.stdout.split("（#", 1)[1].split("）", 1)[0]
    shown = run("show", new_id)
    assert shown.returncode == 0 and f"续贷自合同 #{cid}" in shown.stdout, shown
