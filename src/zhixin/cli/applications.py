"""Commands: loan applications for operators — the queue by deadline, one application, the
queue as XLSX."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from zhixin.cli._app import AsJson, Format, _factory, _fail, app, emit, out
from zhixin.errors import ZhixinError

applications_app = typer.Typer(help="贷款申请 / loan applications", no_args_is_help=True)
app.add_typer(applications_app, name="applications")


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _fail(f"--on 不是日期：{text}", 2) from None


@applications_app.command("list")
def applications_list(
    overdue: Annotated[
        bool, typer.Option("--overdue", help="只列出已超过快速通道时限的在办申请")
    ] = False,
    bank: Annotated[str | None, typer.Option(help="银行机构代码，如 bank-xmrcb")] = None,
    state: Annotated[
        list[str] | None, typer.Option(help="按状态筛选，可重复：submitted、accepted …")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", help="按哪一天计算剩余工作日（默认今天）")
    ] = None,
    xlsx: Annotated[Path | None, typer.Option(help="同时导出为 XLSX 文件")] = None,
    fmt: Annotated[str, Format] = "table",
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """按办结时限排列的申请队列：逾期在前，其后按剩余工作日由少到多。

    加 --overdue 时只列逾期申请，且有逾期则退出码为 4（便于调度系统告警）。"""
    from zhixin.applications import export, reading
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            q = reading.operator_queue(
                session, bank_code=bank, on=_day(on), states=state, overdue_only=overdue
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if as_json or fmt != "table":
        columns = [
            ("id", "编号"),
            ("enterprise", "企业"),
            ("uscc", "统一社会信用代码"),
            ("product", "产品"),
            ("bank", "银行"),
            ("amount", "金额（元）"),
            ("state", "状态代码"),
            ("state_label", "状态"),
            ("submitted_on", "提交日"),
            ("deadline", "时限"),
            ("workdays_left", "剩余工作日"),
            ("overdue", "已逾期"),
        ]
        emit(
            columns,
            [
                (
                    a.id,
                    a.enterprise_name,
                    a.uscc,
                    a.product_name,
                    a.bank_name,
                    a.amount,
                    a.state,
                    a.state_label,
                    a.submitted_on,
                    a.deadline or a.deadline_note,
                    a.workdays_left,
                    a.overdue,
                )
                for a in q.items
            ],
            fmt=fmt,
            as_json=as_json,
        )
    else:
        table = Table(
            "编号", "企业", "产品", "银行", "金额（元）", "状态", "提交日", "时限", "剩余工作日"
        )
        for a in q.items:
            left = (
                "已逾期" if a.overdue else ("" if a.workdays_left is None else str(a.workdays_left))
            )
            if a.overdue and a.workdays_left is not None and a.workdays_left < 0:
                left = f"已逾期 {-a.workdays_left}"
            table.add_row(
                str(a.id),
                a.enterprise_name,
                a.product_name,
                a.bank_name,
                f"{a.amount:,.2f}",
                a.state_label,
                a.submitted_on.isoformat(),
                a.deadline.isoformat() if a.deadline else (a.deadline_note or "—"),
                left or "—",
            )
        out.print(table)
        out.print(
            f"共 {q.total} 笔；逾期 {q.overdue} 笔；今日到期 {q.due_today} 笔；"
            f"在办快速通道 {q.fast_lane} 笔（{q.today.isoformat()}）"
        )
    if xlsx is not None:
        export.queue_xlsx(q, xlsx)
        out.print(f"已导出 {xlsx}")
    if overdue and q.overdue:
        raise typer.Exit(4)


@applications_app.command("show")
def applications_show(application_id: int) -> None:
    """显示一笔申请：状态、时限、冻结的测算结论、五项标准、材料与办理记录。"""
    from zhixin.applications import reading
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            a = reading.operator_detail(session, application_id=application_id)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    p = out.print
    p(f"贷款申请 #{a.id} · {a.product_name}（{a.bank_name}） · 状态：{a.state_label}", markup=False)
    p(f"企业：{a.enterprise_name}（{a.uscc}）", markup=False)
    p(f"申请：{a.amount:,.2f} 元 · {a.term_months} 个月 · {a.method} · 提交日 {a.submitted_on}")
    p(f"用途：{a.purpose}；资金使用计划：{a.use_of_funds}", markup=False)
    if a.deadline:
        left = "" if a.workdays_left is None else f"，剩余 {a.workdays_left} 个工作日"
        p(
            f"快速通道：{a.fast_lane_days} 个工作日，时限 {a.deadline}{left}"
            + ("（已逾期）" if a.overdue else "")
        )
    elif a.deadline_note:
        p(f"快速通道：{a.deadline_note}", markup=False)
    if a.decided_on:
        p(
            f"审批：{a.decided_on}，用时 {a.decision_workdays} 个工作日"
            f" / {a.decision_days} 个自然日"
            + ("" if a.on_time is None else ("，在时限内" if a.on_time else "，超过时限"))
        )
    t = a.terms
    verdict = "符合准入条件" if t.eligible else "不符合准入条件：" + "；".join(t.reasons)
    p(f"测算 #{a.quote_id}：{verdict}；可贷额度 {t.limit:,.2f} 元；利率 {t.rate}%", markup=False)
    for f in t.auto_rules:
        p(f"  自动规则 {f.label}：{f.value}（{f.reason}）", markup=False)
    if a.reject_labels:
        p(f"拒绝原因：{'、'.join(a.reject_labels)}；{a.reject_note or ''}", markup=False)
    checks = Table("五项标准", "结论", "来源", "依据")
    for c in a.checks:
        checks.add_row(
            c.label,
            c.status_label,
            c.source_label,
            "；".join(c.evidence) + (f"；核实：{c.note}" if c.note else ""),
        )
    out.print(checks)
    mats = Table("材料", "必需", "状态", "说明")
    for m in a.materials:
        mats.add_row(
            m.label, "是" if m.required else "否", m.status_label, m.note or m.request_note or ""
        )
    out.print(mats)
    events = Table("时间", "操作", "状态", "办理人", "理由")
    for e in a.events:
        events.add_row(
            e.at.strftime("%Y-%m-%d %H:%M"),
            e.action_label,
            e.to_label,
            e.actor_name,
            e.reason or "",
        )
    out.print(events)
