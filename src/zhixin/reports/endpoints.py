"""JSON API of the reports under /api/v1/reports: the daily (日晾晒), weekly (周例会) and monthly
(月调度) reports and the dashboard's range — the same service, scope and tables as the pages and
the XLSX (``reports.service.report_for``), so every figure equals theirs.

Who reads what is the pages' rule (permission ``report:read``): the task force everything, a
regulator its jurisdiction (a region outside it: 403 ``forbidden``), a bank its own rows
(another bank's code: 404 ``not_found``); a malformed day, week, month or range is 422
``invalid``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.reports import rules, service
from zhixin.reports.daily import Aggregates
from zhixin.reports.listed import Listed
from zhixin.reports.registry import SECTIONS
from zhixin.reports.schemas import ColumnOut, PeriodOut, ReportOut, TableOut, plain
from zhixin.reports.sections import Facts
from zhixin.web.deps import DB, require

router = APIRouter(prefix="/reports", tags=["融资协调报表 reports"])
Reader = Annotated[Principal, Depends(require(Permission.report_read))]
Bank = Annotated[str, Query(description="银行代码（银行用户只能是本行）")]
Region = Annotated[str, Query(description="行政区划代码前缀，如 3502（须在本辖区内）")]
Product = Annotated[str, Query(description="产品代码")]


def figures() -> str:
    """Every table's columns and definition, read from the register itself (each section built
    over no facts), so the schema's description cannot drift from what the report computes."""
    day = date(2026, 1, 1)
    empty = Facts(
        period=rules.custom(day, day),
        today=day,
        banks={},
        applications=[],
        consultations=[],
        drawdowns=[],
        quality_contracts=set(),
        listed_start={},
        listed_end={},
        version_start=None,
        version_end=None,
        places={},
        product_names={},
        agg=Aggregates(period=[], book=[], product_names={}, as_of=None),
        firms={"applied": set(), "approved_firms": set(), "drawn": set()},
        listed_at_start=Listed(),
        listed_at_end=Listed(),
    )
    lines = ["各表（tables，次序固定）与每项数值的口径（详见 docs/reports.md）：", ""]
    for s in SECTIONS:
        t = s.build(empty)
        cols = "、".join(c.label for c in t.columns)
        lines.append(f"- `{t.key}` {t.title}：{cols}。{t.note}".rstrip())
    return "\n".join(lines)


FIGURES = figures()


def _out(report: service.Report, kind: str) -> ReportOut:
    p = report.period
    return ReportOut(
        period=PeriodOut(kind=kind, key=p.key, start=p.start, end=p.end, title=p.title),
        scope=report.scope.label,
        generated_on=report.generated_on,
        tables=[
            TableOut(
                key=t.key,
                title=t.title,
                columns=[ColumnOut(label=c.label, kind=c.kind) for c in t.columns],
                rows=[[plain(v) for v in r] for r in t.rows],
                note=t.note,
            )
            for t in report.tables
        ],
    )


def _one(
    db: DB, principal: Principal, kind: str, key: str, bank: str, region: str, product: str
) -> ReportOut:
    period = rules.period_of(kind, key.strip())
    report = service.report_for(
        db,
        actor=principal,
        period=period,
        bank=bank.strip(),
        region=region.strip(),
        product=product.strip(),
    )
    return _out(report, kind)


@router.get("/daily", response_model=ReportOut, description=FIGURES)
def daily(
    db: DB,
    principal: Reader,
    date: Annotated[str, Query(description="哪一天，如 2026-12-07")],
    bank: Bank = "",
    region: Region = "",
    product: Product = "",
) -> ReportOut:
    """日晾晒：一天的各银行办理情况、排名与各表（同 /reports/daily 页面与 XLSX）。"""
    return _one(db, principal, "daily", date, bank, region, product)


@router.get("/weekly", response_model=ReportOut, description=FIGURES)
def weekly(
    db: DB,
    principal: Reader,
    week: Annotated[str, Query(description="ISO 周，如 2026-W49（周一至周日）")],
    bank: Bank = "",
    region: Region = "",
    product: Product = "",
) -> ReportOut:
    """周例会：一周的各表（同 /reports/weekly 页面与 XLSX）。"""
    return _one(db, principal, "weekly", week, bank, region, product)


@router.get("/monthly", response_model=ReportOut, description=FIGURES)
def monthly(
    db: DB,
    principal: Reader,
    month: Annotated[str, Query(description="月份，如 2026-11")],
    bank: Bank = "",
    region: Region = "",
    product: Product = "",
) -> ReportOut:
    """月调度：一个自然月的各表（同 /reports/monthly 页面与 XLSX）。"""
    return _one(db, principal, "monthly", month, bank, region, product)


@router.get("/dashboard", response_model=ReportOut, description=FIGURES)
def dashboard(
    db: DB,
    principal: Reader,
    start: Annotated[str, Query(description="开始日期（缺省本月 1 日）")] = "",
    end: Annotated[str, Query(description="结束日期（缺省今天）；最多一年")] = "",
    bank: Bank = "",
    region: Region = "",
    product: Product = "",
) -> ReportOut:
    """数据看板：任意区间（含首尾）的各表与银行排名（同 /reports 看板页面）。"""
    period = service.dashboard_period(start, end)
    report = service.report_for(
        db,
        actor=principal,
        period=period,
        bank=bank.strip(),
        region=region.strip(),
        product=product.strip(),
    )
    return _out(report, "range")
