"""The whitelist's entries: written in bulk from an evaluation run (a full version or a delta on
the previous one, ``INSERT ... SELECT``), read by page and filter, counted, and gathered into
statistics. Queries only; never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from zhixin.enterprises.models import Enterprise
from zhixin.evaluation.models import (
    EvaluationDimension,
    EvaluationGate,
    EvaluationResult,
)
from zhixin.whitelist.models import (
    WhitelistEntry,
)

ENTRY_COLUMNS = ["publication_id", "enterprise_id", "dimension", "level", "level_rank", "points"]


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
