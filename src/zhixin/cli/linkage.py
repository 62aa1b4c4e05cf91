"""``zhixin covenants``: the quarterly covenant check (贷后约定检查) and the linkage cycle for a
scheduler (``zhixin worker`` runs the cycle in its loop)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from zhixin.cli._app import _factory, _fail, app, out
from zhixin.errors import ZhixinError

covenants_app = typer.Typer(help="贷后约定与质量联动 / covenants and linkage", no_args_is_help=True)
app.add_typer(covenants_app, name="covenants")


@covenants_app.command("check")
def check(
    period: Annotated[str, typer.Option(help="期间：2026Q4（季度）、2026M03、2026H2 或 2026")],
) -> None:
    """逐笔检查生效贷款在该期间的贷后约定（按产品声明：质量用途占比、白名单、严重处罚），
    保存结果并执行违约后果（自下一计息期起加点、暂停贴息、冻结额度或通知），通知银行与企业。

    同一期间重复运行不会重复记录（已检查的合同保持原结果）。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.linkage import service

    started = time.perf_counter()
    try:
        with unit_of_work(_factory()) as session:
            done = service.check_covenants(session, period)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(
        f"{done.period}：新增检查结果 {done.results} 条，违约 {done.breaches} 条，"
        f"联动措施 {done.actions} 项（{time.perf_counter() - started:.1f} 秒）"
    )
    for covenant, met, n in done.counts:
        out.print(f"  {covenant}：{'达标' if met else '未达标'} {n}")
    for line in done.skipped:
        out.print(f"  未检查：{line}")


@covenants_app.command("cycle")
def cycle() -> None:
    """运行一轮质量联动：读取新到的质量记录与白名单移出，冻结、解锁、降息，并执行到期的利率调整。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.linkage import service

    with unit_of_work(_factory()) as session:
        done = service.run_cycle(session)
    out.print(
        f"新记录 {done.records} 条、白名单移出 {done.removals} 家：冻结 {done.freezes}，"
        f"解锁 {done.unlocks}，降息 {done.rate_cuts}，利率调整生效 {done.rates_applied}"
    )
