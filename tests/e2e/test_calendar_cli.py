"""``zhixin calendar`` run as an operator or a scheduler runs it: a subprocess and its exit code.

The commands run against the test session's database, so what the CLI stores is what the
services read (SQLite: the services' SQL on every server is tested in tests/integration).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.config import Settings
from zhixin.kit.db import unit_of_work
from zhixin.workdays import service as workdays

UNKNOWN_2027 = (
    "2027 年的法定节假日与调休安排尚未录入（chinese-calendar 仅覆盖至 2026 年），"
    "请在「工作日历」页面或用 zhixin calendar set-year 录入"
)
# TEST schedules (not official). 2027: Fri 1 Jan and Mon 4 Jan off, Sat 9 Jan worked.
LINES_2027 = "日期,类型,名称\n2027-01-01,休,元旦\n2027-01-04,休,元旦\n2027-01-09,班,元旦\n"
YAML_2027 = (
    "note: 测试通知 2\n"
    "holidays:\n"
    "  春节: ['2027-02-08..2027-02-10']\n"
    "workdays:\n"
    "  春节: [2027-02-13]\n"
)


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(settings: Settings) -> Run:
    url = settings.database_url

    def zhixin(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "ZHIXIN_DATABASE_URL": url,
            "ZHIXIN_MODE": "development",
            "COLUMNS": "200",  # rich wraps long lines at 80 columns without a terminal
        }
        return subprocess.run(
            [sys.executable, "-m", "zhixin.cli", "calendar", *args],
            capture_output=True,
            text=True,
            env=env,
            input=stdin,
            timeout=120,
            check=False,
        )

    return zhixin


@pytest.fixture
def regulator(factory: sessionmaker[Session]) -> str:
    make_user(factory, "reg", Role.regulator)
    make_user(factory, "bank", Role.bank_officer)
    return "reg"


def _flat(text: str) -> str:
    return "".join(text.split())


def test_deadline_prints_the_date_and_names_an_unknown_year(run: Run, regulator: str) -> None:
    spring = run("deadline", "2025-01-27", "5")  # 5, 6, 7, Sat 8, Mon 10 Feb
    assert (spring.returncode, spring.stdout) == (0, "2025-02-10\n"), spring.stderr
    national = run("deadline", "2025-09-30", "3")  # 9, 10, Sat 11 Oct
    assert national.stdout == "2025-10-11\n"
    assert run("deadline", "2026-12-29", "2").stdout == "2026-12-31\n"
    unknown = run("deadline", "2026-12-29", "3")
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert _flat(UNKNOWN_2027) in _flat(unknown.stderr)
    assert run("deadline", "tomorrow", "3").returncode == 2


def test_set_year_then_show_then_replace(
    run: Run, regulator: str, tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    shown = run("show", "2027")
    assert shown.returncode == 0 and "2027 年来源：未录入（unknown）" in shown.stdout
    lines = tmp_path / "2027.csv"
    lines.write_bytes(LINES_2027.encode("utf-8-sig"))  # with a BOM, as Excel saves it
    done = run("set-year", "2027", str(lines), "--by", regulator, "--note", "测试通知 1")
    assert done.returncode == 0, done.stderr
    assert "2027 年：2 个休假日，1 个调休上班日（来源：测试通知 1）" in done.stdout
    assert "已保存 2027 年的工作日历" in done.stdout
    # Tue 29 Dec 2026 + 7: 30, 31 Dec, 5, 6, 7, 8 Jan and the make-up Saturday 9 Jan.
    assert run("deadline", "2026-12-29", "7").stdout == "2027-01-09\n"
    shown = run("show", "2027")
    assert "2027 年来源：运营人员录入（operator）" in shown.stdout
    assert "说明：测试通知 1" in shown.stdout and "全年工作日：260 天" in shown.stdout
    assert "录入：reg " in shown.stdout and "（北京时间）" in shown.stdout
    assert "2027-01-09" in shown.stdout and "星期六" in shown.stdout

    # Replacing asks first; answering no changes nothing.
    yaml_file = tmp_path / "2027.yaml"
    yaml_file.write_text(YAML_2027, encoding="utf-8")
    declined = run("set-year", "2027", str(yaml_file), "--by", regulator, stdin="n\n")
    assert declined.returncode == 1
    assert "2027 年已录入（2 个休假日，1 个调休上班日），将整体替换" in declined.stdout
    assert "已取消" in declined.stderr
    assert run("deadline", "2026-12-29", "7").stdout == "2027-01-09\n"
    replaced = run("set-year", "2027", str(yaml_file), "--by", regulator, "--yes")
    assert replaced.returncode == 0, replaced.stderr
    assert "2027 年：3 个休假日，1 个调休上班日（来源：测试通知 2）" in replaced.stdout
    # Now 1 and 4 Jan are ordinary working days: 30, 31 Dec, then Fri 1 Jan is the 3rd; the
    # 5th is Tue 5 Jan (no make-up Saturday any more, so + 7 is Thu 7 Jan, not Sat 9 Jan).
    assert run("deadline", "2026-12-29", "3").stdout == "2027-01-01\n"
    assert run("deadline", "2026-12-29", "7").stdout == "2027-01-07\n"
    with unit_of_work(factory) as s:
        out = workdays.describe_year(s, 2027)
        assert [d.day.isoformat() for d in out.holidays] == [
            "2027-02-08",
            "2027-02-09",
            "2027-02-10",
        ]
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "calendar.set_year")
            .order_by(AuditEvent.seq)
        ).all()
        assert [(e.actor, e.detail["replaced"], e.detail["holidays"]) for e in events] == [
            ("reg", False, 2),
            ("reg", True, 3),
        ]


def test_set_year_exactly_as_the_issue_names_it_records_the_cli_actor(
    run: Run, regulator: str, tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    """``zhixin calendar set-year 2027 FILE``: no --by, as ``zhixin lpr set``; audited as cli."""
    lines = tmp_path / "2027.csv"
    lines.write_text(LINES_2027, encoding="utf-8")
    done = run("set-year", "2027", str(lines))
    assert done.returncode == 0, done.stderr
    assert "已保存 2027 年的工作日历" in done.stdout
    assert run("deadline", "2026-12-29", "7").stdout == "2027-01-09\n"
    assert "录入：cli（命令行）" in run("show", "2027").stdout
    again = run("set-year", "2027", str(lines), stdin="n\n")  # replacing still asks
    assert again.returncode == 1 and "将整体替换" in again.stdout
    with unit_of_work(factory) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.set_year")).all()
        assert [(e.actor, e.detail["holidays"]) for e in events] == [("cli", 2)]
        assert workdays.describe_year(s, 2027).entered_by == "cli（命令行）"


def test_set_year_lists_every_error_and_stores_nothing(
    run: Run, regulator: str, tmp_path: Path, factory: sessionmaker[Session]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "2027-01-01,休\n2027-02-30,休\n2027-02-10,班\n2026-12-31,休\n2027-02-13,调班\n",
        encoding="utf-8",
    )
    done = run("set-year", "2027", str(bad), "--by", regulator, "--yes")
    assert done.returncode == 1
    err = _flat(done.stderr)
    assert _flat("2027 年的工作日历有 4 处错误，未保存") in err
    for problem in (
        "第 2 行：日期不存在：2027-02-30",
        "第 5 行：类型「调班」无法识别，应为「休」或「班」",
        "2026-12-31 不属于 2027 年",
        "2027-02-10 是星期三，本来就上班；调休上班日（班）只能是星期六或星期日",
    ):
        assert _flat(problem) in err
    not_a_regulator = run("set-year", "2027", str(bad), "--by", "bank")
    assert not_a_regulator.returncode == 1
    lines = tmp_path / "ok.csv"
    lines.write_text(LINES_2027, encoding="utf-8")
    refused = run("set-year", "2027", str(lines), "--by", "bank")
    assert refused.returncode == 1 and "只有监管人员可以录入工作日历" in _flat(refused.stderr)
    nobody = run("set-year", "2027", str(lines), "--by", "nobody")
    assert nobody.returncode == 1 and "未找到用户 nobody" in nobody.stderr
    with unit_of_work(factory) as s:
        assert workdays.describe_year(s, 2027).origin == "unknown"


def test_a_year_the_package_knows_is_shown_and_can_be_overridden_with_a_warning(
    run: Run, regulator: str, tmp_path: Path
) -> None:
    shown = run("show", "2025")
    assert "2025 年来源：chinese-calendar 内置（chinese-calendar）" in shown.stdout
    assert "全年工作日：248 天" in shown.stdout and "2025-01-26" in shown.stdout
    only = tmp_path / "2025.txt"
    only.write_text("2025-01-01 休 元旦\n", encoding="utf-8")
    done = run("set-year", "2025", str(only), "--by", regulator)
    assert done.returncode == 0, done.stderr
    assert _flat("与本次录入有 22 天不同") in _flat(done.stderr)
    # Spring Festival no longer applies: Mon 27 Jan + 5 → 28, 29, 30, 31 Jan, Mon 3 Feb.
    assert run("deadline", "2025-01-27", "5").stdout == "2025-02-03\n"
