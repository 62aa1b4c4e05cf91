"""What the reports read of 质量联动 (``zhixin.reports``): freezes and unfreezes, and covenant
results, each with its contract, bank and enterprise. Set-based statements, no permission check
(the caller, a report service, has made it). A linkage action happens on the Beijing day of its
``created_at``; a covenant result is found on the Beijing day of its ``checked_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.kit.clock import SHANGHAI, end_of_day
from zhixin.linkage.models import CovenantResult, LinkageAction

FREEZE_KINDS = ("freeze", "unfreeze")


def _day(at: datetime) -> date:
    if at.tzinfo is None:  # SQLite gives naive UTC back
        at = at.replace(tzinfo=UTC)
    return at.astimezone(SHANGHAI).date()


@dataclass(frozen=True, slots=True)
class FreezeFact:
    contract_id: int
    bank_tenant_id: int
    enterprise_id: int
    kind: str  # freeze | unfreeze
    day: date


@dataclass(frozen=True, slots=True)
class CovenantFact:
    contract_id: int
    bank_tenant_id: int
    enterprise_id: int
    covenant: str  # the product's covenant code
    kind: str  # quality_use_share | whitelisted | no_serious_penalty
    met: bool
    day: date


def freeze_facts(session: Session, *, until: date) -> list[FreezeFact]:
    """Every freeze and unfreeze made by the end of ``until`` (a reversed freeze still
    happened: its reversal is the unfreeze)."""
    a = LinkageAction
    stmt = select(a.contract_id, a.bank_tenant_id, a.enterprise_id, a.kind, a.created_at).where(
        a.kind.in_(FREEZE_KINDS), a.created_at < end_of_day(until)
    )
    rows: list[Any] = list(session.connection().execute(stmt))
    return [FreezeFact(c, b, e, k, _day(at)) for c, b, e, k, at in rows]


def covenant_facts(session: Session, *, until: date) -> list[CovenantFact]:
    """Every covenant result checked by the end of ``until``."""
    r = CovenantResult
    stmt = select(
        r.contract_id, r.bank_tenant_id, r.enterprise_id, r.covenant, r.kind, r.met, r.checked_at
    ).where(r.checked_at < end_of_day(until))
    rows: list[Any] = list(session.connection().execute(stmt))
    return [CovenantFact(c, b, e, cov, k, bool(m), _day(at)) for c, b, e, cov, k, m, at in rows]
