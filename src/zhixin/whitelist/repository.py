"""Every query of the whitelist domain. Entries and changes move as set operations in SQL
(``INSERT ... SELECT``, anti-joins, ``UNION ALL``), never row by row through Python."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from zhixin.enterprises.models import Enterprise
from zhixin.evaluation.models import (
    CatalogVersion,
    EvaluationDimension,
    EvaluationElement,
    EvaluationGate,
    EvaluationResult,
    EvaluationRun,
)
from zhixin.kit.db import begin_write, insert_if_absent
from zhixin.records.models import QualityRecord
from zhixin.whitelist.models import (
    WhitelistChange,
    WhitelistEntry,
    WhitelistHead,
    WhitelistPublication,
)

DiffQuery = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]
ENTRY_COLUMNS = ["publication_id", "enterprise_id", "dimension", "level", "level_rank", "points"]


# -- publications ----------------------------------------------------------------------------


def head_for_update(session: Session) -> WhitelistHead:
    """The single head row, locked until commit: publications are numbered one at a time."""
    begin_write(session)  # SQLite: no row locks, the transaction writes from here
    stmt = select(WhitelistHead).where(WhitelistHead.id == 1).with_for_update()
    head = session.scalar(stmt.execution_options(populate_existing=True))
    if head is None:  # the first publication: two publishers may get here at once
        insert_if_absent(session, WhitelistHead, {"id": 1, "last_version": 0, "last_seq": 0})
        head = session.scalar(stmt.execution_options(populate_existing=True))
        assert head is not None
    return head


def publication_by_id(session: Session, publication_id: int) -> WhitelistPublication | None:
    return session.get(WhitelistPublication, publication_id)


def publication_for_update(session: Session, publication_id: int) -> WhitelistPublication | None:
    """The publication row, read afresh and locked until commit (SQLite: the transaction writes
    from here, in the writer queue), so a review or a publication decides on the status as it
    is committed: twenty approvals at once wait their turn, and the 19 after the first find it
    published (PostgreSQL, MariaDB: ``SELECT … FOR UPDATE`` reads the latest committed row)."""
    begin_write(session)
    stmt = (
        select(WhitelistPublication)
        .where(WhitelistPublication.id == publication_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def publication_by_version(session: Session, version: int) -> WhitelistPublication | None:
    return session.scalar(
        select(WhitelistPublication).where(
            WhitelistPublication.version == version, WhitelistPublication.status == "published"
        )
    )


def latest_published(
    session: Session, catalog: str | None = None, *, before: int | None = None
) -> WhitelistPublication | None:
    """The newest published version, or the newest of ``catalog``'s versions (before version
    ``before`` when given)."""
    stmt = select(WhitelistPublication).where(WhitelistPublication.status == "published")
    if catalog is not None:
        stmt = stmt.where(WhitelistPublication.catalog_name == catalog)
    if before is not None:
        stmt = stmt.where(WhitelistPublication.version < before)
    return session.scalar(stmt.order_by(WhitelistPublication.version.desc()).limit(1))


def in_force_versions(session: Session) -> Sequence[WhitelistPublication]:
    """The version in force of each catalog (its newest published version), newest first."""
    p = WhitelistPublication
    newest = (
        select(p.catalog_name.label("catalog"), func.max(p.version).label("version"))
        .where(p.status == "published")
        .group_by(p.catalog_name)
        .subquery()
    )
    stmt = (
        select(p)
        .join(newest, and_(p.catalog_name == newest.c.catalog, p.version == newest.c.version))
        .where(p.status == "published")
        .order_by(p.version.desc())
    )
    return session.scalars(stmt).all()


def listed_in_region(session: Session, *, publication_id: int, prefix: str) -> int:
    """How many distinct enterprises of region ``prefix`` (a code prefix) the version lists."""
    stmt = (
        select(func.count(func.distinct(WhitelistEntry.enterprise_id)))
        .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
        .where(
            WhitelistEntry.publication_id == publication_id,
            Enterprise.region_code.like(f"{prefix}%"),
        )
    )
    return int(session.scalar(stmt) or 0)


def listing_publication(
    session: Session, *, publication_ids: Sequence[int], enterprise_id: int
) -> set[int]:
    """Which of the publications list the enterprise (at least one entry)."""
    if not publication_ids:
        return set()
    stmt = (
        select(WhitelistEntry.publication_id)
        .where(
            WhitelistEntry.publication_id.in_(list(publication_ids)),
            WhitelistEntry.enterprise_id == enterprise_id,
        )
        .distinct()
    )
    return {int(i) for i in session.scalars(stmt)}


def publications(
    session: Session, *, published_only: bool, limit: int = 200
) -> Sequence[WhitelistPublication]:
    stmt = select(WhitelistPublication)
    if published_only:
        stmt = stmt.where(WhitelistPublication.status == "published")
    return session.scalars(stmt.order_by(WhitelistPublication.id.desc()).limit(limit)).all()


def run_by_id(session: Session, run_id: int) -> EvaluationRun | None:
    return session.get(EvaluationRun, run_id)


def catalog_version(session: Session, version_id: int) -> CatalogVersion | None:
    return session.get(CatalogVersion, version_id)


# -- entries, written in bulk ----------------------------------------------------------------


def _rank(level: Any, ranks: Mapping[str, int]) -> Any:
    return case(dict(ranks), value=level, else_=99)


def insert_from_run(
    session: Session, *, publication_id: int, run_id: int, ranks: Mapping[str, int]
) -> None:
    """A full version: every listed dimension of the run."""
    d = EvaluationDimension
    src = select(
        literal(publication_id),
        d.enterprise_id,
        d.dimension,
        d.level,
        _rank(d.level, ranks),
        d.points,
        d.run_id,
    ).where(d.run_id == run_id, d.listed.is_(True))
    session.execute(insert(WhitelistEntry).from_select([*ENTRY_COLUMNS, "run_id"], src))


def insert_delta(
    session: Session,
    *,
    publication_id: int,
    base_id: int,
    run_id: int,
    ranks: Mapping[str, int],
    replace: str,
) -> None:
    """The base version's entries with some enterprises replaced by the run's result.

    ``replace="evaluated"``: every enterprise the run evaluated is replaced (a delta version);
    ``replace="gated"``: only enterprises the run found gated are replaced — they are removed
    (an urgent version).
    """
    e = WhitelistEntry
    if replace == "gated":
        touched = (
            exists()
            .where(EvaluationGate.run_id == run_id)
            .where(EvaluationGate.enterprise_id == e.enterprise_id)
        )
    else:
        touched = (
            exists()
            .where(EvaluationResult.run_id == run_id)
            .where(EvaluationResult.enterprise_id == e.enterprise_id)
        )
    kept = select(
        literal(publication_id),
        e.enterprise_id,
        e.dimension,
        e.level,
        e.level_rank,
        e.points,
        e.run_id,
    ).where(e.publication_id == base_id, ~touched)
    session.execute(insert(WhitelistEntry).from_select([*ENTRY_COLUMNS, "run_id"], kept))
    if replace == "evaluated":
        insert_from_run(session, publication_id=publication_id, run_id=run_id, ranks=ranks)


def entry_counts(session: Session, publication_id: int) -> tuple[int, int]:
    """(enterprises, entries) of a publication."""
    e = WhitelistEntry
    row = session.execute(
        select(func.count(func.distinct(e.enterprise_id)), func.count()).where(
            e.publication_id == publication_id
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def entries_after(
    session: Session, *, publication_id: int, after: tuple[int, str] | None, limit: int
) -> list[Any]:
    """Keyset page by (enterprise_id, dimension), with the enterprise's identity."""
    e = WhitelistEntry
    stmt = (
        select(
            e.enterprise_id,
            e.dimension,
            e.level,
            e.points,
            Enterprise.uscc,
            Enterprise.name,
            Enterprise.region_code,
            Enterprise.industry_code,
            Enterprise.size_class,
        )
        .outerjoin(Enterprise, Enterprise.id == e.enterprise_id)
        .where(e.publication_id == publication_id)
    )
    if after is not None:
        eid, dim = after
        # the redundant ``>=`` lets SQLite and PostgreSQL seek the primary key to the cursor
        # instead of scanning the version from its first entry on every page
        stmt = stmt.where(
            e.enterprise_id >= eid,
            or_(e.enterprise_id > eid, and_(e.enterprise_id == eid, e.dimension > dim)),
        )
    return list(session.execute(stmt.order_by(e.enterprise_id, e.dimension).limit(limit)))


@dataclass(frozen=True)
class EntryFilter:
    """What a reader narrows a version's list to: a name fragment or a USCC (prefix), an
    administrative-division prefix (``3502`` = 厦门市), a GB/T 4754 门类 or 大类 prefix (``C``,
    ``C39``), a dimension and a level code. Empty fields filter nothing."""

    q: str = ""
    region: str = ""
    industry: str = ""
    dimension: str = ""
    level: str = ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def entries_filtered(
    session: Session, *, publication_id: int, where: EntryFilter, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of a version's entries narrowed by ``where`` (in (enterprise, dimension) order)
    and how many entries match in all."""
    e = WhitelistEntry
    conds: list[ColumnElement[bool]] = [e.publication_id == publication_id]
    if where.q:
        q = _escape_like(where.q)
        conds.append(
            or_(
                Enterprise.name.like(f"%{q}%", escape="\\"),
                Enterprise.uscc.like(f"{q.upper()}%", escape="\\"),
            )
        )
    if where.region:
        conds.append(Enterprise.region_code.like(f"{_escape_like(where.region)}%", escape="\\"))
    if where.industry:
        conds.append(Enterprise.industry_code.like(f"{_escape_like(where.industry)}%", escape="\\"))
    if where.dimension:
        conds.append(e.dimension == where.dimension)
    if where.level:
        conds.append(e.level == where.level)
    base = select(
        e.enterprise_id,
        e.dimension,
        e.level,
        e.points,
        Enterprise.uscc,
        Enterprise.name,
        Enterprise.region_code,
        Enterprise.industry_code,
        Enterprise.size_class,
    ).outerjoin(Enterprise, Enterprise.id == e.enterprise_id)
    total = session.execute(
        select(func.count())
        .select_from(e)
        .outerjoin(Enterprise, Enterprise.id == e.enterprise_id)
        .where(*conds)
    ).scalar_one()
    rows = session.execute(
        base.where(*conds).order_by(e.enterprise_id, e.dimension).limit(limit).offset(offset)
    )
    return list(rows), int(total)


def entries_of(session: Session, *, publication_id: int, enterprise_id: int) -> Sequence[Any]:
    return session.scalars(
        select(WhitelistEntry).where(
            WhitelistEntry.publication_id == publication_id,
            WhitelistEntry.enterprise_id == enterprise_id,
        )
    ).all()


def dimensions_of(session: Session, *, run_id: int, enterprise_id: int) -> Sequence[Any]:
    return session.scalars(
        select(EvaluationDimension).where(
            EvaluationDimension.run_id == run_id,
            EvaluationDimension.enterprise_id == enterprise_id,
        )
    ).all()


_STAT_KEYS = {
    "level": WhitelistEntry.level,
    "dimension": WhitelistEntry.dimension,
    "region": Enterprise.region_code,
    "industry": func.substr(Enterprise.industry_code, 1, 1),  # 门类 (GB/T 4754 section)
    "size": Enterprise.size_class,
}


def statistics(
    session: Session, *, publication_id: int, by: str
) -> list[tuple[str | None, int, int]]:
    """(key, entries, enterprises) grouped by level, dimension, region, industry or size."""
    key = _STAT_KEYS[by]
    e = WhitelistEntry
    stmt = select(key, func.count(), func.count(func.distinct(e.enterprise_id))).where(
        e.publication_id == publication_id
    )
    if by in {"region", "industry", "size"}:
        stmt = stmt.outerjoin(Enterprise, Enterprise.id == e.enterprise_id)
    rows = session.execute(stmt.group_by(key).order_by(key))
    return [(k, int(n), int(m)) for k, n, m in rows]


# -- the diff of two publications, as set operations -----------------------------------------


def _dimension_of_element(
    element: Any, dimension: Any, element_dims: Mapping[str, Sequence[str]]
) -> ColumnElement[bool]:
    conds = [
        and_(dimension == dim, element.in_(list(codes)))
        for dim, codes in element_dims.items()
        if codes
    ]
    return or_(*conds) if conds else false()


def diff_select(
    *, old_id: int | None, new_id: int, new_run_id: int, element_dims: Mapping[str, Sequence[str]]
) -> DiffQuery:
    """enterprise_id, dimension, change, old_level, new_level, reason: every change from the
    old publication to the new one (``old_id=None``: everything is added)."""
    a = aliased(WhitelistEntry, name="a")
    b = aliased(WhitelistEntry, name="b")
    added: Select[*tuple[Any, ...]] = select(
        b.enterprise_id.label("enterprise_id"),
        b.dimension.label("dimension"),
        literal("added").label("change"),
        null().label("old_level"),
        b.level.label("new_level"),
        null().label("reason"),
    ).where(b.publication_id == new_id)
    if old_id is None:
        return added
    added = added.where(
        ~exists().where(
            a.publication_id == old_id,
            a.enterprise_id == b.enterprise_id,
            a.dimension == b.dimension,
        )
    )
    oe = aliased(EvaluationElement, name="oe")
    ne = aliased(EvaluationElement, name="ne")
    gated = exists().where(
        EvaluationGate.run_id == new_run_id, EvaluationGate.enterprise_id == a.enterprise_id
    )
    evaluated = exists().where(
        EvaluationResult.run_id == new_run_id, EvaluationResult.enterprise_id == a.enterprise_id
    )
    lost = exists().where(
        oe.run_id == a.run_id,
        oe.enterprise_id == a.enterprise_id,
        _dimension_of_element(oe.element, a.dimension, element_dims),
        ~exists().where(
            ne.run_id == new_run_id, ne.enterprise_id == oe.enterprise_id, ne.element == oe.element
        ),
    )
    removed = select(
        a.enterprise_id,
        a.dimension,
        literal("removed"),
        a.level,
        null(),
        case((gated, "gate"), (~evaluated, "absent"), (lost, "expired"), else_="below"),
    ).where(
        a.publication_id == old_id,
        ~exists().where(
            b.publication_id == new_id,
            b.enterprise_id == a.enterprise_id,
            b.dimension == a.dimension,
        ),
    )
    changed = (
        select(
            b.enterprise_id,
            b.dimension,
            case((b.level_rank < a.level_rank, "upgraded"), else_="downgraded"),
            a.level,
            b.level,
            null(),
        )
        .join(
            a,
            and_(
                a.publication_id == old_id,
                a.enterprise_id == b.enterprise_id,
                a.dimension == b.dimension,
            ),
        )
        .where(b.publication_id == new_id, a.level_rank != b.level_rank)
    )
    return union_all(added, removed, changed)


def diff_counts(session: Session, diff: DiffQuery) -> list[tuple[str, str | None, int]]:
    """(change, reason, count)."""
    u = diff.subquery("d")
    rows = session.execute(
        select(u.c.change, u.c.reason, func.count()).group_by(u.c.change, u.c.reason)
    )
    return [(str(c), r, int(n)) for c, r, n in rows]


def diff_rows(
    session: Session,
    diff: DiffQuery,
    *,
    change: str | None,
    limit: int,
    offset: int = 0,
    after: tuple[int, str] | None = None,
) -> list[Any]:
    """A page of the diff (by offset for pages, by key for exports), with identities."""
    u = diff.subquery("d")
    stmt = select(u, Enterprise.uscc, Enterprise.name).outerjoin(
        Enterprise, Enterprise.id == u.c.enterprise_id
    )
    if change is not None:
        stmt = stmt.where(u.c.change == change)
    if after is not None:
        eid, dim = after
        stmt = stmt.where(
            or_(u.c.enterprise_id > eid, and_(u.c.enterprise_id == eid, u.c.dimension > dim))
        )
    stmt = stmt.order_by(u.c.enterprise_id, u.c.dimension).limit(limit).offset(offset)
    return list(session.execute(stmt))


def write_changes(
    session: Session, diff: DiffQuery, *, publication_id: int, version: int, base_seq: int
) -> int:
    """Append the diff to the change log, numbered ``base_seq + 1 ...`` in key order."""
    u = diff.subquery("d")
    src = select(
        (literal(base_seq) + func.row_number().over(order_by=(u.c.enterprise_id, u.c.dimension))),
        literal(version),
        literal(publication_id),
        u.c.enterprise_id,
        u.c.dimension,
        u.c.change,
        u.c.old_level,
        u.c.new_level,
        u.c.reason,
    )
    session.execute(
        insert(WhitelistChange).from_select(
            [
                "seq",
                "version",
                "publication_id",
                "enterprise_id",
                "dimension",
                "change",
                "old_level",
                "new_level",
                "reason",
            ],
            src,
        )
    )
    return int(session.scalar(select(func.count()).where(WhitelistChange.version == version)) or 0)


def changes_after(session: Session, *, seq: int, limit: int) -> Sequence[WhitelistChange]:
    return session.scalars(
        select(WhitelistChange)
        .where(WhitelistChange.seq > seq)
        .order_by(WhitelistChange.seq)
        .limit(limit)
    ).all()


# -- evidence for reasons, and what changed since --------------------------------------------


def gates_of(session: Session, *, run_id: int, enterprise_ids: Sequence[int]) -> Sequence[Any]:
    if not enterprise_ids:
        return []
    return session.scalars(
        select(EvaluationGate).where(
            EvaluationGate.run_id == run_id, EvaluationGate.enterprise_id.in_(list(enterprise_ids))
        )
    ).all()


def elements_of(
    session: Session, *, run_ids: Sequence[int], enterprise_ids: Sequence[int]
) -> list[tuple[int, int, str]]:
    """(run_id, enterprise_id, element)."""
    if not enterprise_ids or not run_ids:
        return []
    rows = session.execute(
        select(
            EvaluationElement.run_id, EvaluationElement.enterprise_id, EvaluationElement.element
        ).where(
            EvaluationElement.run_id.in_(list(run_ids)),
            EvaluationElement.enterprise_id.in_(list(enterprise_ids)),
        )
    )
    return [(int(r), int(e), str(el)) for r, e, el in rows]


def entry_runs(
    session: Session, *, publication_id: int, enterprise_ids: Sequence[int]
) -> dict[tuple[int, str], int]:
    if not enterprise_ids:
        return {}
    rows = session.execute(
        select(WhitelistEntry.enterprise_id, WhitelistEntry.dimension, WhitelistEntry.run_id).where(
            WhitelistEntry.publication_id == publication_id,
            WhitelistEntry.enterprise_id.in_(list(enterprise_ids)),
        )
    )
    return {(int(e), str(d)): int(r) for e, d, r in rows}


def touched_since(session: Session, since: datetime, *, catalog: str | None = None) -> list[int]:
    """Enterprises with a record that became known, or was superseded, after ``since``; with
    ``catalog``, only those a run of that catalog has evaluated (the catalog's firms: a firm of
    another catalog's region is not re-graded on this one)."""
    q = QualityRecord
    stmt = select(q.enterprise_id).where(or_(q.known_at > since, q.superseded_at > since))
    if catalog is not None:
        graded = (
            select(EvaluationResult.enterprise_id)
            .join(EvaluationRun, EvaluationRun.id == EvaluationResult.run_id)
            .where(
                EvaluationRun.catalog_name == catalog,
                EvaluationResult.enterprise_id == q.enterprise_id,
            )
            .exists()
        )
        stmt = stmt.where(graded)
    rows = session.scalars(stmt.distinct().order_by(q.enterprise_id))
    return [int(i) for i in rows]


def gated_in_run(session: Session, *, run_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(func.distinct(EvaluationGate.enterprise_id))).where(
                EvaluationGate.run_id == run_id
            )
        )
        or 0
    )


# -- an enterprise's standing in the version in force: one round trip, built once ------------
# A quote reads it (a hot path, bench/quotes.py): built at import with bound values, so
# SQLAlchemy neither builds it nor computes its cache key per call.

_pub = WhitelistPublication.__table__
_we = WhitelistEntry.__table__
_IN_FORCE = (
    select(_pub.c.id)
    .where(
        _pub.c.status == "published",
        _pub.c.catalog_name == bindparam("catalog", type_=String),
        _pub.c.published_at < bindparam("before", type_=_pub.c.published_at.type),
    )
    .order_by(_pub.c.version.desc())
    .limit(1)
    .scalar_subquery()
)
_STANDING = union_all(
    select(
        literal("version", String).label("kind"),
        _pub.c.version.label("n"),
        _pub.c.run_id.label("run_id"),
        cast(null(), String).label("dimension"),
        cast(null(), String).label("level"),
        _pub.c.id.label("pub_id"),
    ).where(_pub.c.id == _IN_FORCE),
    select(
        literal("entry", String),
        cast(null(), Integer),
        _we.c.run_id,
        _we.c.dimension,
        _we.c.level,
        _we.c.publication_id,
    ).where(_we.c.publication_id == _IN_FORCE, _we.c.enterprise_id == bindparam("eid", Integer)),
)


@dataclass(frozen=True)
class Standing:
    """The version of a catalog in force at a moment, and an enterprise's entries in it."""

    publication_id: int
    version: int
    run_id: int  # the run that evaluated the enterprise for this version (see ``standing``)
    entries: dict[str, str]  # dimension → level code


def standing(
    session: Session, *, catalog: str, published_before: datetime, enterprise_id: int
) -> Standing | None:
    """The newest published version of ``catalog`` published before the moment, with the
    enterprise's entries in it; None when nothing was published by then. The run named is the
    one its entries came from (a delta version mixes runs), else the version's own run."""
    rows = session.execute(
        _STANDING, {"catalog": catalog, "before": published_before, "eid": enterprise_id}
    ).all()
    version = pub_id = run_id = None
    entries: dict[str, str] = {}
    entry_runs: list[int] = []
    for kind, n, run, dimension, level, publication in rows:
        if kind == "version":
            version, run_id, pub_id = n, run, publication
        else:
            entries[str(dimension)] = str(level)
            entry_runs.append(int(run))
    if version is None or pub_id is None or run_id is None:
        return None
    run_of = max(entry_runs) if entry_runs else int(run_id)
    return Standing(int(pub_id), int(version), run_of, entries)


def published_catalogs(session: Session, *, published_before: datetime) -> list[str]:
    """The catalogs with a version published before the moment."""
    p = WhitelistPublication
    return [
        str(c)
        for c in session.scalars(
            select(p.catalog_name)
            .where(p.status == "published", p.published_at < published_before)
            .distinct()
            .order_by(p.catalog_name)
        )
    ]


# -- quality linkage after the loan (zhixin.linkage reads through whitelist.service) ----------


def removals_after(session: Session, *, seq: int, limit: int) -> Sequence[Any]:
    """Removed changes after ``seq`` whose enterprise has no entry left in that publication
    (off the whitelist altogether): seq, version, publication_id, enterprise_id, dimension."""
    left = (
        select(WhitelistEntry.enterprise_id)
        .where(
            WhitelistEntry.publication_id == WhitelistChange.publication_id,
            WhitelistEntry.enterprise_id == WhitelistChange.enterprise_id,
        )
        .exists()
    )
    return session.execute(
        select(
            WhitelistChange.seq,
            WhitelistChange.version,
            WhitelistChange.publication_id,
            WhitelistChange.enterprise_id,
            WhitelistChange.dimension,
        )
        .where(WhitelistChange.seq > seq, WhitelistChange.change == "removed", ~left)
        .order_by(WhitelistChange.seq)
        .limit(limit)
    ).all()


def last_change_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(WhitelistChange.seq))) or 0)


def listed_select(publication_id: int) -> Any:
    """Enterprise ids with an entry in the publication (set-based)."""
    return select(WhitelistEntry.enterprise_id).where(
        WhitelistEntry.publication_id == publication_id
    )


def listed_in_force(
    session: Session, *, catalog: str, published_before: datetime
) -> tuple[int, Any] | None:
    """(version, a select of (enterprise_id, run_id) — each firm listed in it and the run its
    entries came from, as :func:`standing` names it) for the version of ``catalog`` in force at
    the moment; None when nothing was published by then."""
    pub = session.execute(
        select(_pub.c.id, _pub.c.version).where(_pub.c.id == _IN_FORCE),
        {"catalog": catalog, "before": published_before},
    ).first()
    if pub is None:
        return None
    pairs = (
        select(
            WhitelistEntry.enterprise_id.label("enterprise_id"),
            func.max(WhitelistEntry.run_id).label("run_id"),
        )
        .where(WhitelistEntry.publication_id == pub[0])
        .group_by(WhitelistEntry.enterprise_id)
    )
    return int(pub[1]), pairs
