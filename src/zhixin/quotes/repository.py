"""Every query of quotes: the facts a quote reads (enterprise, whitelist, evaluation, records)
and the stored quotes themselves.

A quote reads its facts in four round trips, each an indexed look-up: the enterprise; one
grouped query over its current quality records; the whitelist version in force; and one
``UNION ALL`` that brings the enterprise's entries in that version, the run behind them (its
catalog) and the run's result, dimension levels and elements. Nothing loops over records or
entries in Python.

The fact statements are built once, at import, with bound parameters: a quote is a hot path
(see bench/quotes.py), and building SQL expressions costs more than running these look-ups.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from zhixin.accounts.models import Tenant
from zhixin.enterprises.models import Enterprise
from zhixin.evaluation.models import (
    CatalogVersion,
    EvaluationDimension,
    EvaluationElement,
    EvaluationResult,
    EvaluationRun,
)
from zhixin.quotes.models import Quote
from zhixin.records.models import QualityRecord
from zhixin.whitelist.models import WhitelistEntry, WhitelistPublication

# Quality penalties (质量类行政处罚): the penalty categories that are about quality; advertising,
# pricing and "other" penalties are not.
QUALITY_PENALTY_SUBTYPES = ("产品质量", "计量", "标准化", "认证认可", "特种设备", "食品安全")

# -- enterprises -----------------------------------------------------------------------------

_ent = Enterprise.__table__
_ENTERPRISE = select(
    _ent.c.id,
    _ent.c.uscc,
    _ent.c.name,
    _ent.c.size_class,
    _ent.c.region_code,
    _ent.c.established_on,
).where(_ent.c.id == bindparam("eid", type_=Integer))


@dataclass(frozen=True)
class Identity:
    id: int
    uscc: str
    name: str
    size_class: str | None
    region_code: str | None
    established_on: date | None


def enterprise(session: Session, enterprise_id: int) -> Identity | None:
    row = session.execute(_ENTERPRISE, {"eid": enterprise_id}).first()
    if row is None:
        return None
    return Identity(int(row[0]), str(row[1]), str(row[2]), row[3], row[4], row[5])


def enterprise_id_by_uscc(session: Session, uscc: str) -> int | None:
    found = session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))
    return int(found) if found is not None else None


def tenant_code(session: Session, tenant_id: int) -> str | None:
    code = session.scalar(select(Tenant.code).where(Tenant.id == tenant_id))
    return str(code) if code is not None else None


# -- the whitelist version in force ----------------------------------------------------------

_pub = WhitelistPublication.__table__
_PUBLICATION = (
    select(_pub.c.id, _pub.c.version, _pub.c.run_id)
    .where(
        _pub.c.status == "published",
        _pub.c.catalog_name == bindparam("catalog", type_=String),
        _pub.c.published_at < bindparam("before", type_=_pub.c.published_at.type),
    )
    .order_by(_pub.c.version.desc())
    .limit(1)
)


@dataclass(frozen=True)
class PublicationRef:
    id: int
    version: int
    run_id: int


def publication_in_force(
    session: Session, *, catalog: str, published_before: datetime
) -> PublicationRef | None:
    """The newest published version of ``catalog`` published before the given moment."""
    row = session.execute(_PUBLICATION, {"catalog": catalog, "before": published_before}).first()
    if row is None or row.version is None:
        return None
    return PublicationRef(int(row.id), int(row.version), int(row.run_id))


# -- the enterprise's grade in a version: one round trip -------------------------------------

_we = WhitelistEntry.__table__
_run = EvaluationRun.__table__
_res = EvaluationResult.__table__
_dim = EvaluationDimension.__table__
_el = EvaluationElement.__table__
_P, _E, _R = (
    bindparam("pub", type_=Integer),
    bindparam("eid", type_=Integer),
    bindparam("pub_run", type_=Integer),
)
# The run that evaluated the enterprise for this version: its entries name it (a delta version
# mixes runs); an enterprise without entries is read from the version's own run.
_RUN_OF = func.coalesce(
    select(func.max(_we.c.run_id))
    .where(_we.c.publication_id == _P, _we.c.enterprise_id == _E)
    .scalar_subquery(),
    _R,
)
_GRADE = union_all(
    select(
        literal("entry", String).label("kind"),
        _we.c.dimension.label("a"),
        _we.c.level.label("b"),
        cast(null(), String).label("c"),
        _we.c.run_id.label("n"),
    ).where(_we.c.publication_id == _P, _we.c.enterprise_id == _E),
    select(
        literal("run", String),
        _run.c.catalog_name,
        _run.c.catalog_sha256,
        cast(_run.c.catalog_version_id, String),
        _run.c.id,
    ).where(_run.c.id == _RUN_OF),
    select(
        literal("result", String),
        _res.c.overall_level,
        cast(_res.c.total_score, String),
        cast(null(), String),
        _res.c.run_id,
    ).where(_res.c.run_id == _RUN_OF, _res.c.enterprise_id == _E),
    select(
        literal("dimension", String),
        _dim.c.dimension,
        _dim.c.level,
        cast(null(), String),
        _dim.c.run_id,
    ).where(_dim.c.run_id == _RUN_OF, _dim.c.enterprise_id == _E),
    select(
        literal("element", String),
        _el.c.element,
        _el.c.level,
        cast(null(), String),
        _el.c.run_id,
    ).where(_el.c.run_id == _RUN_OF, _el.c.enterprise_id == _E),
)


@dataclass(frozen=True)
class Graded:
    """What a version says of an enterprise, with the run (and catalog) behind it."""

    entries: dict[str, str]  # dimension → level code, in the version
    run_id: int | None = None
    catalog_name: str | None = None
    catalog_sha256: str | None = None
    catalog_version_id: int | None = None
    evaluated: bool = False  # the run has a result for the enterprise
    total_score: Decimal | None = None
    overall_level: str | None = None
    dimensions: dict[str, str] = field(default_factory=dict)  # dimension → level code
    elements: frozenset[str] = frozenset()


def graded(
    session: Session, *, publication_id: int, publication_run_id: int, enterprise_id: int
) -> Graded:
    rows = session.execute(
        _GRADE, {"pub": publication_id, "eid": enterprise_id, "pub_run": publication_run_id}
    ).all()
    entries: dict[str, str] = {}
    dims: dict[str, str] = {}
    elements: set[str] = set()
    found: dict[str, Any] = {}
    for kind, a, b, c, n in rows:
        if kind == "entry":
            entries[str(a)] = str(b)
        elif kind == "run":
            found.update(run_id=int(n), catalog_name=a, catalog_sha256=b, catalog_version_id=c)
        elif kind == "result":
            score = None if b is None else Decimal(str(b)).quantize(Decimal("0.01"))
            found.update(evaluated=True, overall_level=a, total_score=score)
        elif kind == "dimension" and b:
            dims[str(a)] = str(b)
        elif kind == "element":
            elements.add(str(a))
    if "catalog_version_id" in found:
        found["catalog_version_id"] = int(found["catalog_version_id"])
    return Graded(entries=entries, dimensions=dims, elements=frozenset(elements), **found)


def catalog_body(session: Session, catalog_version_id: int) -> dict[str, object] | None:
    body = session.scalar(
        select(CatalogVersion.body).where(CatalogVersion.id == catalog_version_id)
    )
    return dict(body) if body is not None else None


# -- quality records -------------------------------------------------------------------------

_q = QualityRecord.__table__
_ON = bindparam("on", type_=Date)
_RECORDS = (
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


@dataclass(frozen=True)
class RecordCounts:
    valid_invention_patents: int
    titles: frozenset[str]
    awards: frozenset[str]
    quality_penalties: int


def record_counts(
    session: Session, *, enterprise_id: int, on: date, award_from_year: int, penalty_after: date
) -> RecordCounts:
    """One grouped query over the enterprise's current records (superseded and removed rows
    excluded) of four kinds, each with its own as-of condition:

    - ``patent``: invention patents (发明) in force (有效) granted on or before ``on``;
    - ``title``: titles whose validity covers ``on`` (an open end is unlimited);
    - ``award``: awards of the years ``award_from_year`` … ``on.year``;
    - ``penalty``: quality penalties (:data:`QUALITY_PENALTY_SUBTYPES`) dated in
      (``penalty_after``, ``on``] and not credit-repaired by ``on``.
    """
    rows = session.execute(
        _RECORDS,
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
    return RecordCounts(patents, frozenset(titles), frozenset(awards), penalties)


# -- quotes ----------------------------------------------------------------------------------


_INSERT_QUOTE = insert(typing.cast(Table, Quote.__table__))


def add_quote(session: Session, values: dict[str, Any]) -> int:
    """Insert one quote (a Core insert: a quote is never loaded back into this session)."""
    result = typing.cast(CursorResult[Any], session.execute(_INSERT_QUOTE, values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def quote_by_id(session: Session, quote_id: int) -> Quote | None:
    return session.get(Quote, quote_id)


def quotes_of_enterprise(session: Session, enterprise_id: int, limit: int = 50) -> Sequence[Quote]:
    return session.scalars(
        select(Quote)
        .where(Quote.enterprise_id == enterprise_id)
        .order_by(Quote.id.desc())
        .limit(limit)
    ).all()
