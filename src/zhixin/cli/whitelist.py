"""The whitelist: refresh (re-evaluate what changed and draft the delta)."""

from __future__ import annotations

from typing import Annotated

import typer

from zhixin.cli._app import _factory, _fail, app, out
from zhixin.errors import ZhixinError

whitelist_app = typer.Typer(help="质量信誉白名单 / whitelist", no_args_is_help=True)
app.add_typer(whitelist_app, name="whitelist")


@whitelist_app.command("refresh")
def whitelist_refresh(
    catalog: Annotated[
        str,
        typer.Option(help="指标目录名称：刷新该目录的现行版本，只重新评价该目录评价过的经营主体"),
    ],
    as_of: Annotated[str, typer.Option("--as-of", help="评价基准日，如 2025-06-30")],
    by: Annotated[str, typer.Option("--by", help="以哪位监管人员的名义起草（用户名）")],
    urgent: Annotated[
        bool, typer.Option("--urgent", help="只因否决项移出时立即发布一个紧急小版本")
    ] = False,
    note: Annotated[str, typer.Option(help="说明")] = "",
) -> None:
    """重新评价自上一版以来有新记录（或记录被更正、删除）的经营主体，起草增量版本。"""
    from datetime import date

    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work
    from zhixin.whitelist import service as whitelist

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise _fail(f"--as-of 不是日期：{as_of}", 2) from None
    try:
        with unit_of_work(_factory()) as session:
            user = accounts.user_by_username(session, by)
            if user is None:
                raise _fail(f"未找到用户 {by}")
            actor = accounts.principal_for(session, user)
            outcome = whitelist.refresh(
                session, actor=actor, catalog_name=catalog, as_of=day, urgent=urgent, note=note
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    pub = outcome.publication
    out.print(outcome.message)
    if pub is not None:
        label = f"第 {pub.version} 版" if pub.version else f"草稿 #{pub.id}"
        out.print(
            f"{label}：{pub.enterprises:,} 家，{pub.entries:,} 家次（评价批次 #{pub.run_id}）"
        )
