"""Reads about an enterprise's place on the whitelist: the evaluation evidence behind its
entries, what changed since a moment, its standing in the version in force (one round trip,
built at import), and the removals and listings that the quality linkage after the loan reads.
Queries only; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from zhixin.evaluation.models import (
    EvaluationElement,
    EvaluationGate,
    EvaluationResult,
    EvaluationRun,
)
from zhixin.records.models import QualityRecord
from zhixin.whitelist.models import (
    WhitelistChange,
    WhitelistEntry,
    WhitelistPublication,
)

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
