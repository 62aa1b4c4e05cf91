"""What the reports read of the whitelist (``zhixin.reports``): the publication in force at the
end of a day and the enterprises it lists; no permission check (the list is published to every
bank; the caller, a report service, has made its own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from zhixin.kit.clock import end_of_day
from zhixin.whitelist.models import WhitelistEntry, WhitelistPublication


@dataclass(frozen=True, slots=True)
class PublicationFact:
    id: int
    version: int
    as_of: date
    enterprises: int  # firms listed
    entries: int  # 家次: (enterprise, dimension) pairs listed


def in_force(session: Session, day: date) -> PublicationFact | None:
    """The publication in force at the end of ``day`` (Beijing time): the newest version
    published before midnight; None before the first."""
    p = WhitelistPublication
    row = session.execute(
        select(p.id, p.version, p.as_of, p.enterprises, p.entries)
        .where(p.status == "published", p.published_at < end_of_day(day))
        .order_by(p.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    return PublicationFact(int(row[0]), int(row[1] or 0), row[2], int(row[3]), int(row[4]))


def listed_enterprises(
    session: Session, publication_id: int, among: list[int] | None = None
) -> dict[int, int]:
    """enterprise → its entries (家次: dimensions it is listed in) in a publication (only those
    of ``among``, when given)."""
    e = WhitelistEntry
    stmt = select(e.enterprise_id, func.count()).where(e.publication_id == publication_id)
    if among is not None:
        stmt = stmt.where(e.enterprise_id.in_(among))
    stmt = stmt.group_by(e.enterprise_id)
    return {int(i): int(n) for i, n in session.connection().execute(stmt)}


def listed_select(publication_id: int) -> Select[int]:
    """The ids of the enterprises a publication lists, as a subquery for another domain's
    statement (``enterprises.service.regions_among``)."""
    e = WhitelistEntry
    return select(e.enterprise_id).where(e.publication_id == publication_id)
