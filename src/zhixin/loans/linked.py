"""The loan book's side of quality linkage (贷后联动, ``zhixin.linkage``): what the linkage
service reads from the book and the few writes it makes through the book's own code.

Reads: the active contracts of enterprises, the set-based quality-use sums of every active
contract at a period's end (a selectable the linkage repository inserts from), the first
interest period that begins after a day, the payments behind a covenant result. Writes: the
line's linkage block (``blocked_reason``: while set, new drawdowns and payments are refused
with error code ``line_frozen``), a tranche unlocked (or re-locked) by a verified record, and a
rate shift from an interest period on (reschedules the instalments not yet begun, as
``batch.reprice`` does). Never commits; writes no audit entry (the linkage service audits its
actions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Select, case, func, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from zhixin.kit import clock
from zhixin.lending.dates import add_months
from zhixin.loans import repository as repo
from zhixin.loans.models import (
    LoanContract,
    LoanCreditLine,
    LoanDrawdown,
    LoanInstalment,
    LoanPayment,
)

# drawdowns whose money went out (their amount counts as drawn funds)
DRAWN = ("disbursed", "settled", "renewed")


@dataclass(frozen=True)
class ContractRef:
    id: int
    contract_no: str
    enterprise_id: int
    bank_tenant_id: int
    product_code: str
    product_version_id: int


def _ref(c: LoanContract) -> ContractRef:
    return ContractRef(
        c.id, c.contract_no, c.enterprise_id, c.bank_tenant_id, c.product_code, c.product_version_id
    )


def contract_ref(session: Session, contract_id: int) -> ContractRef | None:
    c = repo.contract(session, contract_id)
    return _ref(c) if c is not None else None


_REF_COLUMNS = (
    LoanContract.id,
    LoanContract.contract_no,
    LoanContract.enterprise_id,
    LoanContract.bank_tenant_id,
    LoanContract.product_code,
    LoanContract.product_version_id,
)


def active_contracts_of(session: Session, enterprise_ids: Iterable[int]) -> list[ContractRef]:
    """The active contracts of these enterprises (chunked IN lists; columns, not objects)."""
    ids = sorted(set(enterprise_ids))
    found: list[ContractRef] = []
    for k in range(0, len(ids), 500):
        rows = session.execute(
            select(*_REF_COLUMNS).where(
                LoanContract.enterprise_id.in_(ids[k : k + 500]),
                LoanContract.status == "active",
            )
        )
        found.extend(ContractRef(*row) for row in rows)
    return found


def active_contracts_all(session: Session, limit: int = 1000) -> list[ContractRef]:
    """The first active contracts (the demo's, a small book's)."""
    return [
        _ref(c)
        for c in session.scalars(
            select(LoanContract)
            .where(LoanContract.status == "active")
            .order_by(LoanContract.id)
            .limit(limit)
        )
    ]


def contract_ids_of(session: Session, enterprise_id: int) -> list[int]:
    """Every contract of the enterprise (any status), newest first."""
    return list(
        session.scalars(
            select(LoanContract.id)
            .where(LoanContract.enterprise_id == enterprise_id)
            .order_by(LoanContract.id.desc())
        )
    )


def product_versions_in_force(session: Session) -> list[int]:
    """The product versions active contracts run on (few: one per product and version)."""
    return list(
        session.scalars(
            select(LoanContract.product_version_id)
            .where(LoanContract.status == "active")
            .distinct()
        )
    )


def fen(column: object) -> object:
    """An amount column in whole fen, exact (the column holds at most two decimals)."""
    return sql_cast(func.round(column * 100), BigInteger)  # type: ignore[operator]


def contracts_select(product_version_id: int) -> Select[int, int, int]:
    """Active contracts of one product version: id, enterprise_id, bank_tenant_id."""
    return select(
        LoanContract.id.label("contract_id"),
        LoanContract.enterprise_id.label("enterprise_id"),
        LoanContract.bank_tenant_id.label("bank_tenant_id"),
    ).where(LoanContract.product_version_id == product_version_id, LoanContract.status == "active")


def quality_use_select(
    product_version_id: int, *, period_end: date, purposes: Sequence[str]
) -> Select[int, int, int, int, int, int]:
    """Set-based, per active contract of the version with money drawn by ``period_end``:
    contract_id, enterprise_id, bank_tenant_id, drawn_fen (Σ amounts of drawdowns disbursed on
    or before the day), quality_fen (Σ payments made by the end of that Beijing day whose
    purpose is one of ``purposes``) and payments (how many payments were counted)."""
    end_at: datetime = clock.end_of_day(period_end)
    drawn = (
        select(
            LoanDrawdown.contract_id.label("contract_id"),
            func.sum(fen(LoanDrawdown.amount)).label("drawn_fen"),
        )
        .where(LoanDrawdown.status.in_(DRAWN), LoanDrawdown.value_date <= period_end)
        .group_by(LoanDrawdown.contract_id)
        .subquery("drawn")
    )
    paid = (
        select(
            LoanDrawdown.contract_id.label("contract_id"),
            func.sum(
                case((LoanPayment.purpose.in_(list(purposes)), fen(LoanPayment.amount)), else_=0)
            ).label("quality_fen"),
            func.count(LoanPayment.id).label("payments"),
        )
        .join(LoanDrawdown, LoanDrawdown.id == LoanPayment.drawdown_id)
        .where(LoanPayment.created_at < end_at)
        .group_by(LoanDrawdown.contract_id)
        .subquery("paid")
    )
    return (
        select(
            LoanContract.id.label("contract_id"),
            LoanContract.enterprise_id.label("enterprise_id"),
            LoanContract.bank_tenant_id.label("bank_tenant_id"),
            drawn.c.drawn_fen,
            func.coalesce(paid.c.quality_fen, 0).label("quality_fen"),
            func.coalesce(paid.c.payments, 0).label("payments"),
        )
        .join(drawn, drawn.c.contract_id == LoanContract.id)
        .outerjoin(paid, paid.c.contract_id == LoanContract.id)
        .where(
            LoanContract.product_version_id == product_version_id,
            LoanContract.status == "active",
            drawn.c.drawn_fen > 0,
        )
    )


def payments_through(session: Session, contract_id: int, period_end: date) -> list[LoanPayment]:
    """The payments a quality-use result counted: the contract's, made by the period's end."""
    end_at = clock.end_of_day(period_end)
    return list(
        session.scalars(
            select(LoanPayment)
            .join(LoanDrawdown, LoanDrawdown.id == LoanPayment.drawdown_id)
            .where(LoanDrawdown.contract_id == contract_id, LoanPayment.created_at < end_at)
            .order_by(LoanPayment.id)
        )
    )


def next_period_starts(
    session: Session, contract_ids: Sequence[int], after: date
) -> dict[int, date]:
    """Per contract: the first interest period (an instalment's period start) after ``after``
    among its disbursed drawdowns' instalments still due; contracts with none are absent."""
    out: dict[int, date] = {}
    ids = sorted(set(contract_ids))
    for k in range(0, len(ids), 500):
        rows = session.execute(
            select(LoanDrawdown.contract_id, func.min(LoanInstalment.period_start))
            .join(LoanInstalment, LoanInstalment.drawdown_id == LoanDrawdown.id)
            .where(
                LoanDrawdown.contract_id.in_(ids[k : k + 500]),
                LoanDrawdown.status == "disbursed",
                LoanInstalment.status == "due",
                LoanInstalment.period_start > after,
            )
            .group_by(LoanDrawdown.contract_id)
        )
        out.update({int(cid): day for cid, day in rows if day is not None})
    return out


# -- writes ------------------------------------------------------------------------------------


def block_lines(session: Session, reasons: dict[int, str]) -> int:
    """Hold the lines of these contracts (contract id → the reason shown on refusal): one
    UPDATE per distinct reason (a reason names a trigger and a date, so many lines share it)
    over chunks of contract ids."""
    if not reasons:
        return 0
    by_reason: dict[str, list[int]] = {}
    for cid, why in reasons.items():
        by_reason.setdefault(why[:500], []).append(cid)
    for why, ids in by_reason.items():
        for k in range(0, len(ids), 1000):
            session.execute(
                update(LoanCreditLine)
                .where(LoanCreditLine.contract_id.in_(ids[k : k + 1000]))
                .values(blocked_reason=why)
                .execution_options(synchronize_session=False)
            )
    session.expire_all()
    return len(reasons)


def unblock_line(session: Session, contract_id: int, still: str | None = None) -> None:
    """Release the line (``still``: the reason of another freeze that stays in force)."""
    session.execute(
        update(LoanCreditLine)
        .where(LoanCreditLine.contract_id == contract_id)
        .values(blocked_reason=still)
    )
    session.expire_all()


def blocked_reason(session: Session, contract_id: int) -> str | None:
    line = repo.line_of(session, contract_id)
    return line.blocked_reason if line is not None else None


def milestones_of(session: Session, contract_id: int) -> dict[str, bool]:
    """The contract's tranche milestones → verified already."""
    c = repo.contract(session, contract_id)
    if c is None:
        return {}
    return {t["milestone"]: bool(t.get("verified_on")) for t in (c.terms or {}).get("tranches", [])}


def unlock_tranche(session: Session, contract_id: int, milestone: str, note: str, on: date) -> bool:
    """The milestone verified from a record (no officer): its tranche unlocks. False when the
    contract has no such tranche or it is verified already."""
    c = repo.contract(session, contract_id)
    if c is None or c.status != "active":
        return False
    tranches = [dict(t) for t in (c.terms or {}).get("tranches", [])]
    found = next((t for t in tranches if t["milestone"] == milestone), None)
    if found is None or found.get("verified_on"):
        return False
    found["verified_on"] = on.isoformat()
    found["verified_by_id"] = None
    found["note"] = note[:200]
    found["by_linkage"] = True
    c.terms = {**c.terms, "tranches": tranches}
    flag_modified(c, "terms")
    now = clock.utcnow()
    for d in repo.drawdowns_of(session, [c.id]):
        if d.milestone == milestone and d.milestone_verified_at is None:
            d.milestone_verified_at = now
    session.flush()
    return True


def relock_tranche(session: Session, contract_id: int, milestone: str) -> bool:
    """Undo an unlock (an approved reversal): only while no drawdown uses the tranche."""
    c = repo.contract(session, contract_id)
    if c is None:
        return False
    if any(d.milestone == milestone for d in repo.drawdowns_of(session, [c.id])):
        return False
    tranches = [dict(t) for t in (c.terms or {}).get("tranches", [])]
    found = next((t for t in tranches if t["milestone"] == milestone), None)
    if found is None or not found.get("verified_on"):
        return False
    for key in ("verified_on", "verified_by_id", "note", "by_linkage"):
        found.pop(key, None)
    c.terms = {**c.terms, "tranches": tranches}
    flag_modified(c, "terms")
    session.flush()
    return True


def shift_rate(session: Session, contract_id: int, bp: int, *, period_from: date) -> int:
    """Move the contract's rate by ``bp`` (+ step-up, − cut) from the interest period starting
    on ``period_from``: the contract rate and spread (later repricings keep the shift), each
    disbursed drawdown's ``annual_rate`` (the accrual runs at it from today), and its
    instalments still due whose period starts on or after ``period_from``, rescheduled by the
    lending core over their unpaid principal (same count, same due dates); earlier instalments
    keep their interest. Returns the number of drawdowns shifted."""
    from zhixin.loans import service as book  # the schedule of the book's own terms

    c = repo.contract(session, contract_id)
    if c is None or c.status != "active":
        return 0
    delta = Decimal(bp) / Decimal(100)
    c.contract_rate = c.contract_rate + delta
    c.spread = c.spread + delta
    n = 0
    for dd in repo.drawdowns_of(session, [c.id]):
        if dd.status != "disbursed" or dd.annual_rate is None or dd.value_date is None:
            continue
        rate = dd.annual_rate + delta
        dd.annual_rate = rate
        n += 1
        rows = sorted(
            (
                i
                for i in repo.instalments_of(session, [dd.id])
                if i.status == "due" and i.period_start >= period_from
            ),
            key=lambda i: i.seq,
        )
        left = sum((i.principal - i.principal_paid for i in rows), Decimal(0))
        if not rows or left <= 0:
            continue
        sched = book.drawdown_schedule(
            session,
            c=c,
            amount=left,
            rate=rate,
            start=add_months(dd.value_date, rows[0].seq - 1),
            term=len(rows),
        )
        for row, new in zip(rows, sched.instalments, strict=True):
            row.principal = row.principal_paid + new.principal
            row.interest = new.interest
    session.flush()
    return n
