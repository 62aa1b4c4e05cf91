"""What the reports read of public support (``zhixin.reports``): guarantees, compensation
claims and their recoveries, and 贴息 lines of paid claims. Set-based statements, no permission
check (the caller, a report service, has made it); each fact carries its bank and enterprise so
the report keeps the reader's scope.

Dates: a guarantee is issued on the Beijing day of its approval (``decided_at``), called on
``ended_on`` when its status is ``called``; a compensation is paid on the claim's ``paid_on``; a
recovery on its ``on_date``; 贴息 is paid on the quarter claim's ``paid_on``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.kit.clock import SHANGHAI, end_of_day
from zhixin.support.models import Claim, Guarantee, Recovery, SubsidyClaim, SubsidyLine

# a guarantee that was issued (approved), whatever became of it since
ISSUED_STATES = ("approved", "released", "called")


@dataclass(frozen=True, slots=True)
class GuaranteeFact:
    id: int
    contract_id: int
    bank_tenant_id: int
    enterprise_id: int
    amount: Decimal  # principal guaranteed
    coverage: Decimal  # % of it the guarantor bears
    status: str
    decided_at: Any  # UTC datetime of the approval
    ended_on: date | None

    @property
    def issued_on(self) -> date:
        at = self.decided_at
        if at.tzinfo is None:  # SQLite gives naive UTC back
            at = at.replace(tzinfo=UTC)
        return at.astimezone(SHANGHAI).date()  # type: ignore[no-any-return]

    @property
    def called_on(self) -> date | None:
        return self.ended_on if self.status == "called" else None


@dataclass(frozen=True, slots=True)
class ClaimFact:
    id: int
    contract_id: int
    bank_tenant_id: int
    enterprise_id: int
    fund_part: Decimal
    paid_on: date | None


@dataclass(frozen=True, slots=True)
class RecoveryFact:
    claim_id: int
    contract_id: int
    bank_tenant_id: int
    enterprise_id: int
    amount: Decimal
    on_date: date


@dataclass(frozen=True, slots=True)
class SubsidyFact:
    contract_id: int
    bank_tenant_id: int
    enterprise_id: int
    amount: Decimal
    paid_on: date


def guarantee_facts(session: Session, *, until: date) -> list[GuaranteeFact]:
    """Every guarantee issued (approved) by the end of ``until`` (Beijing day)."""
    g = Guarantee
    stmt = select(
        g.id,
        g.contract_id,
        g.bank_tenant_id,
        g.enterprise_id,
        g.amount,
        g.coverage,
        g.status,
        g.decided_at,
        g.ended_on,
    ).where(
        g.status.in_(ISSUED_STATES), g.decided_at.is_not(None), g.decided_at < end_of_day(until)
    )
    return [GuaranteeFact(*r) for r in session.connection().execute(stmt)]


def claim_facts(session: Session, *, until: date) -> list[ClaimFact]:
    """Every compensation claim paid on or before ``until``."""
    c = Claim
    stmt = select(
        c.id, c.contract_id, c.bank_tenant_id, c.enterprise_id, c.fund_part, c.paid_on
    ).where(c.status == "paid", c.paid_on.is_not(None), c.paid_on <= until)
    return [ClaimFact(*r) for r in session.connection().execute(stmt)]


def recovery_facts(session: Session, *, until: date) -> list[RecoveryFact]:
    """Every recovery (追偿) on or before ``until``, with its claim's bank and enterprise."""
    r, c = Recovery, Claim
    stmt = (
        select(r.claim_id, c.contract_id, c.bank_tenant_id, c.enterprise_id, r.amount, r.on_date)
        .join(c, c.id == r.claim_id)
        .where(r.on_date <= until)
    )
    return [RecoveryFact(*row) for row in session.connection().execute(stmt)]


def subsidy_facts(session: Session, *, until: date) -> list[SubsidyFact]:
    """Every 贴息 line of a quarter claim paid on or before ``until`` (its amount after caps)."""
    line, claim = SubsidyLine, SubsidyClaim
    stmt = (
        select(
            line.contract_id, line.bank_tenant_id, line.enterprise_id, line.amount, claim.paid_on
        )
        .join(claim, claim.id == line.claim_id)
        .where(claim.status == "paid", claim.paid_on.is_not(None), claim.paid_on <= until)
    )
    # the columns in the dataclass's order: one tuple → one fact
    rows: list[Any] = list(session.connection().execute(stmt))
    return [SubsidyFact(*r) for r in rows]
