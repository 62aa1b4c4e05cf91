"""贷后 commands: the nightly batch, renewal candidates, importing repayments, the NPL ratio.

They hang on the book's ``zhixin loans`` group (``zhixin.loans.cli.app``, registered by
``cli/loans.py``) beside its list and show.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zhixin.cli._app import _factory, _fail, err, out
from zhixin.errors import ZhixinError
from zhixin.kit import clock
from zhixin.loans.cli import app as loans_app  # the book's ``zhixin loans`` group


def _day(text: str | None) -> date:
    if text is None:
        return clock.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"不是日期（应为 YYYY-MM-DD）：{text}", 2) from None


@loans_app.command("batch")
def batch_command(
    day: Annotated[
        str | None,
        typer.Option("--date", help="营业日 YYYY-MM-DD（缺省为今天）；补跑此前未跑的日期"),
    ] = None,
    technical_delay_days: Annotated[
        int,
        typer.Option("--technical-delay-days", min=0, max=30, help="技术性逾期天数（不计关注）"),
    ] = 7,
) -> None:
    """日终批处理：计提利息、逾期、罚息/复利、逾期天数、五级分类、续贷候选；已跑过的日期不重复。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.loans import batch

    through = _day(day)
    factory = _factory()
    with factory() as session:
        days = batch.days_to_run(session, through)
    if not days:
        out.print(f"{through.isoformat()} 的日终批处理已完成，无需重跑")
        return
    results = []
    with Progress(
        TextColumn("[bold]日终批处理 {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} 步"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task(days[0].isoformat(), total=len(days) * batch.STEPS)
        for d in days:
            progress.update(task, description=d.isoformat())
            try:
                with unit_of_work(factory) as session:
                    results.append(
                        batch.close_day(
                            session,
                            d,
                            technical_delay_days=technical_delay_days,
                            step=lambda _: progress.advance(task),
                        )
                    )
            except ZhixinError as exc:
                raise _fail(exc.message) from exc
    table = Table("营业日", "计提笔数", "逾期笔数", "分类变化", "90 天内到期合同")
    for r in results:
        if r.skipped:
            table.add_row(r.day.isoformat(), "已跑过", "", "", "")
        else:
            table.add_row(
                r.day.isoformat(),
                f"{r.drawdowns:,}",
                f"{r.overdue:,}",
                f"{r.reclassified:,}",
                f"{r.renewal_candidates:,}",
            )
    out.print(table)
    # balances and classes changed: the reports' daily facts, every day, again
    from zhixin.cli.reports import refresh_facts
    from zhixin.kit import clock

    found, written = refresh_facts(factory, None, max(through, clock.today()))
    if found is not None:
        out.print(f"报表日汇总已重算（{found.isoformat()} 起，{written} 行）")


@loans_app.command("renewals")
def renewals_command(
    within: Annotated[int, typer.Option("--within", help="到期天数：30、60 或 90")] = 90,
    day: Annotated[str | None, typer.Option("--date", help="以哪天为准（缺省今天）")] = None,
) -> None:
    """列出 30/60/90 天内到期的贷款合同及无还本续贷条件是否满足。"""
    if within not in (30, 60, 90):
        raise _fail("--within 须为 30、60 或 90", 2)
    from zhixin.loans import servicing

    today = _day(day)
    try:
        with _factory()() as session:
            found = servicing.renewal_candidates(session, today=today, within=within)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    table = Table("合同号", "企业", "到期日", "窗口", "可续贷", "原因", title=f"{within} 天内到期")
    for c in found:
        table.add_row(
            c.contract_no,
            str(c.enterprise_id),
            c.maturity.isoformat(),
            f"{c.window} 天",
            "是" if c.eligible else "否",
            "；".join(c.reasons),
        )
    out.print(table)
    out.print(f"共 {len(found)} 份合同，可续贷 {sum(c.eligible for c in found)} 份")


@loans_app.command("import-repayments")
def import_repayments_command(
    file: Annotated[Path, typer.Argument(help="核心系统导出的还款文件（CSV 或 XLSX）")],
    by: Annotated[str, typer.Option("--by", help="以哪位银行用户的名义入账（须有贷后管理权限）")],
) -> None:
    """导入还款（列：交易流水号、用信编号、还款日期、还款金额）；同一流水号不重复入账。"""
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work
    from zhixin.loans import servicing

    if not file.is_file():
        raise _fail(f"找不到文件：{file}", 2)
    try:
        with unit_of_work(_factory()) as session:
            user = accounts.user_by_username(session, by)
            if user is None:
                raise _fail(f"未找到用户 {by}")
            actor = accounts.principal_for(session, user, via="cli")
            report = servicing.import_repayments(
                session, actor=actor, path=file, filename=file.name
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(
        f"入账 {report.entered} 笔，已入账过（重复）{report.duplicates} 笔，"
        f"有误 {len(report.errors)} 行"
    )
    if report.errors:
        table = Table("行号", "字段", "原因", title="有误的行（前 50 条）")
        for line, field, reason in report.errors[:50]:
            table.add_row(str(line), field, reason)
        out.print(table)
        raise typer.Exit(3)


@loans_app.command("renew")
def renew_command(
    contract_id: Annotated[int, typer.Argument(help="到期续贷的合同编号（id）")],
    by: Annotated[str, typer.Option("--by", help="以哪位银行用户的名义办理（须有贷后管理权限）")],
    on: Annotated[str | None, typer.Option("--on", help="续贷日 YYYY-MM-DD（默认今天）")] = None,
) -> None:
    """无还本续贷：符合条件的合同续签新合同，未还本金转入新合同（不发生资金往来）。"""
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work
    from zhixin.linkage import renewals

    day = _day(on)
    try:
        with unit_of_work(_factory()) as session:
            user = accounts.user_by_username(session, by)
            if user is None:
                raise _fail(f"未找到用户 {by}")
            actor = accounts.principal_for(session, user, via="cli")
            new = renewals.renew(session, actor=actor, contract_id=contract_id, today=day)
            no, nid, limit = new.contract_no, new.id, new.principal_limit
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已续贷：新合同 {no}（#{nid}），转入本金 {limit:,.2f} 元")


@loans_app.command("npl")
def npl_command(
    by: Annotated[str, typer.Option("--by", help="bank / product / region")] = "bank",
) -> None:
    """不良贷款率（次级 + 可疑 + 损失 的本金余额 ÷ 全部本金余额），按银行、产品或地区。"""
    from zhixin.loans import servicing

    try:
        with _factory()() as session:
            rows = servicing.npl_by(session, by)
    except ZhixinError as exc:
        raise _fail(exc.message, 2) from exc
    table = Table(
        {"bank": "银行", "product": "产品", "region": "地区"}.get(by, by),
        "贷款余额",
        "不良余额",
        "不良率",
    )
    for r in rows:
        ratio = "—" if r.ratio is None else f"{r.ratio * 100:.2f}%"
        table.add_row(r.key, f"{r.balance:,.2f}", f"{r.non_performing:,.2f}", ratio)
    out.print(table)
