"""Commands: quotes (测算/报价) — ``zhixin quote``.

Exit codes: 0 a quote was made — eligible or not (``eligible`` in the JSON; the reasons are
printed); 1 the quote could not be made: an unknown product or enterprise, a date before the LPR
table, or an invalid value (not a number, out of range, an unknown method or milestone, a date
that is not one) — the message on stderr, in Chinese; 2 a usage error: a missing or unknown
option, an option without its value, ``--collateral`` not written as 种类=评估价值.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table
from typer.core import TyperCommand

try:  # Typer ≥ 0.2x vendors Click: its parser raises these classes, not click's own
    from typer._click import core as click_core
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - an older Typer on the installed Click
    from click import core as click_core  # type: ignore[no-redef]
    from click import exceptions as click_errors  # type: ignore[no-redef]

from zhixin.cli._app import _factory, _fail, app, err, out
from zhixin.errors import ZhixinError

if TYPE_CHECKING:
    from zhixin.quotes.schemas import QuoteOut


class _ChineseUsage(TyperCommand):
    """``zhixin quote``'s usage errors in Chinese with exit code 2, instead of Click's English."""

    def parse_args(self, ctx: click_core.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click_errors.UsageError as exc:
            err.print(f"[red]用法错误：[/red]{_usage(exc)}；运行 zhixin quote --help 查看用法")
            raise typer.Exit(2) from None


def _usage(exc: click_errors.UsageError) -> str:
    if isinstance(exc, click_errors.MissingParameter) and exc.param is not None:
        return f"缺少必填选项 {' / '.join(exc.param.opts)}"
    if isinstance(exc, click_errors.NoSuchOption):
        near = f"，是否要用 {'、'.join(exc.possibilities)}？" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{near}"
    if isinstance(exc, click_errors.BadOptionUsage):
        return f"选项 {exc.option_name} 缺少取值"
    if isinstance(exc, click_errors.BadParameter) and exc.param is not None:
        return f"选项 {' / '.join(exc.param.opts)} 的取值无效"
    return "命令行参数有误"


def _collateral(items: list[str]) -> list[dict[str, str]]:
    parsed = []
    for item in items:
        kind, sep, value = item.partition("=")
        if not sep or not kind.strip() or not value.strip():
            raise _fail(f"--collateral 应写作 种类=评估价值（元），如 专利=20000000：{item}", 2)
        parsed.append({"kind": kind.strip(), "value": value.strip().replace(",", "")})
    return parsed


def _number(text: str | None, option: str) -> str | None:
    if text is None:
        return None
    cleaned = text.strip().replace(",", "")
    try:
        Decimal(cleaned)
    except InvalidOperation:
        raise _fail(f"{option} 不是数字：{text}") from None
    return cleaned


def _term(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise _fail(f"--term 应为整数个月：{text}") from None


@app.command("quote", cls=_ChineseUsage)
def quote_command(
    product: Annotated[str, typer.Option("--product", help="产品代码（zhixin products list）")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="经营主体统一社会信用代码")],
    amount: Annotated[str, typer.Option("--amount", help="申请金额（元），如 5000000")],
    term: Annotated[str, typer.Option("--term", help="期限（月），整数")],
    method: Annotated[
        str,
        typer.Option(
            "--method", help="还款方式：等额本息 / 等额本金 / 按月付息到期还本 / 随借随还"
        ),
    ],
    on: Annotated[
        str | None, typer.Option("--date", help="测算日（默认今天，北京时间），如 2025-07-01")
    ] = None,
    annual_sales: Annotated[
        str | None, typer.Option("--annual-sales", help="上年度销售收入（元）")
    ] = None,
    collateral: Annotated[
        list[str] | None,
        typer.Option(
            "--collateral", help="抵质押物：种类=评估价值（元），可重复，如 专利=20000000"
        ),
    ] = None,
    patent_valuation: Annotated[
        list[int] | None,
        typer.Option(
            "--patent-valuation",
            help="质押专利的知识产权估值 ID（以其有效价值为押品价值，调整后的价值优先），可重复",
        ),
    ] = None,
    milestone: Annotated[
        list[str] | None,
        typer.Option("--milestone", help="已达成的里程碑代码，可重复；须是该产品定义的里程碑"),
    ] = None,
    invoicing_growth: Annotated[
        str | None, typer.Option("--invoicing-growth", help="季度开票增长率（%）")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本使用）")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只测算，不保存测算记录")] = False,
) -> None:
    """测算一个产品对一家经营主体的资格、额度、利率、还款计划、年化利率与报价条款。

    以系统身份（命令行）测算并保存、记入审计日志；不符合条件时退出码仍为 0，JSON 中
    eligible 为 false 并列出原因。退出码：0 已测算；1 无法测算（产品或经营主体不存在、
    测算日早于 LPR 表、取值无效、里程碑不属于该产品）；2 用法错误。
    """
    from zhixin.kit.db import unit_of_work
    from zhixin.quotes import service
    from zhixin.quotes.schemas import QuoteIn, input_problems

    data: dict[str, Any] = {
        "product": product,
        "uscc": enterprise,
        "amount": _number(amount, "--amount"),
        "term_months": _term(term),
        "method": method,
        "date": on,
        "annual_sales": _number(annual_sales, "--annual-sales"),
        "collateral": _collateral(collateral or [])
        + [{"kind": "专利", "valuation_id": v} for v in patent_valuation or []],
        "milestones_met": milestone or [],
        "invoicing_growth": _number(invoicing_growth, "--invoicing-growth"),
    }
    try:
        body = QuoteIn.model_validate(data)
    except ValidationError as exc:
        raise _fail("参数有误：" + input_problems(exc)) from None
    try:
        with unit_of_work(_factory()) as session:
            enterprise_id = service.resolve_enterprise(session, enterprise_id=None, uscc=body.uscc)
            result = service.quote(
                session,
                actor=service.SYSTEM,
                product_code=body.product,
                enterprise_id=enterprise_id,
                request=service.request_of(body),
                store=not dry_run,
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    _print(result)


def _table(title: str, rows: list[tuple[str, str, str]]) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    t.add_column("项目")
    t.add_column("取值", justify="right")
    t.add_column("依据")
    for row in rows:
        t.add_row(*row)
    return t


def _offer_rows(q: QuoteOut) -> list[tuple[str, str, str]]:
    o = q.offer
    assert o is not None
    rows = [("利率类型", o.rate_type_label, o.repricing or "合同期内利率不变")]
    rows.append(("逾期罚息", f"{o.penalty_rate:.4f}%", o.overdue))
    rows.append(("提前还款", "", o.prepayment))
    rows.append(("其他费用", "无" if not o.fees else f"{len(o.fees)} 项", "；".join(o.fees)))
    rows.append(("报价有效期", f"{o.validity_days} 天", f"至 {o.valid_until.isoformat()}（含）"))
    return rows


def _print(q: QuoteOut) -> None:
    from zhixin.quotes.rules import yuan

    head = f"{q.product.name}（{q.product.bank_name}） · {q.enterprise.name} {q.enterprise.uscc}"
    out.print(f"[bold]{head}[/bold]")
    saved = f"测算编号 {q.id}" if q.id else "未保存（--dry-run）"
    out.print(f"测算日 {q.request.on} · {saved}")
    if q.eligible:
        out.print("[green]符合条件[/green]")
    else:
        out.print("[red]不符合条件：[/red]" + "；".join(q.reasons))
    out.print(f"可贷额度 {yuan(q.limit)} · 执行年利率 {q.rate}%")
    out.print(_table("额度核定", [(f.label, f.value, f.reason) for f in q.limit_factors]))
    out.print(_table("利率构成", [(f.label, f.value, f.reason) for f in q.rate_components]))
    if q.costs is not None:
        out.print(_table("融资成本", [(f.label, f.value, f.reason) for f in q.costs.factors]))
        out.print(f"[bold]年化利率 {q.costs.annualised_rate}%[/bold]")
    if q.offer is not None:
        out.print(_table("报价条款", _offer_rows(q)))
    for note in q.notes:
        out.print(f"[yellow]提示：[/yellow]{note}")
    out.print(f"[bold]{q.disclaimer}[/bold]")
    if q.schedule is None:
        return
    for line in q.schedule.conventions:
        out.print(f"计息规则：{line}")
    t = Table(title="还款计划", title_justify="left")
    for h in ("期数", "还款日", "天数", "期初本金", "本金", "利息", "还款额", "期末本金"):
        t.add_column(h, justify="right")
    for i in q.schedule.instalments:
        t.add_row(
            str(i.number),
            i.due.isoformat(),
            str(i.days),
            *(f"{v:,.2f}" for v in (i.opening, i.principal, i.interest, i.payment, i.closing)),
        )
    s = q.schedule
    t.add_row(
        "合计",
        "",
        "",
        "",
        *(f"{v:,.2f}" for v in (s.total_principal, s.total_interest, s.total_payment)),
        "",
    )
    out.print(t)
