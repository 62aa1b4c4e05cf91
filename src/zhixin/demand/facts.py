"""What the reports read of 融资需求 and the outcome ledger (``zhixin.reports``): the needs'
events (posted, taken, each step, escalations) and the ledger's rows as of a day, as
:class:`zhixin.demand.rules.LedgerRow` so the report's conversion is demand's own
(:func:`zhixin.demand.rules.conversion`). Set-based statements, no permission check (the
caller, a report service, has made it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.demand.models import FinancingNeed, LedgerEntry, NeedEvent
from zhixin.demand.rules import LedgerRow


@dataclass(frozen=True, slots=True)
class NeedEventFact:
    need_id: int
    enterprise_id: int
    kind: str  # posted / taken / contacted / onsite / applied / refused / escalated / …
    day: date
    bank_code: str | None  # the bank holding the need when it happened
    late: bool  # a bank's step after its clock


def need_events(session: Session, *, until: date) -> list[NeedEventFact]:
    """Every need event on or before ``until``, with the need's enterprise."""
    e, n = NeedEvent, FinancingNeed
    stmt = (
        select(e.need_id, n.enterprise_id, e.kind, e.day, e.bank_code, e.late)
        .join(n, n.id == e.need_id)
        .where(e.day <= until)
    )
    rows: list[Any] = list(session.connection().execute(stmt))
    return [NeedEventFact(*r) for r in rows]


def ledger_rows(session: Session, *, until: date) -> list[LedgerRow]:
    """The ledger as it stood at the end of ``until``: rows pushed by then; granted and
    disbursed only when their dates are by then (with their amounts)."""
    e = LedgerEntry
    stmt = select(
        e.enterprise_id,
        e.bank_code,
        e.product_code,
        e.region_code,
        e.listed,
        e.need_id,
        e.source,
        e.granted_on,
        e.granted_amount,
        e.disbursed_on,
        e.disbursed_amount,
        e.first_loan,
        e.credit,
    ).where(e.pushed_on <= until)
    out = []
    for (
        ent,
        bank,
        product,
        region,
        listed,
        need,
        source,
        g_on,
        g_amt,
        d_on,
        d_amt,
        first,
        credit,
    ) in session.connection().execute(stmt):
        granted = g_on is not None and g_on <= until
        disbursed = d_on is not None and d_on <= until
        out.append(
            LedgerRow(
                enterprise_id=ent,
                bank_code=bank,
                product_code=product,
                region_code=region,
                listed=bool(listed),
                needed=need is not None,
                taken=source == "need",
                granted=granted,
                disbursed=disbursed,
                granted_amount=(g_amt or Decimal(0)) if granted else Decimal(0),
                disbursed_amount=(d_amt or Decimal(0)) if disbursed else Decimal(0),
                first_loan=bool(first),
                credit=bool(credit),
            )
        )
    return out
