"""Every select() of the records domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Date, Integer, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from zhixin.enterprises.models import Enterprise
from zhixin.records.models import CreditRepair, QualityRecord
from zhixin.records.rules import QUALITY_PENALTY_SUBTYPES


def by_id(session: Session, record_id: int) -> QualityRecord | None:
    return session.get(QualityRecord, record_id)


def of_enterprise(
    session: Session, enterprise_id: int, *, kind: str | None, include_history: bool
) -> Sequence[QualityRecord]:
    stmt = select(QualityRecord).where(QualityRecord.enterprise_id == enterprise_id)
    if kind:
        stmt = stmt.where(QualityRecord.kind == kind)
    if not include_history:
        stmt = stmt.where(QualityRecord.superseded_at.is_(None))
    return session.scalars(
        stmt.order_by(QualityRecord.kind, QualityRecord.natural_key, QualityRecord.version)
    ).all()


# the fields a score reads from an enterprise's current records (risk.features.RecordLike),
# built once, bound per call: plain columns, not entities
_CURRENT_FACTS = select(
    QualityRecord.kind,
    QualityRecord.subtype,
    QualityRecord.status,
    QualityRecord.event_date,
    QualityRecord.valid_from,
    QualityRecord.valid_to,
    QualityRecord.repaired_on,
).where(QualityRecord.enterprise_id == bindparam("eid"), QualityRecord.superseded_at.is_(None))


class FactRow(NamedTuple):
    kind: str
    subtype: str | None
    status: str | None
    event_date: date | None
    valid_from: date | None
    valid_to: date | None
    repaired_on: date | None


def current_facts(session: Session, enterprise_id: int) -> list[FactRow]:
    """Those fields of every current record of the enterprise, in no particular order."""
    rows = session.connection().execute(_CURRENT_FACTS, {"eid": enterprise_id})
    return [FactRow(*r) for r in rows]


def versions(session: Session, kind: str, natural_key: str) -> Sequence[QualityRecord]:
    return session.scalars(
        select(QualityRecord)
        .where(QualityRecord.kind == kind, QualityRecord.natural_key == natural_key)
        .order_by(QualityRecord.version)
    ).all()


def counts_by_kind(session: Session, enterprise_id: int) -> dict[str, int]:
    rows = session.execute(
        select(QualityRecord.kind, func.count())
        .where(QualityRecord.enterprise_id == enterprise_id, QualityRecord.superseded_at.is_(None))
        .group_by(QualityRecord.kind)
    )
    return {k: int(n) for k, n in rows}


def total_current(session: Session) -> int:
    stmt = (
        select(func.count()).select_from(QualityRecord).where(QualityRecord.superseded_at.is_(None))
    )
    return int(session.scalar(stmt) or 0)


def repair_by_id(session: Session, repair_id: int) -> CreditRepair | None:
    return session.get(CreditRepair, repair_id)


def repairs(
    session: Session,
    *,
    status: str | None,
    enterprise_id: int | None,
    region_prefix: str | None = None,
) -> Sequence[CreditRepair]:
    stmt = select(CreditRepair).order_by(CreditRepair.requested_at.desc())
    if status:
        stmt = stmt.where(CreditRepair.status == status)
    if enterprise_id is not None:
        stmt = stmt.where(CreditRepair.enterprise_id == enterprise_id)
    if region_prefix is not None:  # a regulator's jurisdiction
        stmt = stmt.where(
            CreditRepair.enterprise_id.in_(
                select(Enterprise.id).where(
                    Enterprise.region_code.startswith(region_prefix, autoescape=True)
                )
            )
        )
    return session.scalars(stmt.limit(500)).all()


def pending_repair_for(session: Session, record_id: int) -> CreditRepair | None:
    return session.scalar(
        select(CreditRepair).where(
            CreditRepair.record_id == record_id, CreditRepair.status == "pending"
        )
    )


# -- what a price reads: one grouped query, built once ---------------------------------------
# A quote is a hot path (bench/quotes.py): the statement is built at import with bound values,
# so SQLAlchemy neither builds it nor computes its cache key per call.

_q = QualityRecord.__table__
_ON = bindparam("on", type_=Date)
_PRICING_COUNTS = (
    select(_q.c.kind, _q.c.subtype, func.count())
    .where(
        _q.c.enterprise_id == bindparam("eid", type_=Integer),
        _q.c.kind.in_(("patent", "title", "award", "penalty")),
        _q.c.superseded_at.is_(None),
        or_(
            and_(
                _q.c.kind == "patent",
                _q.c.subtype == "发明",
                _q.c.status == "有效",
                or_(_q.c.event_date.is_(None), _q.c.event_date <= _ON),
            ),
            and_(
                _q.c.kind == "title",
                or_(_q.c.valid_from.is_(None), _q.c.valid_from <= _ON),
                or_(_q.c.valid_to.is_(None), _q.c.valid_to >= _ON),
            ),
            and_(
                _q.c.kind == "award",
                _q.c.year >= bindparam("award_from", type_=Integer),
                _q.c.year <= bindparam("award_to", type_=Integer),
            ),
            and_(
                _q.c.kind == "penalty",
                _q.c.subtype.in_(QUALITY_PENALTY_SUBTYPES),
                _q.c.event_date > bindparam("penalty_after", type_=Date),
                _q.c.event_date <= _ON,
                or_(_q.c.repaired_on.is_(None), _q.c.repaired_on > _ON),
            ),
        ),
    )
    .group_by(_q.c.kind, _q.c.subtype)
)
# the same counts for every enterprise of a select of ids (a batch: 预授信)
_PRICING_COUNTS_AMONG = (
    select(_q.c.enterprise_id, _q.c.kind, _q.c.subtype, func.count())
    .where(*_PRICING_COUNTS.whereclause.clauses[1:])  # type: ignore[union-attr]
    .group_by(_q.c.enterprise_id, _q.c.kind, _q.c.subtype)
)


@dataclass(frozen=True)
class PricingCounts:
    valid_invention_patents: int
    titles: frozenset[str]
    awards: frozenset[str]
    quality_penalties: int


def pricing_counts(
    session: Session, *, enterprise_id: int, on: date, award_from_year: int, penalty_after: date
) -> PricingCounts:
    """One grouped query over the enterprise's current records (superseded and removed rows
    excluded) of four kinds, each with its own as-of condition:

    - ``patent``: invention patents (发明) in force (有效) granted on or before ``on``;
    - ``title``: titles whose validity covers ``on`` (an open end is unlimited);
    - ``award``: awards of the years ``award_from_year`` … ``on.year``;
    - ``penalty``: quality penalties (:data:`~zhixin.records.rules.QUALITY_PENALTY_SUBTYPES`)
      dated in (``penalty_after``, ``on``] and not credit-repaired by ``on``.
    """
    rows = session.execute(
        _PRICING_COUNTS,
        {
            "eid": enterprise_id,
            "on": on,
            "award_from": award_from_year,
            "award_to": on.year,
            "penalty_after": penalty_after,
        },
    ).all()
    patents = penalties = 0
    titles: set[str] = set()
    awards: set[str] = set()
    for kind, subtype, n in rows:
        if kind == "patent":
            patents += int(n)
        elif kind == "penalty":
            penalties += int(n)
        elif kind == "title" and subtype:
            titles.add(str(subtype))
        elif kind == "award" and subtype:
            awards.add(str(subtype))
    return PricingCounts(patents, frozenset(titles), frozenset(awards), penalties)


# -- quality linkage after the loan (zhixin.linkage reads through records.service) -----------


# The columns a linkage cycle reads of a record, not the entity: arrived_after and
# of_enterprise_between return the same rows.
_LINKAGE_COLUMNS = (
    QualityRecord.id,
    QualityRecord.enterprise_id,
    QualityRecord.kind,
    QualityRecord.subtype,
    QualityRecord.level,
    QualityRecord.passed,
    QualityRecord.status,
    QualityRecord.ref,
    QualityRecord.title,
    QualityRecord.event_date,
    QualityRecord.valid_from,
    QualityRecord.known_at,
)


def arrived_after(
    session: Session, *, after_id: int, kinds: Sequence[str], limit: int
) -> Sequence[Any]:
    """Rows in force written after ``after_id`` (id order), of these kinds: the columns a
    linkage cycle reads (id, enterprise_id, kind, subtype, level, passed, status, ref, title,
    event_date, valid_from, known_at: ``_LINKAGE_COLUMNS``), not entities (10,000 at a
    time)."""
    return session.execute(
        select(*_LINKAGE_COLUMNS)
        .where(
            QualityRecord.id > after_id,
            QualityRecord.kind.in_(list(kinds)),
            QualityRecord.superseded_at.is_(None),
        )
        .order_by(QualityRecord.id)
        .limit(limit)
    ).all()


def last_id(session: Session) -> int:
    return int(session.scalar(select(func.max(QualityRecord.id))) or 0)


def of_enterprise_between(
    session: Session, *, enterprise_id: int, kinds: Sequence[str], after: date, until: date
) -> Sequence[Any]:
    """The enterprise's records in force of these kinds dated (event date, else valid from)
    after ``after`` up to ``until``, oldest first: the columns of :func:`arrived_after`."""
    r = QualityRecord
    on = func.coalesce(r.event_date, r.valid_from)
    return session.execute(
        select(*_LINKAGE_COLUMNS)
        .where(
            r.enterprise_id == enterprise_id,
            r.kind.in_(list(kinds)),
            r.superseded_at.is_(None),
            on > after,
            on <= until,
        )
        .order_by(on, r.id)
    ).all()


def enterprises_with_select(
    *, kind: str, level_in: Sequence[str], start: date, end: date
) -> Select[int]:
    """Enterprise ids with a record in force of ``kind`` (one of ``level_in``) dated in
    [start, end] (set-based: the linkage repository anti-joins it)."""
    stmt = select(QualityRecord.enterprise_id).where(
        QualityRecord.kind == kind,
        QualityRecord.superseded_at.is_(None),
        QualityRecord.event_date >= start,
        QualityRecord.event_date <= end,
    )
    if level_in:
        stmt = stmt.where(QualityRecord.level.in_(list(level_in)))
    return stmt


def pricing_counts_among(
    session: Session, ids: Any, *, on: date, award_from_year: int, penalty_after: date
) -> dict[int, PricingCounts]:
    """:func:`pricing_counts` for each enterprise the select ``ids`` yields, in one grouped
    query; an enterprise without such records is absent (all zero)."""
    stmt = _PRICING_COUNTS_AMONG.where(_q.c.enterprise_id.in_(ids))
    acc: dict[int, tuple[int, set[str], set[str], int]] = {}
    params = {
        "on": on,
        "award_from": award_from_year,
        "award_to": on.year,
        "penalty_after": penalty_after,
    }
    for eid, kind, subtype, n in session.connection().execute(stmt, params):
        patents, titles, awards, penalties = acc.get(int(eid), (0, set(), set(), 0))
        if kind == "patent":
            patents += int(n)
        elif kind == "penalty":
            penalties += int(n)
        elif kind == "title" and subtype:
            titles.add(str(subtype))
        elif kind == "award" and subtype:
            awards.add(str(subtype))
        acc[int(eid)] = (patents, titles, awards, penalties)
    return {
        eid: PricingCounts(p, frozenset(t), frozenset(a), q) for eid, (p, t, a, q) in acc.items()
    }
