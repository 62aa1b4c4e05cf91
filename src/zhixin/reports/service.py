"""Reports: read the facts once, within the reader's scope, and build every registered section.

Who reads what (permission ``report:read``): the task force and an operator at the console
every bank and every enterprise; a regulator the enterprises of its jurisdiction (its region
prefix; none: all), every bank; a bank its own applications and loans (the whitelist, which is
published to every bank, whole).

Building a report is here; the reader's scope (``scope``) and the facts read once
(``gathering``) are split off by concept and re-exported, so callers keep ``service.X``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.products import service as products

# The modules split off by concept, named here too: callers write ``service.X``.
from zhixin.reports.gathering import gather
from zhixin.reports.registry import SECTIONS
from zhixin.reports.rules import Period
from zhixin.reports.scope import Scope, operator_scope, scope_of
from zhixin.reports.sections import Table

__all__ = [
    "DASHBOARD",
    "Report",
    "Scope",
    "audit_export",
    "build",
    "dashboard_for",
    "dashboard_period",
    "drill_for",
    "gather",
    "narrow",
    "operator_scope",
    "report_for",
    "scope_of",
]


@dataclass
class Report:
    period: Period
    scope: Scope
    generated_on: date
    tables: list[Table]
    # the oldest computation among the daily facts' days and the whitelist publications read
    # ("数据截至"; docs/reports.md)
    as_of: datetime | None = None

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


# the dashboard's first paint: the sections that sum the daily facts and the whitelist's ids
# (以贷提质 and the support, demand and linkage sections are on the report pages)
DASHBOARD = frozenset(
    {
        "banks",
        "ranking",
        "whitelist",
        "conversion",
        "loans_by_product",
        "loans_by_class",
        "loans_by_district",
        "loans_by_industry",
        "npl",
        "consultations",
        "areas",
    }
)


def build(
    session: Session,
    period: Period,
    scope: Scope,
    *,
    today: date | None = None,
    sections: frozenset[str] | None = None,
) -> Report:
    """The report: every registered section, or only ``sections`` (the dashboard's)."""
    f = gather(session, period, scope, today=today, rows=False, sections=sections)
    tables = [s.build(f) for s in SECTIONS if sections is None or s.key in sections]
    stamps = [f.agg.as_of, f.listed_at_start.as_of, f.listed_at_end.as_of]
    return Report(period, scope, f.today, tables, min((t for t in stamps if t), default=None))


def dashboard_period(start: str, end: str) -> Period:
    """The dashboard's range (page and API): this month to today by default, at most a year."""
    from zhixin.reports.rules import custom

    today = clock.today()
    try:
        first = date.fromisoformat(start.strip()) if start.strip() else today.replace(day=1)
        last = date.fromisoformat(end.strip()) if end.strip() else today
    except ValueError:
        raise Invalid("日期格式应为 2026-12-07") from None
    if (last - first) > timedelta(days=366):
        raise Invalid("一次最多查看一年")
    return custom(first, last)


def narrow(
    session: Session,
    scope: Scope,
    *,
    bank: str | None = None,
    region: str | None = None,
    product: str | None = None,
) -> Scope:
    """The reader's scope narrowed by the page's filters: a bank code (a bank reads only its
    own), a region code within the reader's jurisdiction, a product code."""
    from zhixin.kit.divisions import region_name

    bank_id = scope.bank_tenant_id
    labels = [] if scope.label == "全部" else [scope.label]
    if bank:
        found = [i for i, (c, _n) in accounts.tenant_names(session, "bank").items() if c == bank]
        if not found or (bank_id is not None and found[0] != bank_id):
            raise NotFound(f"没有代码为 {bank} 的银行")
        if bank_id is None:
            labels.append(accounts.tenant_names(session, "bank")[found[0]][1])
        bank_id = found[0]
    prefix = scope.region_prefix
    if region:
        region = region.strip()
        if not region.isdigit() or len(region) > 6:
            raise Invalid("区域须为行政区划代码（如 3502 或 350206）")
        if prefix is not None and not region.startswith(prefix):
            raise Forbidden("只能查看本辖区及其下级区域")
        prefix = region
        labels.append(region_name(region))
    if product:
        labels.append(products.product_title(product))
    return Scope(
        bank_tenant_id=bank_id,
        region_prefix=prefix,
        label=" · ".join(labels) or "全部",
        product_code=product or None,
    )


def report_for(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    bank: str | None = None,
    region: str | None = None,
    product: str | None = None,
) -> Report:
    """The report a person may read (``report:read``), within their scope and filters."""
    scope = narrow(session, scope_of(session, actor), bank=bank, region=region, product=product)
    return build(session, period, scope)


def dashboard_for(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    bank: str | None = None,
    region: str | None = None,
    product: str | None = None,
) -> Report:
    """The dashboard's first paint: :data:`DASHBOARD`'s sections, as :func:`report_for`."""
    scope = narrow(session, scope_of(session, actor), bank=bank, region=region, product=product)
    return build(session, period, scope, sections=DASHBOARD)


def drill_for(
    session: Session,
    *,
    actor: Principal,
    period: Period,
    what: str,
    by: dict[str, str],
    bank: str | None = None,
    region: str | None = None,
    product: str | None = None,
) -> tuple[Scope, Table]:
    """The list behind one figure, over the same facts and scope as the report."""
    from zhixin.reports.drill import drill

    scope = narrow(session, scope_of(session, actor), bank=bank, region=region, product=product)
    return scope, drill(gather(session, period, scope), what, by)


def audit_export(session: Session, *, actor: Principal, report: Report) -> None:
    """One ``data.export`` entry per downloaded workbook (the access log of data taken)."""
    audit.record(
        session,
        actor=Actor.of(actor),
        action="data.export",
        object_type="report",
        object_id=f"{report.period.kind.value}:{report.period.key}",
        detail={
            "rows": sum(len(t.rows) for t in report.tables),
            "what": "report",
            "scope": report.scope.label,
            "formats": ["xlsx"],
        },
    )
