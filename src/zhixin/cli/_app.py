"""The Typer application and what every command shares: the consoles, the database a command
works on, and :func:`main`, the one place where every error becomes one Chinese line and an
exit code (never a traceback: an unexpected error's details go to a log file whose path is
printed)."""

from __future__ import annotations

import re
import sys
import tempfile
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

from zhixin.config import ConfigError, Settings

try:  # Typer ≥ 0.2x vendors Click: its parser raises these classes, not click's own
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - an older Typer on the installed Click
    from click import exceptions as click_errors  # type: ignore[no-redef]

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# The exit codes, as `zhixin --help` states them (README and the commands' help agree).
EXIT_CODES = (
    "退出码 / exit codes：0 成功；1 失败或被拒绝（原因以中文写在标准错误）；"
    "2 用法错误（缺少或未知的选项、取值无效）；3 导入完成但有行被拒绝（import、models data，"
    "见其报告）；4 需要告警（applications list --overdue 有逾期申请，models psi 有稳定性告警）；"
    "130 被 Ctrl+C 中断。"
)

app = typer.Typer(
    help="质信 zhixin — 质量融资增信平台\n\n" + EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,  # main() turns every error into one Chinese line
)

# Piped or redirected output is never cut to 80 columns: rich tables get all the width they
# need (a terminal keeps its own width).
_PIPED_WIDTH = 10_000


def _console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return Console(stderr=stderr) if tty else Console(stderr=stderr, width=_PIPED_WIDTH)


out = _console(stderr=False)
err = _console(stderr=True)
if out.width == _PIPED_WIDTH:  # Typer's help, piped: 120 columns rather than a cut 80
    import typer.rich_utils

    if getattr(typer.rich_utils, "MAX_WIDTH", 0) is None:
        typer.rich_utils.MAX_WIDTH = 120

CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_INITIALISED = "数据库尚未初始化，请先运行 zhixin db upgrade"
NOT_CURRENT = "数据库结构不是最新版本，请先运行 zhixin db upgrade"
# A missing optional dependency → the install command that brings it
EXTRAS = {
    "psycopg": "postgres",
    "pymysql": "mysql",
    "pyspark": "spark",
    "optbinning": "risk",
}


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]错误：[/red]{escape(message)}", highlight=False)
    return typer.Exit(code)


def need_extra(module: str) -> None:
    """Refuse (exit 1) when an optional dependency is not installed, naming the extra."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise _fail(f"需要 {module}：请安装 pip install -e '.[{EXTRAS.get(module, module)}]'")


def _settings() -> Settings:
    """The environment's settings, read now: a command is one process (or one CliRunner call
    with its own environment), so it never reuses another's cached settings."""
    return Settings()


def _engine(settings: Settings | None = None) -> Engine:
    """The configured database, refused with :data:`NOT_INITIALISED` when it has no tables."""
    from zhixin.kit.db import make_engine

    engine = make_engine((settings or _settings()).database_url)
    require_schema(engine)
    return engine


def require_schema(engine: Engine) -> None:
    from zhixin.kit.migrate import current

    if current(engine) is None:
        engine.dispose()
        raise _fail(NOT_INITIALISED)


def _factory(settings: Settings | None = None):  # type: ignore[no-untyped-def]
    import zhixin.models  # noqa: F401 - every table known before the first query
    from zhixin.audit import keys as audit_keys
    from zhixin.kit.db import make_sessionmaker

    settings = settings or _settings()
    audit_keys.configure(audit_keys.AuditKeys.from_settings(settings))
    return make_sessionmaker(_engine(settings))


# -- errors --------------------------------------------------------------------------------


_BAD_VALUE = (
    ("does not exist", "：文件不存在"),
    ("is a directory", "：是目录，不是文件"),
    ("is not readable", "：文件不可读"),
    ("is not a valid integer", "：不是整数"),
    ("valid integer", "：不是整数"),
    ("is not a valid float", "：不是数字"),
    ("valid number", "：不是数字"),
    ("valid date", "：不是日期"),
    ("greater than", "：超出允许范围"),
    ("less than", "：超出允许范围"),
    ("is not one of", "：不在可选值之中"),
    ("range", "：超出允许范围"),
)


def _usage(exc: click_errors.UsageError) -> str:
    """Click's usage errors in Chinese."""
    param = getattr(exc, "param", None)
    name = " / ".join(param.opts) if param is not None and param.opts else ""
    if param is not None and getattr(param, "param_type_name", "") == "argument":
        name = (param.metavar or param.name or "").upper()
    if isinstance(exc, click_errors.MissingParameter):
        return f"缺少必填参数 {name}" if name else "缺少必填参数"
    if isinstance(exc, click_errors.NoSuchOption):
        near = f"，是否要用 {'、'.join(exc.possibilities)}？" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{near}"
    if isinstance(exc, click_errors.BadOptionUsage):
        return f"选项 {exc.option_name} 缺少取值"
    if isinstance(exc, click_errors.BadParameter):
        text = exc.message
        why = next((zh for en, zh in _BAD_VALUE if en in text), "")
        if CJK.search(text):  # our own callbacks' messages are Chinese already
            why = f"：{text}"
        return f"参数 {name} 的取值无效{why}" if name else f"参数取值无效{why}"
    if "No such command" in exc.message:
        return f"没有命令 {exc.message.split(' ', 3)[-1].strip().rstrip('.')}"
    if "Got unexpected extra argument" in exc.message:
        return "多余的参数：" + exc.message.split("(", 1)[-1].rstrip(")")
    return "命令行参数有误"


def _command_path(exc: click_errors.ClickException) -> str:
    ctx = getattr(exc, "ctx", None)
    return ctx.command_path if ctx is not None else "zhixin"


def _log_unexpected(exc: BaseException) -> str:
    """Write the traceback to a new log file (owner-only) and return its path."""
    from zhixin.kit import clock

    stamp = clock.utcnow().strftime("%Y%m%d-%H%M%S")
    try:
        fd, path = tempfile.mkstemp(prefix=f"zhixin-error-{stamp}-", suffix=".log")
        with open(fd, "w", encoding="utf-8") as f:
            f.write(f"zhixin {' '.join(sys.argv[1:])}\n")
            f.write("".join(traceback.format_exception(exc)))
    except OSError:
        return "（无法写入日志文件）"
    return path


def _database_problem() -> str | None:
    """After a database error: is the database reachable, initialised and current?"""
    from sqlalchemy.exc import SQLAlchemyError

    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import alembic_config, current

    try:
        engine = make_engine(_settings().database_url)
        try:
            revision = current(engine)
        finally:
            engine.dispose()
    except (SQLAlchemyError, OSError):
        return "无法连接数据库：请检查 ZHIXIN_DATABASE_URL 与数据库服务"
    except Exception:  # a second failure reports no better than the first
        return None
    if revision is None:
        return NOT_INITIALISED
    from alembic.script import ScriptDirectory

    if revision not in ScriptDirectory.from_config(alembic_config()).get_heads():
        return NOT_CURRENT
    return None


_FILE_ERRORS: tuple[tuple[type[OSError], str], ...] = (
    (FileNotFoundError, "找不到文件或目录"),
    (PermissionError, "没有权限读写"),
    (IsADirectoryError, "是目录，不是文件"),
    (NotADirectoryError, "不是目录"),
)


def run(args: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code; every failure is one Chinese line."""
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError

    from zhixin.errors import ZhixinError

    try:
        rv: Any = app(args=args, prog_name="zhixin", standalone_mode=False)
        if rv == 130:  # Click's answer to Ctrl+C
            err.print("已中断")
        return rv if isinstance(rv, int) else 0
    except click_errors.UsageError as exc:
        if type(exc).__name__ != "NoArgsIsHelpError":  # that one has printed the help
            try:
                message = _usage(exc)
            except Exception:  # a translation that fails still gives a Chinese line
                message = "命令行参数有误"
            where = _command_path(exc)
            err.print(
                f"[red]用法错误：[/red]{escape(message)}；运行 {where} --help 查看用法",
                highlight=False,
            )
        return 2
    except typer.Abort:
        err.print("已取消")
        return 1
    except click_errors.ClickException as exc:
        err.print(f"[red]错误：[/red]{escape(exc.format_message())}", markup=True, highlight=False)
        return exc.exit_code
    except ConfigError as exc:
        err.print(f"[red]配置错误：[/red]{escape(str(exc))}", highlight=False)
        return 1
    except ValidationError as exc:
        if exc.title != Settings.__name__:
            return _unexpected(exc)
        names = "、".join(
            "ZHIXIN_" + "_".join(str(part) for part in e["loc"]).upper() for e in exc.errors()
        )
        err.print(f"[red]配置错误：[/red]环境变量 {names} 的取值无效", highlight=False)
        return 1
    except ZhixinError as exc:
        err.print(f"[red]错误：[/red]{escape(exc.message)}", highlight=False)
        return 1
    except ModuleNotFoundError as exc:
        root = (exc.name or "").split(".")[0]
        if root in EXTRAS:
            hint = f"需要 {root}：请安装 pip install -e '.[{EXTRAS[root]}]'"
            err.print(f"[red]错误：[/red]{escape(hint)}", highlight=False)
            return 1
        return _unexpected(exc)
    except (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError) as exc:
        what = next(w for t, w in _FILE_ERRORS if isinstance(exc, t))
        err.print(f"[red]错误：[/red]{what}：{escape(str(exc.filename))}", highlight=False)
        return 1
    except DBAPIError as exc:
        problem = _database_problem()
        if problem is not None:
            err.print(f"[red]错误：[/red]{escape(problem)}", highlight=False)
            return 1
        return _unexpected(exc)
    except Exception as exc:  # the one place that catches everything
        return _unexpected(exc)


def _unexpected(exc: BaseException) -> int:
    path = _log_unexpected(exc)
    err.print(
        f"[red]错误：[/red]命令意外失败（{type(exc).__name__}），未完成；"
        f"详细信息已记入 {escape(path)}（报告问题时请附上该文件）",
        highlight=False,
    )
    return 1


def main() -> None:
    raise SystemExit(run())


# -- listings: a table on a terminal, JSON or CSV for scripts ---------------------------------

FORMAT_HELP = "输出格式：table（表格）、json 或 csv（供脚本读取，列名为英文键）"
FORMATS = ("table", "json", "csv")


def _check_format(value: str) -> str:
    if value.lower() not in FORMATS:
        raise typer.BadParameter("只能是 table、json 或 csv")
    return value.lower()


Format = typer.Option("--format", help=FORMAT_HELP, callback=_check_format)
AsJson = typer.Option("--json", help="输出 JSON（同 --format json）")


def emit(
    columns: Sequence[tuple[str, str]],
    rows: Sequence[Sequence[Any]],
    *,
    fmt: str = "table",
    as_json: bool = False,
    title: str | None = None,
) -> None:
    """Print ``rows`` as a table (headers: the Chinese labels of ``columns``), or as JSON (a
    list of objects keyed by the columns' keys) or CSV (a header line of the keys). Values go
    out as they are (numbers stay numbers in JSON; Decimals as strings, dates ISO)."""
    import json
    from datetime import date, datetime
    from decimal import Decimal

    fmt = "json" if as_json else fmt.lower()
    if fmt not in ("table", "json", "csv"):
        raise _fail("--format 只能是 table、json 或 csv", 2)
    keys = [k for k, _ in columns]

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value

    if fmt == "json":
        body = [{k: plain(v) for k, v in zip(keys, row, strict=True)} for row in rows]
        sys.stdout.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
        return
    if fmt == "csv":  # formula-injection safe, as every export (kit.sheets)
        from zhixin.kit import sheets

        sheets.write_csv_rows(
            sys.stdout, [keys, *(["" if v is None else plain(v) for v in row] for row in rows)]
        )
        return
    from rich.table import Table

    table = Table(*(label for _, label in columns), title=title)
    for row in rows:
        table.add_row(*("—" if v is None else str(plain(v)) for v in row))
    out.print(table)
