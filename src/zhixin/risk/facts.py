"""What the reports read of the patent valuations (``zhixin.reports``): which bank holds a
patent as a pledge basis — a bank that valued the patent (知识产权估值) and found it pledgeable.
One statement per 1,000 enterprises, no permission check (the caller, a report service, has)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.records.rules import patent_key
from zhixin.risk.models import PatentValuation


def pledge_banks(session: Session, enterprise_ids: list[int]) -> dict[tuple[int, str], set[int]]:
    """(enterprise, patent key) → the tenants (banks) holding a pledgeable valuation of it."""
    v = PatentValuation
    out: dict[tuple[int, str], set[int]] = {}
    for k in range(0, len(enterprise_ids), 1000):
        stmt = select(v.enterprise_id, v.patent_no, v.tenant_id).where(
            v.enterprise_id.in_(enterprise_ids[k : k + 1000]), v.pledgeable.is_(True)
        )
        for eid, number, tenant in session.connection().execute(stmt):
            out.setdefault((eid, patent_key(number)), set()).add(tenant)
    return out
