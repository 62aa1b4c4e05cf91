"""The working-day calendar: enter a year's official schedule, show a year, compute a deadline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zhixin.cli._app import _factory, _fail, app, err, out
from zhixin.errors import ZhixinError
from zhixin.kit import clock

calendar_app = typer.Typer(
    help="工作日历：法定节假日与调休安排 / working-day calendar", no_args_is_help=True
)
app.add_typer(calendar_app, name="calendar")


def _date(value: str, what: str) -> date:
    from zhixin.kit.dates import DateParseError, parse_date

    try:
        return parse_date(value)
    except DateParseError as exc:
        raise _fail(f"{what}不是日期（{exc}）：{value}", 2) from None


@calendar_app.command("set-year")
def set_year(
    year: Annotated[int, typer.Argument(help="年份，如 2027")],
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV/TSV/文本（每行：日期,休|班[,名称]）或 YAML 文件，UTF-8",
        ),
    ],
    by: Annotated[
        str | None,
        typer.Option("--by", help="以哪位监管人员的名义录入（用户名）；缺省记为 cli"),
    ] = None,
    note: Annotated[str, typer.Option(help="来源说明，如通知文号（缺省取 YAML 的 note）")] = "",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="替换已录入的年份时不再询问")] = False,
) -> None:
    """录入（或整体替换）某年的法定节假日与调休上班日；此后该年以录入为准。"""
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work
    from zhixin.workdays import files
    from zhixin.workdays import service as workdays

    data = file.read_bytes()
    if len(data) > files.MAX_BYTES:
        raise _fail(f"文件过大（最多 {files.MAX_BYTES // 1024} KB）")
    try:
        text = files.decode(data)
    except ValueError as exc:
        raise _fail(str(exc)) from exc
    parsed = files.parse(text, filename=file.name)
    schedule = parsed.to_schedule(year, note.strip() or parsed.note)
    try:
        with unit_of_work(_factory()) as session:
            actor = None
            if by is not None:
                user = accounts.user_by_username(session, by)
                if user is None:
                    raise _fail(f"未找到用户 {by}")
                actor = accounts.principal_for(session, user, via="cli")
                checked = workdays.check(session, actor=actor, year=year, schedule=schedule)
            else:
                checked = workdays.preview(session, year=year, schedule=schedule)
            problems = [*parsed.errors, *checked.problems]
            if problems:
                err.print(f"[red]{year} 年的工作日历有 {len(problems)} 处错误，未保存：[/red]")
                for p in problems:
                    err.print(f"  - {p}")
                raise typer.Exit(1)
            out.print(
                f"{year} 年：{checked.holidays} 个休假日，{checked.workdays} 个调休上班日"
                f"（来源：{schedule.source or workdays.DEFAULT_SOURCE}）"
            )
            for w in checked.warnings:
                err.print(f"[yellow]提示：[/yellow]{w}")
            if checked.replaces:
                out.print(
                    f"{year} 年已录入（{checked.previous_holidays} 个休假日，"
                    f"{checked.previous_workdays} 个调休上班日），将整体替换。"
                )
                if not yes and not typer.confirm("确认替换？", default=False):
                    raise _fail("已取消，未作修改")
            if actor is None:
                workdays.set_year_as_operator(session, year=year, schedule=schedule)
            else:
                workdays.set_year(session, actor=actor, year=year, schedule=schedule)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已保存 {year} 年的工作日历")


@calendar_app.command("show")
def show(year: Annotated[int, typer.Argument(help="年份，如 2026")]) -> None:
    """列出某年的休假日与调休上班日，并说明来源（运营录入 / chinese-calendar / 未录入）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.workdays import service as workdays

    with unit_of_work(_factory()) as session:
        year_out = workdays.describe_year(session, year)
    out.print(f"{year} 年来源：{year_out.origin_label}（{year_out.origin}）")
    if year_out.origin == "unknown":
        out.print(year_out.message)
        return
    out.print(f"说明：{year_out.source}")
    if year_out.entered_by and year_out.entered_at:
        at = year_out.entered_at.astimezone(clock.SHANGHAI)
        out.print(f"录入：{year_out.entered_by} {at:%Y-%m-%d %H:%M}（北京时间）")
    out.print(f"全年工作日：{year_out.working_days} 天")
    for title, days in (("休假日", year_out.holidays), ("调休上班日", year_out.workdays)):
        table = Table("日期", "星期", "名称", title=f"{title}（{len(days)} 天）")
        for d in days:
            table.add_row(d.day.isoformat(), d.weekday, d.name)
        out.print(table)
    for w in year_out.warnings:
        out.print(f"提示：{w}")


@calendar_app.command("deadline")
def deadline(
    start: Annotated[str, typer.Argument(help="起算日（当日不计），如 2026-12-28")],
    days: Annotated[int, typer.Argument(help="工作日天数", min=0)],
) -> None:
    """打印起算日之后第 N 个工作日的日期；所需年份未录入时报错（退出码 1）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.workdays import service as workdays

    day = _date(start, "起算日")
    try:
        with unit_of_work(_factory()) as session:
            result = workdays.compute_deadline(session, start=day, days=days)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    typer.echo(result.deadline.isoformat())
