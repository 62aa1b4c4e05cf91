"""The daily facts (日汇总, ``report_fact``): what the report's sections on applications and the
loan book sum instead of reading every application and drawdown.

One row per day, measure and (bank, product, borrower's county, industry, loan class, quality)
with a count ``n`` and a ``total`` (fen; working days for ``decided``):

======== ================== ==========================================================
measure  day                 what
======== ================== ==========================================================
received submitted on       every application
accepted accepted on
approved decided on         approved (total: the approved amount)
refused  decided on
decided  decided on         approved or refused with its working days (total: their sum)
late     fast-lane deadline decided after the deadline (withdrawn left out)
open     fast-lane deadline not decided yet (withdrawn left out): missed once it is past
drawn    value date         every disbursed drawdown (the loan tables list its keys)
new      value date         not a 无还本续贷 renewal's (total: the amount)
running  value date         still running (total: the outstanding principal)
======== ================== ==========================================================

Staleness: a day's rows are the records as they were when that day was computed
(``report_fact_day.refreshed_at``, shown as "数据截至"). Days never computed are computed by the
first report that needs them; ``zhixin worker`` recomputes yesterday and today on each pass
and every day after the nightly batch has closed a business day (balances and classes change
then); ``zhixin report refresh --from D --to D`` recomputes any days (records back-dated or
corrected). A borrower's county and industry are those of its record at that time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from zhixin.applications import facts as application_facts
from zhixin.enterprises import service as enterprises
from zhixin.kit.db import utcnow
from zhixin.loans import facts as loan_facts
from zhixin.reports.models import ReportFact, ReportFactDay

APPLICATION_MEASURES = ("received", "accepted", "approved", "refused", "decided", "late", "open")
LOAN_MEASURES = ("drawn", "new", "running")
CHUNK = 5_000
FEN = Decimal(100)


def fen(amount: Decimal | None) -> int:
    return int((amount or Decimal(0)) * 100)


def yuan(total: int) -> Decimal:
    return (Decimal(int(total)) / FEN).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class Agg:
    """A sum of daily facts over the days read, per measure and key."""

    measure: str
    bank_tenant_id: int | None
    product_code: str
    product_name: str
    region_code: str | None
    industry_code: str | None
    kind: str
    quality: bool
    n: int
    total: int

    @property
    def amount(self) -> Decimal:
        return yuan(self.total)


@dataclass
class Aggregates:
    """What the sections read: ``period`` the period's measures (``open`` only the deadlines
    already past), ``book`` the loan book up to the period's end (drawn and running)."""

    period: list[Agg]
    book: list[Agg]
    product_names: dict[str, str]
    as_of: datetime | None


# -- computing ---------------------------------------------------------------------------------


Key = tuple[date, str, int | None, str, str, str | None, str | None, str, bool]


def _compute(session: Session, start: date, end: date) -> dict[Key, list[int]]:
    acc: dict[Key, list[int]] = {}
    apps = application_facts.application_facts_between(session, start=start, end=end)
    draws = loan_facts.drawdown_facts(session, until=end, since=start)
    places = enterprises.places_by_ids(
        session, sorted({a.enterprise_id for a in apps} | {d.enterprise_id for d in draws})
    )

    def add(day: date | None, measure: str, base: tuple[Any, ...], n: int, total: int) -> None:
        if day is None or not start <= day <= end:
            return
        slot = acc.setdefault((day, measure, *base), [0, 0])
        slot[0] += n
        slot[1] += total

    for a in apps:
        place = places.get(a.enterprise_id, ("", None, None))
        base = (a.bank_tenant_id, a.product_code, a.product_name, place[1], place[2], "", False)
        add(a.submitted_on, "received", base, 1, 0)
        add(a.accepted_on, "accepted", base, 1, 0)
        if a.approved:
            add(a.decided_on, "approved", base, 1, fen(a.approved_amount))
        if a.refused:
            add(a.decided_on, "refused", base, 1, 0)
        if (a.approved or a.refused) and a.decision_workdays is not None:
            add(a.decided_on, "decided", base, 1, int(a.decision_workdays))
        if a.deadline is not None and a.state != "withdrawn":
            if a.decided_on is None:
                add(a.deadline, "open", base, 1, 0)
            elif a.decided_on > a.deadline:
                add(a.deadline, "late", base, 1, 0)

    if draws:
        quality = _quality(session, {d.contract_id for d in draws})
        for d in draws:
            place = places.get(d.enterprise_id, ("", None, None))
            q = d.contract_id in quality
            base = (d.bank_tenant_id, d.product_code, "", place[1], place[2], d.classification, q)
            add(d.value_date, "drawn", base, 1, 0)
            if d.renewed_from_id is None:
                add(d.value_date, "new", base, 1, fen(d.amount))
            if d.status == "disbursed":
                add(d.value_date, "running", base, 1, fen(d.balance))
    return acc


def _quality(session: Session, contracts: set[int]) -> set[int]:
    """Quality loans: the contract's origin application (a renewal's chain back) was made
    while the firm was listed."""
    origins = loan_facts.contract_origins(session, contracts)
    origin_of: dict[int, int] = {}
    for contract_id in contracts:
        seen: set[int] = set()
        current: int | None = contract_id
        while current is not None and current not in seen:
            seen.add(current)
            app_id, parent = origins.get(current, (None, None))
            if app_id is not None:
                origin_of[contract_id] = app_id
                break
            current = parent
    listed = application_facts.listed_ids(session, list(origin_of.values()))
    return {c for c, app_id in origin_of.items() if app_id in listed}


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def refresh(
    session: Session,
    start: date,
    end: date,
    *,
    step: int = 31,
    progress: Callable[[date, date, int], None] | None = None,
) -> int:
    """Recompute the facts of every day from ``start`` to ``end``, ``step`` days at a time
    (each span's rows replaced whole); the number of rows written. ``progress`` is told each
    span done (its first and last day, rows)."""
    written = 0
    first = start
    while first <= end:
        last = min(end, first + timedelta(days=step - 1))
        acc = _compute(session, first, last)
        f = ReportFact
        session.execute(delete(f).where(f.day.between(first, last)))
        rows = [
            {
                "day": k[0],
                "measure": k[1],
                "bank_tenant_id": k[2],
                "product_code": k[3],
                "product_name": k[4],
                "region_code": k[5],
                "industry_code": k[6],
                "kind": k[7],
                "quality": k[8],
                "n": v[0],
                "total": v[1],
            }
            for k, v in acc.items()
        ]
        for k in range(0, len(rows), CHUNK):
            session.execute(insert(f), rows[k : k + CHUNK])
        per_day: dict[date, int] = {}
        for key in acc:
            per_day[key[0]] = per_day.get(key[0], 0) + 1
        session.execute(delete(ReportFactDay).where(ReportFactDay.day.between(first, last)))
        now = utcnow()
        session.execute(
            insert(ReportFactDay),
            [
                {"day": d, "refreshed_at": now, "rows": per_day.get(d, 0)}
                for d in _days(first, last)
            ],
        )
        written += len(rows)
        if progress is not None:
            progress(first, last, len(rows))
        first = last + timedelta(days=1)
    return written


def first_day(session: Session) -> date | None:
    """The first day any fact can fall on (the first submission or value date)."""
    found = [
        d
        for d in (application_facts.first_day(session), loan_facts.first_value_date(session))
        if d is not None
    ]
    return min(found) if found else None


def ensure(session: Session, until: date) -> int:
    """Compute the days up to ``until`` that have never been computed (a fresh database, a
    day no pass has reached yet); the rows written. Days already computed stay as they are."""
    first = first_day(session)
    if first is None or first > until:
        return 0
    stmt = select(ReportFactDay.day).where(ReportFactDay.day.between(first, until))
    done = set(session.connection().execute(stmt).scalars())
    missing = [d for d in _days(first, until) if d not in done]
    written = 0
    while missing:
        span_start = missing[0]
        k = 1
        while k < len(missing) and missing[k] == missing[k - 1] + timedelta(days=1):
            k += 1
        written += refresh(session, span_start, missing[k - 1], step=366)
        missing = missing[k:]
    return written


# -- reading -----------------------------------------------------------------------------------


def _scoped(stmt: Any, bank: int | None, product: str | None, region: str | None) -> Any:
    f = ReportFact
    if bank is not None:
        stmt = stmt.where(f.bank_tenant_id == bank)
    if product is not None:
        stmt = stmt.where(f.product_code == product)
    if region is not None:
        stmt = stmt.where(f.region_code.startswith(region, autoescape=True))
    return stmt


def _summed(session: Session, where: Any, scope: tuple[Any, Any, Any]) -> list[Agg]:
    f = ReportFact
    keys = (
        f.measure,
        f.bank_tenant_id,
        f.product_code,
        f.product_name,
        f.region_code,
        f.industry_code,
        f.kind,
        f.quality,
    )
    stmt = _scoped(select(*keys, func.sum(f.n), func.sum(f.total)).where(where), *scope)
    stmt = stmt.group_by(*keys)
    return [
        Agg(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), int(r[8]), int(r[9]))
        for r in session.connection().execute(stmt)
    ]


def read(
    session: Session,
    *,
    start: date,
    end: date,
    today: date,
    bank: int | None = None,
    product: str | None = None,
    region: str | None = None,
) -> Aggregates:
    """The facts summed over the period (and the loan book up to its end) within a scope: one
    bank, one product, one region prefix (the borrower's county)."""
    ensure(session, end)
    f = ReportFact
    scope = (bank, product, region)
    period = _summed(
        session,
        and_(
            f.day.between(start, end),
            f.measure.in_((*APPLICATION_MEASURES, "new")),
            or_(f.measure != "open", f.day < today),
        ),
        scope,
    )
    book = _summed(session, and_(f.day <= end, f.measure.in_(("drawn", "running"))), scope)
    names_stmt = _scoped(
        select(f.product_code, f.product_name)
        .where(f.day <= end, f.measure == "received")
        .distinct(),
        *scope,
    )
    names = {str(c): str(n) for c, n in session.connection().execute(names_stmt)}
    as_of = (
        session.connection()
        .execute(select(func.min(ReportFactDay.refreshed_at)).where(ReportFactDay.day <= end))
        .scalar()
    )
    return Aggregates(period, book, names, as_of)
