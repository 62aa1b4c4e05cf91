"""``zhixin visits``: 千企万户大走访 — a team's visit sheet, the visits, the follow-up clock."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from zhixin.cli._app import AsJson, Format, _factory, _fail, app, emit, out

visits_app = typer.Typer(help="千企万户大走访 / visits and matching", no_args_is_help=True)
app.add_typer(visits_app, name="visits")

CampaignOpt = typer.Option("--campaign", help="走访活动编号（缺省：最近开始的一次）")


def _campaign_id(session, given: int | None) -> int:  # type: ignore[no-untyped-def]
    from zhixin.visits import service

    if given is not None:
        return given
    found = service.campaigns(session, actor=None)
    if not found:
        raise _fail("尚无走访活动，请先在页面上创建（或运行 zhixin demo）")
    return found[0].id


@visits_app.command("import")
def import_visits(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV 或 XLSX")
    ],
    campaign: Annotated[int | None, CampaignOpt] = None,
) -> None:
    """导入走访小组的走访记录表；有误的行逐行报告（行号、列、原因），退出码 3；可重复导入。"""
    from zhixin.errors import ZhixinError
    from zhixin.kit.db import unit_of_work
    from zhixin.visits import service

    try:
        with unit_of_work(_factory()) as session:
            cid = _campaign_id(session, campaign)
            batch = service.import_file(
                session, actor=None, campaign_id=cid, path=file, file_name=file.name
            )
            counts = (batch.rows, batch.created, batch.updated, batch.unchanged, batch.rejected)
            errors = list(batch.errors)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    rows, created, updated, unchanged, rejected = counts
    out.print(f"共 {rows} 行：新增 {created}，更新 {updated}，未变 {unchanged}，有误 {rejected} 行")
    for e in errors:
        out.print(f"  第 {e['line']} 行 {e['field']}：{e['reason']}")
    if rejected:
        raise typer.Exit(3)


@visits_app.command("list")
def list_visits(
    campaign: Annotated[int | None, typer.Option("--campaign", help="走访活动编号")] = None,
    bank: Annotated[str | None, typer.Option("--bank", help="对接银行代码")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列跟进超期的")] = False,
    fmt: Annotated[str, Format] = "table",
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """走访记录（最近在前）：企业、日期、需求与金额、对接银行、跟进时限与结果。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.visits import reading, service

    with unit_of_work(_factory()) as session:
        found = service.listing(
            session, actor=None, campaign_id=campaign, bank=bank, overdue=overdue
        )
        # the 社区 column is the place the team recorded (blank when none), not the
        # enterprise's district the API falls back to
        rows = reading.visit_outs(session, [(r, r.place_code) for r in found])
    columns = [
        ("id", "编号"),
        ("campaign", "活动"),
        ("team", "小组"),
        ("enterprise", "企业"),
        ("visited_on", "走访日期"),
        ("place", "社区"),
        ("amount_wanted", "融资需求（元）"),
        ("bank_code", "对接银行"),
        ("follow_up_due_on", "跟进时限"),
        ("outcome", "跟进结果"),
        ("overdue", "超期"),
        ("need_id", "融资需求编号"),
    ]
    emit(
        columns,
        [
            [
                r.id,
                r.campaign,
                r.team,
                r.enterprise,
                r.visited_on,
                r.area,
                r.amount_wanted,
                r.bank_code,
                r.follow_up_due_on,
                r.outcome if (as_json or fmt != "table") else r.outcome_label,
                r.overdue,
                r.need_id,
            ]
            for r in rows
        ],
        fmt=fmt,
        as_json=as_json,
        title="走访记录",
    )


@visits_app.command("escalate")
def escalate(
    on: Annotated[
        str | None, typer.Option("--on", help="按哪一天检查（缺省今天，北京时间）")
    ] = None,
) -> None:
    """检查跟进时限（每日运行）：超过跟进时限仍无结果的走访移交融资协调专班。"""
    from zhixin.kit.dates import DateParseError, parse_date
    from zhixin.kit.db import unit_of_work
    from zhixin.visits import service

    day: date | None = None
    if on is not None:
        try:
            day = parse_date(on)
        except DateParseError as exc:
            raise _fail(f"--on 不是日期（{exc}）：{on}", 2) from None
    with unit_of_work(_factory()) as session:
        done = [
            (v.id, v.bank_code, v.follow_up_due_on)
            for v in service.escalate_due(session, today=day)
        ]
    for vid, bank, due in done:
        out.print(f"走访 {vid}（{bank or '未分配银行'}，时限 {due}）：已移交融资协调专班")
    out.print(f"移交 {len(done)} 条走访")
