"""Every select() of the enterprises domain."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, bindparam, func, or_, select
from sqlalchemy.orm import Session

from zhixin.enterprises.models import Enterprise


def by_id(session: Session, enterprise_id: int) -> Enterprise | None:
    return session.get(Enterprise, enterprise_id)


def by_uscc(session: Session, uscc: str) -> Enterprise | None:
    return session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


def ids_by_uscc(session: Session, usccs: Sequence[str]) -> dict[str, int]:
    rows = session.execute(select(Enterprise.uscc, Enterprise.id).where(Enterprise.uscc.in_(usccs)))
    return {u: i for u, i in rows}


def search(
    session: Session,
    *,
    q: str,
    region_code: str | None,
    only_id: int | None,
    limit: int,
    offset: int,
    region_prefix: str | None = None,
) -> tuple[Sequence[Enterprise], int]:
    stmt = select(Enterprise)
    if q:
        if q.isalnum() and q.isascii() and len(q) >= 2:
            stmt = stmt.where(
                or_(Enterprise.uscc.startswith(q.upper()), Enterprise.name.contains(q))
            )
        else:
            stmt = stmt.where(Enterprise.name.contains(q, autoescape=True))
    if region_code:
        stmt = stmt.where(Enterprise.region_code == region_code)
    if only_id is not None:
        stmt = stmt.where(Enterprise.id == only_id)
    if region_prefix is not None:  # a regulator's jurisdiction
        stmt = stmt.where(Enterprise.region_code.startswith(region_prefix, autoescape=True))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Enterprise.id).limit(limit).offset(offset)).all()
    return rows, int(total)


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Enterprise)) or 0)


def names_by_ids(
    session: Session, ids: Sequence[int], *, region_prefix: str | None = None
) -> dict[int, tuple[str, str]]:
    """id → (uscc, name) for the given ids (within ``region_prefix`` when given)."""
    if not ids:
        return {}
    stmt = select(Enterprise.id, Enterprise.uscc, Enterprise.name).where(Enterprise.id.in_(ids))
    if region_prefix is not None:
        stmt = stmt.where(Enterprise.region_code.startswith(region_prefix, autoescape=True))
    return {i: (u, n) for i, u, n in session.execute(stmt)}


def regions_by_ids(session: Session, ids: Sequence[int]) -> dict[int, str | None]:
    """id → region code (administrative division) for the given ids, 1,000 ids a statement."""
    out: dict[int, str | None] = {}
    unique = sorted(set(ids))
    for k in range(0, len(unique), 1000):
        chunk = unique[k : k + 1000]
        stmt = select(Enterprise.id, Enterprise.region_code).where(Enterprise.id.in_(chunk))
        out.update({int(i): r for i, r in session.execute(stmt)})
    return out


def places_by_ids(
    session: Session, ids: Sequence[int]
) -> dict[int, tuple[str, str | None, str | None]]:
    """id → (name, region code, industry code) for the given ids, 1,000 ids a statement."""
    out: dict[int, tuple[str, str | None, str | None]] = {}
    unique = sorted(set(ids))
    e = Enterprise
    for k in range(0, len(unique), 1000):
        chunk = unique[k : k + 1000]
        stmt = select(e.id, e.name, e.region_code, e.industry_code).where(e.id.in_(chunk))
        rows = session.connection().execute(stmt)  # Core rows: no ORM loading per row
        out.update({int(i): (n, r, c) for i, n, r, c in rows})
    return out


def regions_among(session: Session, ids: Any) -> dict[int, str | None]:
    """id → region code of the enterprises whose ids ``ids`` (a subquery) selects."""
    e = Enterprise
    rows = session.connection().execute(select(e.id, e.region_code).where(e.id.in_(ids)))
    return {int(i): r for i, r in rows}


def ids_in_region(session: Session, ids: Sequence[int], region_prefix: str) -> set[int]:
    """Those of ``ids`` whose region code starts with ``region_prefix``."""
    if not ids:
        return set()
    rows = session.scalars(
        select(Enterprise.id).where(
            Enterprise.id.in_(set(ids)),
            Enterprise.region_code.startswith(region_prefix, autoescape=True),
        )
    )
    return set(rows)


# -- an enterprise's identity: a hot path (quotes), its statement built once -----------------

_ent = Enterprise.__table__
_IDENTITY = select(
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


def identity(session: Session, enterprise_id: int) -> Identity | None:
    row = session.execute(_IDENTITY, {"eid": enterprise_id}).first()
    if row is None:
        return None
    return Identity(int(row[0]), str(row[1]), str(row[2]), row[3], row[4], row[5])


def id_by_uscc(session: Session, uscc: str) -> int | None:
    found = session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))
    return int(found) if found is not None else None


def identities_among(session: Session, ids: Any) -> dict[int, Identity]:
    """The identity of each enterprise whose id the select ``ids`` yields (one round trip)."""
    stmt = select(
        _ent.c.id,
        _ent.c.uscc,
        _ent.c.name,
        _ent.c.size_class,
        _ent.c.region_code,
        _ent.c.established_on,
    ).where(_ent.c.id.in_(ids))
    return {
        int(r[0]): Identity(int(r[0]), str(r[1]), str(r[2]), r[3], r[4], r[5])
        for r in session.connection().execute(stmt)
    }
