"""Every command of ``zhixin``, found by walking the Typer application: its ``--help``, and a run
on a database without tables. No traceback ever; every message Chinese; a command that needs the
database says "数据库尚未初始化，请先运行 zhixin db upgrade" (exit 1). Run in-process through
:func:`zhixin.cli._app.run` (main's body), so the whole walk takes seconds, not a subprocess each.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from zhixin.cli import app
from zhixin.cli._app import NOT_INITIALISED, run
from zhixin.config import get_settings

CJK = re.compile(r"[\u4e00-\u9fff]")


def _commands() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        subs = getattr(command, "commands", None)
        if subs is None:
            found.append(path)
            return
        for name, sub in subs.items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(app), ())
    return sorted(found)


COMMANDS = _commands()

# The arguments a command needs to get as far as the database; {tmp} is a scratch folder.
ARGS: dict[tuple[str, ...], list[str]] = {
    ("import",): ["enterprise", "{tmp}/e.csv"],
    ("template",): ["enterprise", "--format", "csv", "--out", "{tmp}/t.csv"],
    ("synth",): ["--enterprises", "20", "--out", "{tmp}/synth"],
    ("evaluate",): ["--catalog", "xiamen", "--as-of", "2025-06-30"],
    ("quote",): [
        *("--product", "luzhidai", "--enterprise", "91350200MA2XXXXX0A"),
        *("--amount", "5000000", "--term", "12", "--method", "等额本息"),
    ],
    ("worker",): ["--once"],
    ("compensation", "review"): ["1", "--by", "fin"],
    ("compensation", "approve"): ["1", "--by", "fin"],
    ("compensation", "pay"): ["1", "--by", "fin"],
    ("compensation", "reconcile"): ["--fund", "XMFC", "--quarter", "2026Q4"],
    ("subsidies", "compute"): ["--quarter", "2026Q4"],
    ("evidence", "propose-key"): ["ab" * 32, "--by", "bank"],
    ("evidence", "approve-key"): ["1", "--by", "bank"],
    ("evidence", "reject-key"): ["1", "--by", "bank", "--reason", "r"],
    ("subsidies", "approve"): ["1", "--by", "fin"],
    ("subsidies", "pay"): ["1", "--by", "fin", "--reference", "CZ-1"],
    ("applications", "show"): ["1"],
    ("users", "create"): ["wang", "--tenant", "amr", "--role", "regulator", "--password-env", "P"],
    ("users", "set-region"): ["--tenant", "amr", "--region", "35"],
    ("users", "unlock"): ["wang", "--by", "sec", "--password-env", "P"],
    ("tokens", "create"): [
        *("--user", "sys", "--name", "甲银行", "--scope", "enterprise:read"),
        *("--by", "sec", "--password-env", "P"),
    ],
    ("tokens", "revoke"): ["1"],
    ("audit", "checkpoint"): ["--out", "{tmp}/cp"],
    ("audit", "generate-key"): ["--out", "{tmp}/k.pem"],
    ("audit", "archive"): ["--before", "2020-01-01", "--out", "{tmp}/ar", "--yes"],
    ("audit", "reseal"): ["--reason", "核对", "--yes"],
    ("audit", "verify-archive"): ["{tmp}/e.csv"],
    ("export", "records"): ["--parquet", "{tmp}/ex"],
    ("catalog", "show"): ["xiamen"],
    ("catalog", "validate"): ["xiamen"],
    ("evaluation", "export"): ["1", "--xlsx", "{tmp}/r.xlsx"],
    ("lpr", "set"): ["2025-06-20", "--one-year", "3.00", "--five-year", "3.50"],
    ("lpr", "delete"): ["2025-06-20"],
    ("lpr", "show"): ["2024-03-01"],
    ("models", "train"): ["--spec", "enterprise", "--synthetic", "50", "--by", "wang"],
    ("models", "register"): ["zjtx-edai", "--by", "wang"],
    ("models", "promote"): ["enterprise", "1", "--by", "wang"],
    ("models", "psi"): ["enterprise", "1", "--by", "wang", "--synthetic", "50"],
    ("models", "list"): ["--by", "wang"],
    ("models", "show"): ["enterprise", "1", "--by", "wang"],
    ("models", "data"): ["financials", "{tmp}/e.csv", "--source", "测试", "--by", "wang"],
    ("products", "show"): ["luzhidai"],
    ("products", "validate"): ["luzhidai"],
    ("whitelist", "refresh"): ["--catalog", "xiamen", "--as-of", "2025-06-30", "--by", "wang"],
    ("calendar", "set-year"): ["2027", "{tmp}/2027.txt", "--yes"],
    ("calendar", "show"): ["2026"],
    ("calendar", "deadline"): ["2026-12-29", "5"],
    ("loans", "renew"): ["1", "--by", "wang", "--on", "2026-01-05"],
    ("loans", "show"): ["1"],
    ("covenants", "check"): ["--period", "2026Q4"],
    ("loans", "import-repayments"): ["{tmp}/e.csv", "--by", "wang"],
    ("demand", "import-ledger"): ["{tmp}/e.csv", "--by", "wang"],
    ("preapprove",): ["--product", "luzhidai"],
    ("report", "daily"): ["--date", "2026-12-07", "--xlsx", "{tmp}/d.xlsx"],
    ("report", "weekly"): ["--week", "2026-W49", "--xlsx", "{tmp}/w.xlsx"],
    ("report", "monthly"): ["--month", "2026-11", "--xlsx", "{tmp}/m.xlsx"],
    ("report", "deliver"): ["--date", "2026-12-06"],
    ("report", "refresh"): ["--from", "2026-11-01", "--to", "2026-11-30"],
    ("visits", "import"): ["{tmp}/e.csv", "--campaign", "1"],
    ("visits", "escalate"): ["--on", "2026-12-07"],
    ("evidence", "proof"): ["0", "--out", "{tmp}/proof.json"],
    ("evidence", "check-proof"): ["{tmp}/e.csv"],
    ("evidence", "consistency"): ["1", "2", "--out", "{tmp}/c.json"],
    ("evidence", "check-consistency"): ["{tmp}/e.csv"],
}
# Commands that never touch the database (they answer without one, exit 0).
NO_DATABASE = {
    ("template",),
    ("synth",),
    ("audit", "generate-key"),
    ("audit", "verify-archive"),  # a file; the verdict (exit 1) is about the file
    ("catalog", "list"),
    ("catalog", "show"),
    ("catalog", "validate"),
    ("products", "list"),
    ("products", "show"),
    ("products", "validate"),
    ("products", "schema"),
    ("db", "current"),
    ("evidence", "check-proof"),  # a proof file checked offline (the verdict is about the file)
    ("evidence", "check-consistency"),  # likewise, a consistency file
}
# Not run on the empty database, with why.
NOT_RUN = {
    ("serve",): "starts a server (tests/e2e/test_serve_workers.py checks how)",
    ("demo",): "creates and loads a database (tests/integration/test_demo_database_url.py)",
    ("db", "upgrade"): "initialises the database (every CLI test's fixture runs it)",
    ("models", "evaluate"): "trains on German credit for seconds, without a database",
}


@pytest.fixture
def empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """ZHIXIN_DATABASE_URL at a SQLite file without tables, development mode."""
    (tmp_path / "e.csv").write_text("统一社会信用代码,名称\n", encoding="utf-8")
    (tmp_path / "2027.txt").write_text("2027-01-01,休,元旦\n", encoding="utf-8")
    monkeypatch.setenv("ZHIXIN_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.setenv("ZHIXIN_MODE", "development")
    monkeypatch.setenv("P", "Cli-Password-123")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_walk_finds_every_command() -> None:
    assert len(COMMANDS) > 40
    for known in (("import",), ("db", "upgrade"), ("lpr", "list"), ("models", "data")):
        assert known in COMMANDS
    stale = (set(ARGS) | NO_DATABASE | set(NOT_RUN)) - set(COMMANDS)
    assert not stale, f"commands that no longer exist: {stale}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, *path, "--help")
    assert code == 0, err
    assert "Traceback" not in out + err
    assert CJK.search(out), f"zhixin {' '.join(path)} --help has no Chinese"


def test_top_help_states_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "--help")
    flat = re.sub(r"[\s│]+", "", out)
    for code in ("0成功", "1失败", "2用法错误", "3导入完成但有行被拒绝", "4需要告警"):
        assert code in flat


def test_import_and_template_help(capsys: pytest.CaptureFixture[str]) -> None:
    from zhixin.intake.specs import import_kinds

    _, out, _ = _run(capsys, "import", "--help")
    flat = re.sub(r"[\s│]+", "", out)
    assert "退出码" in flat and "3" in flat
    _, out, _ = _run(capsys, "template", "--help")
    flat = re.sub(r"[\s│]+", "", out)
    for kind, _label in import_kinds():
        assert kind in flat


@pytest.mark.parametrize("path", [p for p in COMMANDS if p not in NOT_RUN], ids=" ".join)
def test_on_an_empty_database(
    path: tuple[str, ...], empty_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [a.replace("{tmp}", str(empty_database)) for a in ARGS.get(path, [])]
    code, out, err = _run(capsys, *path, *args)
    assert "Traceback" not in out + err
    assert CJK.search(out + err), (path, out, err)
    if path in NO_DATABASE:
        assert NOT_INITIALISED not in err
        assert code in (0, 1), (code, err)
    else:
        assert (code, err.strip()) == (1, f"错误：{NOT_INITIALISED}"), (code, out, err)


def test_usage_errors_are_chinese(empty_database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["lpr", "list", "--bogus"], "没有选项 --bogus"),
        (["catalog", "show"], "缺少必填参数 NAME"),
        (["import", "enterprise", str(empty_database / "absent.csv")], "文件不存在"),
        (["calendar", "deadline", "2026-01-01", "x"], "不是整数"),
        (["nosuch"], "没有命令"),
        (["lpr", "list", "--format", "xml"], "参数 --format 的取值无效：只能是 table、json 或 csv"),
        (
            [
                *("users", "create", "u", "--tenant", "t", "--role", "regulator"),
                *("--tenant-kind", "bogus", "--tenant-name", "某", "--password-env", "P"),
            ],
            "未知的机构类型 bogus",
        ),
        (["evaluate", "--catalog", "xiamen", "--as-of", "2025-06-30", "--engine", "x"], "duckdb"),
    ]
    for args, message in cases:
        code, out, err = _run(capsys, *args)
        assert code == 2, (args, code, err)
        assert message in err, (args, err)
        assert "Traceback" not in out + err and "Usage" not in err


def test_demo_into_a_server_that_is_not_there(
    empty_database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://demo:secret@127.0.0.1:1/zhixin_demo"
    code, out, err = _run(capsys, "demo", "--database-url", url, "--no-serve")
    assert code == 1 and "Traceback" not in out + err
    assert err.startswith("错误：无法连接演示数据库 postgresql+psycopg://demo:***@127.0.0.1:1/")
    assert "secret" not in err


def test_spark_without_pyspark_names_the_extra(
    empty_database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    code, _, err = _run(
        capsys, "evaluate", "--catalog", "xiamen", "--as-of", "2025-06-30", "--engine", "spark"
    )
    assert code == 1
    assert "请安装 pip install -e '.[spark]'" in err


def test_an_unexpected_error_is_one_chinese_line_and_a_log_file(
    empty_database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from zhixin.catalog import service as catalogs

    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(catalogs, "list_catalogs", broken)
    code, out, err = _run(capsys, "catalog", "list")
    assert code == 1
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：命令意外失败（RuntimeError）")
    path = Path(re.search(r"详细信息已记入 (\S+?\.log)", lines[0]).group(1))  # type: ignore[union-attr]
    logged = path.read_text(encoding="utf-8")
    assert "Traceback" in logged and "disk on fire" in logged
    assert path.stat().st_mode & 0o077 == 0  # the details are the owner's alone
    path.unlink()


def test_a_production_setting_missing_is_a_chinese_line(
    empty_database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIXIN_MODE", "production")
    get_settings.cache_clear()
    code, out, err = _run(capsys, "lpr", "list")
    assert code == 1
    assert err.startswith("配置错误：未配置审计日志密钥") and "Traceback" not in out + err


def test_a_setting_that_is_not_valid_is_named(
    empty_database: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHIXIN_REQUEST_THREADS", "many")
    get_settings.cache_clear()
    code, out, err = _run(capsys, "lpr", "list")
    assert code == 1 and "Traceback" not in out + err
    assert err.strip() == "配置错误：环境变量 ZHIXIN_REQUEST_THREADS 的取值无效"


# -- listings for scripts ------------------------------------------------------------------


@pytest.fixture
def migrated(empty_database: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run(["db", "upgrade"]) == 0
    capsys.readouterr()
    return empty_database


@pytest.mark.parametrize(
    "args",
    [
        ["catalog", "list"],
        ["products", "list"],
        ["lpr", "list"],
        ["tokens", "list"],
        ["applications", "list"],
    ],
    ids=" ".join,
)
def test_list_commands_give_json_and_csv(
    args: list[str], migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(capsys, *args, "--json")
    assert code == 0
    rows = json.loads(out)
    assert isinstance(rows, list)
    code, out_csv, _ = _run(capsys, *args, "--format", "csv")
    assert code == 0
    parsed = list(csv.DictReader(io.StringIO(out_csv)))
    assert len(parsed) == len(rows)
    if rows:
        assert list(parsed[0]) == list(rows[0])


def test_json_listings_carry_the_values(migrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(capsys, "lpr", "list", "--json")
    rows = json.loads(out)
    first_reform = next(r for r in rows if r["effective_on"] == "2019-08-20")
    assert (first_reform["one_year"], first_reform["five_year"]) == ("4.2500", "4.8500")
    _, out, _ = _run(capsys, "catalog", "list", "--json")
    xiamen = next(r for r in json.loads(out) if r["name"] == "xiamen")
    assert xiamen["dimensions"] == 5 and len(xiamen["sha256"]) == 64
    _, out, _ = _run(capsys, "products", "list", "--json")
    codes = {r["code"] for r in json.loads(out)}
    assert {"luzhidai", "yongzhidai"} <= codes


def test_piped_tables_are_not_cut(migrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Output that is not a terminal gets every column in full (no '…', no 80-column wrap)."""
    _, out, _ = _run(capsys, "lpr", "list")
    line = next(ln for ln in out.splitlines() if "2019-08-20" in ln)
    assert "全国银行间同业拆借中心" in line and "…" not in out
    assert max(len(ln) for ln in out.splitlines()) > 80


def test_import_prints_its_summary_once_and_exits_3(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["template", "certification", "--format", "csv", "--out", f"{migrated}/c.csv"]) == 0
    capsys.readouterr()
    with (migrated / "c.csv").open("a", encoding="utf-8") as f:
        f.write("\n91350200MA0000000X,ISO9001,abc,机构,2024-01-01,2027-01-01,有效\n")
    code, out, err = _run(capsys, "import", "certification", f"{migrated}/c.csv")
    assert code == 3, err
    summaries = [ln for ln in out.splitlines() if "共 1 行" in ln]
    assert summaries == ["批次 1：共 1 行：新增 0，更正 0，重复 0，拒绝 1"]
    assert "统一社会信用代码校验位错误" in out
