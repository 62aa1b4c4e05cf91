"""The whitelist and its conversion pre-aggregated per publication (``report_listed_firm``): what
the report's whitelist, conversion and area sections read instead of every listed firm's id and
the ids of every firm that applied, was approved or drew.

Per publication, one row per listed firm over every bank and product (``bank_tenant_id`` and
``product_code`` NULL) with its 家次 and county, and one per (bank, product) it applied to or
drew from; each with the first day the firm applied (``submitted_on``), had an application
approved (``decided_on`` of an approved or contracted one) and drew (``value_date`` of a
disbursed, settled or renewed drawdown). A period ending on day E counts a step when its first
day is on or before E — the same firms as the sets ``applications.facts.applicant_firms`` and
``loans.facts.borrower_firms`` give, met with the publication's firms.

Staleness, as the daily facts': a publication is computed whole by the first report that reads
it (``report_listed_publication``); ``zhixin worker`` recomputes, on each pass, the listed firms
with an application submitted or decided or a drawdown valued yesterday or today, and
``zhixin report refresh --from D --to D`` those with such a day in the range (all of them when
it starts at the first day). ``refreshed_at`` is the time of the last pass, part of
"数据截至". A firm's county is that of its record when its rows were computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from zhixin.applications import facts as application_facts
from zhixin.enterprises import service as enterprises
from zhixin.kit.db import utcnow
from zhixin.loans import facts as loan_facts
from zhixin.reports.models import ReportListedFirm, ReportListedPublication
from zhixin.whitelist import facts as whitelist_facts

CHUNK = 5_000
IDS = 900  # ids bound in one IN list


@dataclass
class Listed:
    """A publication's listed firms within a scope, and how many of them had applied, had an
    application approved and had drawn by the day read (in the scope's banks and products)."""

    firms: int = 0
    entries: int = 0
    by_region: dict[str | None, int] = field(default_factory=dict)  # county → firms
    applied: int = 0
    approved: int = 0
    drawn: int = 0
    as_of: datetime | None = None


def from_sets(
    listed: dict[int, int],
    regions: dict[int, str | None],
    applied: set[int],
    approved: set[int],
    drawn: set[int],
) -> Listed:
    """The same figures from the firms' ids (the drill-down reads those)."""
    by_region: dict[str | None, int] = {}
    for e in listed:
        by_region[regions.get(e)] = by_region.get(regions.get(e), 0) + 1
    firms = set(listed)
    return Listed(
        firms=len(listed),
        entries=sum(listed.values()),
        by_region=by_region,
        applied=len(applied & firms),
        approved=len(approved & firms),
        drawn=len(drawn & firms),
    )


def _earliest(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _rows(session: Session, publication_id: int, among: list[int] | None) -> list[dict[str, Any]]:
    """The rows of the publication's listed firms (only those of ``among``, when given)."""
    listed = whitelist_facts.listed_enterprises(session, publication_id, among)
    if not listed:
        return []
    firms: Any = whitelist_facts.listed_select(publication_id) if among is None else sorted(listed)
    regions = enterprises.regions_among(session, firms)
    per: dict[tuple[int, int, str], list[date | None]] = {}
    for ent, bank, product, applied, approved in application_facts.firm_firsts(session, firms):
        per[(ent, bank, product)] = [applied, approved, None]
    for ent, bank, product, drawn in loan_facts.borrower_firsts(session, firms):
        per.setdefault((ent, bank, product), [None, None, None])[2] = drawn
    whole: dict[int, list[date | None]] = {e: [None, None, None] for e in listed}
    rows: list[dict[str, Any]] = []
    for (ent, bank, product), days in per.items():
        if ent not in listed:
            continue
        w = whole[ent]
        for k in range(3):
            w[k] = _earliest(w[k], days[k])
        rows.append(_row(publication_id, ent, bank, product, regions.get(ent), 0, days))
    for ent, n in listed.items():
        rows.append(_row(publication_id, ent, None, None, regions.get(ent), n, whole[ent]))
    return rows


def _row(
    pub: int,
    ent: int,
    bank: int | None,
    product: str | None,
    region: str | None,
    entries: int,
    days: list[date | None],
) -> dict[str, Any]:
    return {
        "publication_id": pub,
        "enterprise_id": ent,
        "bank_tenant_id": bank,
        "product_code": product,
        "region_code": region,
        "entries": entries,
        "applied_on": days[0],
        "approved_on": days[1],
        "drawn_on": days[2],
    }


def _chunks(ids: Iterable[int], size: int = IDS) -> Iterable[list[int]]:
    ordered = sorted(set(ids))
    for k in range(0, len(ordered), size):
        yield ordered[k : k + size]


def compute(session: Session, publication_id: int, among: Iterable[int] | None = None) -> int:
    """Recompute the publication's rows (only the firms of ``among``, when given); the rows
    written. Stamps the publication's ``refreshed_at``."""
    f = ReportListedFirm
    rows: list[dict[str, Any]] = []
    if among is None:
        session.execute(delete(f).where(f.publication_id == publication_id))
        rows = _rows(session, publication_id, None)
    else:
        for ids in _chunks(among):
            session.execute(
                delete(f).where(f.publication_id == publication_id, f.enterprise_id.in_(ids))
            )
            rows += _rows(session, publication_id, ids)
    table = cast(Table, ReportListedFirm.__table__)  # Core executemany: a statement a chunk
    for k in range(0, len(rows), CHUNK):
        session.connection().execute(insert(table), rows[k : k + CHUNK])
    firms = session.execute(
        select(func.count()).where(f.publication_id == publication_id, f.bank_tenant_id.is_(None))
    ).scalar_one()
    p = ReportListedPublication
    values = {"refreshed_at": utcnow(), "firms": int(firms)}
    known = select(p.publication_id).where(p.publication_id == publication_id)
    if session.execute(known).first() is not None:
        session.execute(update(p).where(p.publication_id == publication_id).values(**values))
    else:
        session.execute(insert(p).values(publication_id=publication_id, **values))
    return len(rows)


def computed(session: Session) -> list[int]:
    """The publications computed so far (those a report has read)."""
    stmt = select(ReportListedPublication.publication_id).order_by(
        ReportListedPublication.publication_id
    )
    return [int(i) for i in session.execute(stmt).scalars()]


def ensure(session: Session, publication_id: int) -> None:
    """Compute the publication whole if it never was; a computed one stays as it is."""
    p = ReportListedPublication
    stmt = select(p.publication_id).where(p.publication_id == publication_id)
    if session.connection().execute(stmt).first() is None:
        compute(session, publication_id)


def prepare(session: Session, day: date) -> None:
    """Compute the publications the dashboard's month to date and last month's report read on
    ``day`` if they never were: those in force at ``day``, at the end of last month and at the
    end of the month before (a publication newly in force is computed by the worker's next
    pass, not by a reader)."""
    last_month_end = day.replace(day=1) - timedelta(days=1)
    for when in (day, last_month_end, last_month_end.replace(day=1) - timedelta(days=1)):
        pub = whitelist_facts.in_force(session, when)
        if pub is not None:
            ensure(session, pub.id)


def refresh(session: Session, start: date, end: date, *, whole: bool = False) -> int:
    """Bring every computed publication up to date with the firms that applied, were decided
    on or drew between ``start`` and ``end`` (``whole``: recompute them all), after computing
    those :func:`prepare` names for ``end``; rows written."""
    prepare(session, end)
    pubs = computed(session)
    if not pubs:
        return 0
    if whole:
        return sum(compute(session, pub) for pub in pubs)
    firms = application_facts.firms_dated_between(session, start=start, end=end)
    firms |= loan_facts.borrowers_between(session, start=start, end=end)
    return sum(compute(session, pub, firms) for pub in pubs)


def read(
    session: Session,
    publication_id: int,
    *,
    until: date,
    bank: int | None = None,
    product: str | None = None,
    region: str | None = None,
    conversion: bool = True,
) -> Listed:
    """The publication's listed firms within a region prefix (their county), and how many had
    applied, been approved and drawn by ``until`` in one bank's and one product's rows (None:
    all)."""
    ensure(session, publication_id)
    f = ReportListedFirm
    conn = session.connection()

    def by(day: Any) -> Any:
        return func.count(case((day <= until, 1)))

    out = Listed()
    whole = select(
        f.region_code,
        func.count(),
        func.sum(f.entries),
        by(f.applied_on),
        by(f.approved_on),
        by(f.drawn_on),
    ).where(f.publication_id == publication_id, f.bank_tenant_id.is_(None))
    for r in conn.execute(whole.group_by(f.region_code)):
        if region is not None and not (r[0] and str(r[0]).startswith(region)):
            continue
        out.by_region[r[0]] = out.by_region.get(r[0], 0) + int(r[1])
        out.firms += int(r[1])
        out.entries += int(r[2] or 0)
        if bank is None and product is None:
            out.applied += int(r[3])
            out.approved += int(r[4])
            out.drawn += int(r[5])
    if conversion and (bank is not None or product is not None):

        def firms_by(day: Any) -> Any:
            return func.count(func.distinct(case((day <= until, f.enterprise_id))))

        stmt = select(firms_by(f.applied_on), firms_by(f.approved_on), firms_by(f.drawn_on)).where(
            f.publication_id == publication_id, f.bank_tenant_id.is_not(None)
        )
        if bank is not None:
            stmt = stmt.where(f.bank_tenant_id == bank)
        if product is not None:
            stmt = stmt.where(f.product_code == product)
        if region is not None:
            stmt = stmt.where(f.region_code.startswith(region, autoescape=True))
        applied, approved, drawn = conn.execute(stmt).one()
        out.applied, out.approved, out.drawn = int(applied), int(approved), int(drawn)
    p = ReportListedPublication
    out.as_of = conn.execute(
        select(p.refreshed_at).where(p.publication_id == publication_id)
    ).scalar()
    return out
