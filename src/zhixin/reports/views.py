"""Pages: the reports (日晾晒 / 周例会 / 月调度) and their XLSX, the dashboard with filters
(region, bank, product, period), its charts drawn on the server (``web.charts``, no script) and
the bank ranking, and the list behind every number (drill-down)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.kit import clock
from zhixin.products import service as products
from zhixin.reports import delivery, export, rules, service
from zhixin.web.charts import bar_svg
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.report_read))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WAN = Decimal(10000)


def cell(value: Any, kind: str) -> str:
    """A figure as the pages show it (— for none)."""
    if value is None or value == "":
        return "—"
    if kind == "money":
        return f"{Decimal(value):,.2f}"
    if kind == "pct":
        return f"{value}%"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _default_key(kind: rules.Kind, today: date) -> str:
    if kind == rules.Kind.daily:
        return today.isoformat()
    if kind == rules.Kind.weekly:
        iso = today.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return f"{today.year}-{today.month:02d}"


def _filters(db: DB, principal: Principal) -> dict[str, Any]:
    """What the filter form offers: the banks (a bank: none to choose), the products."""
    banks = []
    if principal.tenant_kind != TenantKind.bank:
        banks = sorted(accounts.tenant_names(db, "bank").values())
    return {
        "banks": banks,
        "products": sorted((p.code, p.name) for _v, p in products.all_current(db)),
    }


def _period_of(kind: str, key: str) -> rules.Period:
    return rules.period_of(kind, key or _default_key(rules.Kind(kind), clock.today()))


def _report_page(
    request: Request, db: DB, principal: Principal, kind: str, key: str, f: dict[str, str]
) -> Response:
    # a refusal (Invalid) goes to the app's error page: Chinese, 422, with the request id
    period = _period_of(kind, key)
    report = service.report_for(db, actor=principal, period=period, **f)
    filters = {k: v for k, v in f.items() if v}
    base = {"start": period.start.isoformat(), "end": period.end.isoformat(), **filters}
    return render(
        request,
        "report.html",
        report=report,
        kind=kind,
        key=period.key,
        kinds=rules.KIND_LABELS,
        cell=cell,
        drill_base=urlencode(base),
        xlsx_query=urlencode({"kind": kind, "key": period.key, **filters}),
        chosen=f,
        **_filters(db, principal),
    )


def _f(bank: str, region: str, product: str) -> dict[str, str]:
    return {"bank": bank.strip(), "region": region.strip(), "product": product.strip()}


@router.get("/reports/daily", response_class=HTMLResponse)
def daily_page(
    request: Request,
    db: DB,
    principal: Reader,
    date: str = "",
    bank: str = "",
    region: str = "",
    product: str = "",
) -> Response:
    return _report_page(request, db, principal, "daily", date, _f(bank, region, product))


@router.get("/reports/weekly", response_class=HTMLResponse)
def weekly_page(
    request: Request,
    db: DB,
    principal: Reader,
    week: str = "",
    bank: str = "",
    region: str = "",
    product: str = "",
) -> Response:
    return _report_page(request, db, principal, "weekly", week, _f(bank, region, product))


@router.get("/reports/monthly", response_class=HTMLResponse)
def monthly_page(
    request: Request,
    db: DB,
    principal: Reader,
    month: str = "",
    bank: str = "",
    region: str = "",
    product: str = "",
) -> Response:
    return _report_page(request, db, principal, "monthly", month, _f(bank, region, product))


@router.get("/reports/export.xlsx", dependencies=[Heavy])
def export_xlsx(
    db: DB,
    principal: Reader,
    kind: str = "daily",
    key: str = "",
    bank: str = "",
    region: str = "",
    product: str = "",
) -> Response:
    period = _period_of(kind, key)
    report = service.report_for(db, actor=principal, period=period, **_f(bank, region, product))
    data = export.workbook(report).to_bytes()
    service.audit_export(db, actor=principal, report=report)
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{export.filename(report)}"'},
    )


def _range(start: str, end: str) -> rules.Period:
    return service.dashboard_period(start, end)


def _charts(report: service.Report) -> list[str]:
    banks = [r for r in report.table("banks").rows if r[0] != "合计"]
    by_class = [r for r in report.table("loans_by_class").rows if r[0] != "合计"]
    funnel = report.table("conversion").rows
    return [
        bar_svg([(r[0], r[3]) for r in banks], title="各银行本期批准（笔）"),
        bar_svg([(r[0], int(r[4] / WAN)) for r in by_class], title="贷款余额按五级分类（万元）"),
        bar_svg([(r[0], r[1]) for r in funnel], title="白名单企业转化（家）"),
    ]


@router.get("/reports", response_class=HTMLResponse)
def dashboard(
    request: Request,
    db: DB,
    principal: Reader,
    start: str = "",
    end: str = "",
    bank: str = "",
    region: str = "",
    product: str = "",
) -> Response:
    f = _f(bank, region, product)
    period = _range(start, end)
    report = service.dashboard_for(db, actor=principal, period=period, **f)
    filters = {k: v for k, v in f.items() if v}
    base = {"start": period.start.isoformat(), "end": period.end.isoformat(), **filters}
    return render(
        request,
        "reports_dashboard.html",
        report=report,
        period=period,
        charts=_charts(report),
        cell=cell,
        drill_base=urlencode(base),
        chosen=f,
        kinds=rules.KIND_LABELS,
        **_filters(db, principal),
    )


@router.get("/reports/list", response_class=HTMLResponse)
def drill_page(
    request: Request,
    db: DB,
    principal: Reader,
    what: str = "",
    start: str = "",
    end: str = "",
    bank: str = "",
    region: str = "",
    product: str = "",
) -> Response:
    by = {k[3:]: v for k, v in request.query_params.items() if k.startswith("by_") and v.strip()}
    period = _range(start, end)
    scope, table = service.drill_for(
        db, actor=principal, period=period, what=what, by=by, **_f(bank, region, product)
    )
    back = urlencode(
        {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            **{k: v for k, v in _f(bank, region, product).items() if v},
        }
    )
    return render(
        request,
        "report_list.html",
        table=table,
        period=period,
        scope=scope,
        by=by,
        cell=cell,
        back=back,
    )


@router.get("/reports/deliveries", response_class=HTMLResponse)
def deliveries_page(request: Request, db: DB, principal: Reader) -> Response:
    rows = delivery.deliveries(db, actor=principal)
    return render(request, "report_deliveries.html", rows=rows, kinds=rules.KIND_LABELS)


@router.get("/reports/deliveries/{delivery_id}/file", dependencies=[Heavy])
def delivery_file(delivery_id: int, db: DB, principal: Reader) -> Response:
    name, data = delivery.download(db, actor=principal, delivery_id=delivery_id)
    return Response(
        data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
