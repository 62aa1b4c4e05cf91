"""What a bank's users are told on their home page when a new whitelist version is published
(issue 21 item 8, 推送 as people see it): for each catalog with a published version (厦门、宁波、
山东 … each publishes its own list), the version in force, when it was published, and what
changed for the bank's own customers (the enterprises of its applications) against that
catalog's version before it. Newest publication first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.applications import reading
from zhixin.whitelist import reports
from zhixin.whitelist import service as whitelist
from zhixin.whitelist.schemas import DiffRowOut

SCANNED = 5000  # changes read to find the bank's customers among them (a version's delta)
SHOWN = 10  # customers' changes listed on the home page; the rest are counted


@dataclass(frozen=True)
class WhitelistNotice:
    catalog: str
    title: str  # the catalog's Chinese title
    version: int
    published_at: datetime | None
    publication_id: int
    base_id: int | None
    total_changes: int
    customers: int  # the bank's customers the notice looked at
    changes: list[DiffRowOut]  # those of the bank's customers, at most SHOWN
    customer_changes: int


def whitelist_notices(session: Session, principal: Principal) -> list[WhitelistNotice]:
    """One notice per catalog in force, newest publication first; none for a reader who is not
    a bank's user allowed to read the whitelist."""
    if principal.tenant_kind != TenantKind.bank or not principal.can(Permission.whitelist_read):
        return []
    customers: set[int] = set()
    if principal.can(Permission.application_read):
        customers = {i.enterprise_id for i in reading.queue(session, actor=principal).items}
    return [
        _notice(session, principal, c, customers)
        for c in whitelist.catalogs_in_force(session, actor=principal)
        if c.pub.version is not None
    ]


def _notice(
    session: Session, principal: Principal, c: whitelist.InForce, customers: set[int]
) -> WhitelistNotice:
    pub = c.pub
    assert pub.version is not None
    mine: list[DiffRowOut] = []
    total = 0
    # a delta's base; a full version is compared with its catalog's version before it
    base_id = pub.base_id
    if base_id is None:
        before = whitelist.previous_of(session, actor=principal, publication=pub)
        base_id = before.id if before is not None else None
    if base_id is not None:
        diff = reports.diff(
            session, actor=principal, old_id=base_id, new_id=pub.id, per_page=SCANNED
        )
        total = diff.total
        mine = [r for r in diff.rows if r.enterprise_id in customers]
    return WhitelistNotice(
        catalog=c.catalog,
        title=c.title,
        version=pub.version,
        published_at=pub.published_at,
        publication_id=pub.id,
        base_id=base_id,
        total_changes=total,
        customers=len(customers),
        changes=mine[:SHOWN],
        customer_changes=len(mine),
    )
