"""The LPR table (贷款市场报价利率): set, delete, list, show."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from zhixin.cli._app import AsJson, Format, _factory, _fail, app, emit, err, out
from zhixin.errors import ZhixinError
from zhixin.kit import clock

lpr_app = typer.Typer(help="LPR 贷款市场报价利率 / loan prime rate table", no_args_is_help=True)
app.add_typer(lpr_app, name="lpr")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"不是日期（应为 YYYY-MM-DD）：{text}", 2) from None


def _rate(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _fail(f"{option} 不是数字：{text}", 2) from None
    if not value.is_finite():
        raise _fail(f"{option} 不是数字：{text}", 2)
    return value


@lpr_app.command("set")
def lpr_set(
    day: Annotated[str, typer.Argument(help="生效日（公告日），如 2025-05-20")],
    one_year: Annotated[str, typer.Option("--one-year", help="1 年期 LPR（%），如 3.00")],
    five_year: Annotated[str, typer.Option("--five-year", help="5 年期以上 LPR（%），如 3.50")],
    note: Annotated[str, typer.Option("--note", help="说明，如公告名称")] = "",
    by: Annotated[
        str | None,
        typer.Option("--by", help="以哪位用户的名义录入（须有 LPR 维护权限）；缺省记为 cli"),
    ] = None,
) -> None:
    """录入（或替换）某一公告日的 LPR；记入审计日志。"""
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work
    from zhixin.lpr import service as lpr

    effective_on = _day(day)
    one, five = _rate(one_year, "--one-year"), _rate(five_year, "--five-year")
    try:
        with unit_of_work(_factory()) as session:
            if by is None:
                lpr.set_rate_as_operator(
                    session, effective_on=effective_on, one_year=one, five_year=five, note=note
                )
            else:
                user = accounts.user_by_username(session, by)
                if user is None:
                    raise _fail(f"未找到用户 {by}")
                lpr.set_rate(
                    session,
                    actor=accounts.principal_for(session, user, via="cli"),
                    effective_on=effective_on,
                    one_year=one,
                    five_year=five,
                    note=note,
                )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(
        f"已保存 {effective_on.isoformat()} 的 LPR：1 年期 {one}%，5 年期以上 {five}%",
        highlight=False,
        soft_wrap=True,
    )


@lpr_app.command("delete")
def lpr_delete(
    day: Annotated[str, typer.Argument(help="要删除的操作员录入的生效日")],
    by: Annotated[
        str | None, typer.Option("--by", help="以哪位用户的名义删除；缺省记为 cli")
    ] = None,
) -> None:
    """删除操作员录入的一行（随软件发布的公告数据不能删除）。"""
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work
    from zhixin.lpr import service as lpr

    effective_on = _day(day)
    try:
        with unit_of_work(_factory()) as session:
            if by is None:
                lpr.delete_rate_as_operator(session, effective_on=effective_on)
            else:
                user = accounts.user_by_username(session, by)
                if user is None:
                    raise _fail(f"未找到用户 {by}")
                actor = accounts.principal_for(session, user, via="cli")
                lpr.delete_rate(session, actor=actor, effective_on=effective_on)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已删除 {effective_on.isoformat()} 的操作员录入", highlight=False, soft_wrap=True)


@lpr_app.command("list")
def lpr_list(
    fmt: Annotated[str, Format] = "table", as_json: Annotated[bool, AsJson] = False
) -> None:
    """列出 LPR 表（最新在前），标明来源（--json / --format csv 供脚本读取）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.lpr import rules
    from zhixin.lpr import service as lpr

    with unit_of_work(_factory()) as session:
        points = lpr.history(session)
        stale = rules.is_stale(points, clock.today())
    columns = [
        ("effective_on", "生效日"),
        ("one_year", "1 年期 %"),
        ("five_year", "5 年期以上 %"),
        ("source", "来源"),
    ]
    rows = [(p.effective_on, p.one_year, p.five_year, p.source) for p in reversed(points)]
    emit(columns, rows, fmt=fmt, as_json=as_json)
    if stale:
        err.print(
            f"[yellow]LPR 表可能未更新：最新日期 {points[-1].effective_on.isoformat()} 早于最近"
            "一次公布日（每月 20 日）；请核对最新公告并用 zhixin lpr set 录入。[/yellow]"
        )


@lpr_app.command("show")
def lpr_show(
    day: Annotated[str, typer.Argument(help="日期，如 2024-03-01")],
) -> None:
    """显示某日适用的 LPR 及其来源；早于表中第一个日期时退出码为 1。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.lpr import service as lpr

    on = _day(day)
    try:
        with unit_of_work(_factory()) as session:
            found = lpr.rates_on(session, on)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(
        f"{on.isoformat()} 适用的 LPR：1 年期 {found.one_year}%，5 年期以上 {found.five_year}%"
        f"（自 {found.effective_on.isoformat()} 起；来源：{found.source}）",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if found.stale:
        err.print("LPR 表可能未更新：表中最新日期早于最近一次公布日（每月 20 日）。", markup=False)
