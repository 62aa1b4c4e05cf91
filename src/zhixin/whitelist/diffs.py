"""The diff of two whitelist publications, as set operations (anti-joins, ``UNION ALL``), and the
change feed it is written to. Queries only; never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    and_,
    case,
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
    EvaluationElement,
    EvaluationGate,
    EvaluationResult,
)
from zhixin.whitelist.models import (
    WhitelistChange,
    WhitelistEntry,
)

DiffQuery = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]


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
