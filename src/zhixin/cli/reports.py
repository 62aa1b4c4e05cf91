"""Commands: the task force's reports — 日晾晒 (daily), 周例会 (weekly), 月调度 (monthly) — as
XLSX, and as JSON or a table on the console."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table as RichTable

from zhixin.cli._app import AsJson, _factory, _fail, app, out
from zhixin.errors import ZhixinError

report_app = typer.Typer(
    help="融资协调报表 / reports: daily, weekly, monthly", no_args_is_help=True
)
app.add_typer(report_app, name="report")

XlsxOpt = typer.Option("--xlsx", help="写入 XLSX 文件（默认当前目录 zhixin-report-….xlsx）")
BankOpt = typer.Option("--bank", help="只看一家银行（机构代码，如 bank-xmrcb）")
RegionOpt = typer.Option("--region", help="只看一个区域（行政区划代码前缀，如 3502）")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _run(
    kind: str, key: str, xlsx: Path | None, bank: str | None, region: str | None, as_json: bool
) -> None:
    from zhixin.kit.db import unit_of_work
    from zhixin.reports import export, rules, service

    try:
        period = rules.period_of(kind, key)
        with unit_of_work(_factory()) as session:
            scope = service.operator_scope(session, bank=bank, region=region)
            report = service.build(session, period, scope)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    target = xlsx or Path(export.filename(report))
    export.workbook(report).save(target)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "period": {
                        "kind": kind,
                        "key": period.key,
                        "start": period.start.isoformat(),
                        "end": period.end.isoformat(),
                    },
                    "scope": scope.label,
                    "xlsx": str(target),
                    "sections": [
                        {
                            "key": t.key,
                            "title": t.title,
                            "columns": [c.label for c in t.columns],
                            "rows": [[_plain(v) for v in r] for r in t.rows],
                        }
                        for t in report.tables
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    out.print(f"{period.title}（{scope.label}）")
    for t in report.tables:
        table = RichTable(title=t.title, title_justify="left")
        for c in t.columns:
            table.add_column(c.label, justify="left" if c.kind == "text" else "right")
        for r in t.rows:
            table.add_row(*["—" if v is None else str(_plain(v)) for v in r])
        out.print(table)
    out.print(f"已写入 {target}")


@report_app.command("daily")
def report_daily(
    day: Annotated[str, typer.Option("--date", help="哪一天，如 2026-12-07")],
    xlsx: Annotated[Path | None, XlsxOpt] = None,
    bank: Annotated[str | None, BankOpt] = None,
    region: Annotated[str | None, RegionOpt] = None,
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """日晾晒：一天的各银行办理情况、排名、白名单、转化、贷款、不良与会诊。"""
    _run("daily", day, xlsx, bank, region, as_json)


@report_app.command("weekly")
def report_weekly(
    week: Annotated[str, typer.Option("--week", help="ISO 周，如 2026-W49")],
    xlsx: Annotated[Path | None, XlsxOpt] = None,
    bank: Annotated[str | None, BankOpt] = None,
    region: Annotated[str | None, RegionOpt] = None,
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """周例会：一周（周一至周日）的同一组数字。"""
    _run("weekly", week, xlsx, bank, region, as_json)


@report_app.command("monthly")
def report_monthly(
    month: Annotated[str, typer.Option("--month", help="月份，如 2026-11")],
    xlsx: Annotated[Path | None, XlsxOpt] = None,
    bank: Annotated[str | None, BankOpt] = None,
    region: Annotated[str | None, RegionOpt] = None,
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """月调度：一个自然月的同一组数字。"""
    _run("monthly", month, xlsx, bank, region, as_json)


@report_app.command("deliver")
def report_deliver(
    day: Annotated[
        str | None, typer.Option("--date", help="哪一天的日报（默认：按推送时间已到期的前一天）")
    ] = None,
) -> None:
    """生成并推送日晾晒：专班一份（全部），每家银行一份（本行）；已推送的不重复生成。

    zhixin worker 每天 ZHIXIN_REPORT_DAILY_AT（北京时间）之后自动执行；
    本命令供手动补发或定时任务。"""
    from zhixin.cli._app import _settings
    from zhixin.kit.db import unit_of_work
    from zhixin.reports import delivery, rules

    settings = _settings()
    try:
        with unit_of_work(_factory(settings)) as session:
            if day:
                when = rules.daily(day).start
                made = delivery.deliver_daily(session, when)
            else:
                found, made = delivery.deliver_due(session, at=settings.report_daily_at)
                if found is None:
                    out.print(f"今天的推送时间（{settings.report_daily_at}）未到，未生成")
                    return
                when = found
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"{when} 的日晾晒：新推送 {made} 份" + ("" if made else "（均已推送过）"))


def refresh_facts(
    factory: Any, start: date | None, end: date, *, show: bool = True
) -> tuple[date | None, int]:
    """Recompute the daily facts from ``start`` (None: the first day with any) to ``end``, a
    month a unit of work, with progress on stderr, then the whitelist's pre-aggregated
    conversion (``reports.listed``: the firms with a day in the range; every firm when
    ``start`` is None); (first day, daily facts' rows written)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from zhixin.cli._app import err
    from zhixin.kit.db import unit_of_work
    from zhixin.reports import daily, listed

    whole = start is None  # every day: the whitelist's conversion recomputed whole too
    if start is None:
        with factory() as session:
            start = daily.first_day(session)
    if start is None or start > end:
        return start, 0
    written = 0
    with Progress(
        TextColumn("[bold]报表日汇总 {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} 天"),
        TimeElapsedColumn(),
        console=err,
        disable=not show,
    ) as progress:
        task = progress.add_task(start.isoformat(), total=(end - start).days + 1)
        first = start
        while first <= end:
            last = min(end, first + timedelta(days=30))
            progress.update(task, description=f"{first.isoformat()} 至 {last.isoformat()}")
            with unit_of_work(factory) as session:
                written += daily.refresh(session, first, last)
            progress.advance(task, (last - first).days + 1)
            first = last + timedelta(days=1)
    with unit_of_work(factory) as session:  # the listed firms with a day in the range
        listed.refresh(session, start, end, whole=whole)
    return start, written


@report_app.command("refresh")
def report_refresh(
    start: Annotated[
        str | None, typer.Option("--from", help="从哪一天起，如 2026-11-01（默认：最早一天）")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="到哪一天（默认：今天）")] = None,
) -> None:
    """重算报表的日汇总（report_fact）：补录或更正了过去日期的申请、用信后运行。

    zhixin worker 每轮重算昨天和今天；日终批处理（zhixin loans batch）之后重算全部日期
    （余额与五级分类在批处理中变化）。报表与数据看板显示“数据截至”时间。"""
    from zhixin.kit import clock

    try:
        first = date.fromisoformat(start) if start else None
        last = date.fromisoformat(end) if end else clock.today()
    except ValueError:
        raise _fail("日期格式应为 2026-12-07") from None
    if first is not None and first > last:
        raise _fail("开始日期不能晚于结束日期")
    found, written = refresh_facts(_factory(), first, last)
    if found is None or found > last:
        out.print("没有申请或用信记录，无需重算")
        return
    out.print(f"已重算 {found.isoformat()} 至 {last.isoformat()} 的日汇总：{written} 行")
