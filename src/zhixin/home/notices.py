"""What a bank's users are told on their home page when a new whitelist version is published
(issue 21 item 8, 推送 as people see it): the version in force, when it was published, and what
changed for the bank's own customers (the enterprises of its applications) against the version
before it."""

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
    version: int
    published_at: datetime | None
    publication_id: int
    base_id: int | None
    total_changes: int
    customers: int  # the bank's customers the notice looked at
    changes: list[DiffRowOut]  # those of the bank's customers, at most SHOWN
    customer_changes: int


def whitelist_notice(session: Session, principal: Principal) -> WhitelistNotice | None:
    if principal.tenant_kind != TenantKind.bank or not principal.can(Permission.whitelist_read):
        return None
    pub = whitelist.in_force(session, actor=principal)
    if pub is None or pub.version is None:
        return None
    customers: set[int] = set()
    if principal.can(Permission.application_read):
        customers = {i.enterprise_id for i in reading.queue(session, actor=principal).items}
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
        version=pub.version,
        published_at=pub.published_at,
        publication_id=pub.id,
        base_id=base_id,
        total_changes=total,
        customers=len(customers),
        changes=mine[:SHOWN],
        customer_changes=len(mine),
    )
