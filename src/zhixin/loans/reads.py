"""What the loan book lends other domains for their set-based statements: selectables over the
book's tables that the book builds itself (public support reads interest paid, defaults and
settlements through these, never joining ``loan_*`` tables on its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Select, and_, cast, func, select
from sqlalchemy.orm import Session

from zhixin.loans.models import ZERO, LoanContract, LoanDrawdown
from zhixin.loans.servicing_models import LoanRepayment

DEFAULT_CLASSES = ("substandard", "doubtful", "loss")  # 不良: 次级、可疑、损失


def interest_paid(first: date, last: date) -> Select[int, int]:
    """(drawdown_id, interest paid in whole fen) for repayments valued from ``first`` to
    ``last``: the ``interest`` of instalments due and the ``accrued`` interest of an early
    repayment; 罚息, 复利 and 违约金 are not interest paid."""
    r = LoanRepayment
    fen = cast(func.round((r.interest + r.accrued) * 100), BigInteger)
    q: Select[int, int] = (
        select(
            r.drawdown_id.label("drawdown_id"), cast(func.sum(fen), BigInteger).label("paid_fen")
        )
        .where(r.value_date >= first, r.value_date <= last)
        .group_by(r.drawdown_id)
    )
    return q


def subsidy_basis(first: date, last: date, products: tuple[str, ...]) -> Select[Any]:
    """Per drawdown with interest paid in the period: drawdown_id, contract_id, enterprise_id,
    bank_tenant_id, annual rate × 10⁶ (integer), days_past_due now, interest paid in fen."""
    paid = interest_paid(first, last).subquery("paid")
    d, c = LoanDrawdown, LoanContract
    q = (
        select(
            d.id.label("drawdown_id"),
            c.id.label("contract_id"),
            c.enterprise_id.label("enterprise_id"),
            c.bank_tenant_id.label("bank_tenant_id"),
            cast(func.round(d.annual_rate * 1_000_000), BigInteger).label("rate_units"),
            d.days_past_due.label("days_past_due"),
            paid.c.paid_fen.label("paid_fen"),
        )
        .select_from(paid)
        .join(d, d.id == paid.c.drawdown_id)
        .join(c, c.id == d.contract_id)
        .where(paid.c.paid_fen > 0)
    )
    if products:
        q = q.where(c.product_code.in_(products))
    return q


def ended_contracts() -> Select[Any]:
    """Contracts that ended without default: settled (结清) or renewed (续贷, the guarantee
    follows the renewal's own contract only if it is guaranteed again)."""
    return select(LoanContract.id).where(LoanContract.status.in_(("settled", "renewed")))


def defaulted_contracts() -> Select[Any]:
    """Contracts with a disbursed drawdown classified 次级 or worse (in default)."""
    return (
        select(LoanDrawdown.contract_id)
        .where(
            LoanDrawdown.status == "disbursed",
            LoanDrawdown.classification.in_(DEFAULT_CLASSES),
        )
        .distinct()
    )


@dataclass(frozen=True)
class Exposure:
    """A contract's exposure as the book has it now."""

    contract_id: int
    contract_no: str
    bank_tenant_id: int
    enterprise_id: int
    product_code: str
    principal_limit: Decimal
    status: str
    outstanding: Decimal  # principal outstanding, Σ disbursed drawdowns
    overdue_interest: Decimal
    worst_class: str
    drawn: Decimal  # Σ disbursed amounts


RANK = {"normal": 0, "special_mention": 1, "substandard": 2, "doubtful": 3, "loss": 4}


def exposure(session: Session, contract_id: int) -> Exposure | None:
    c = session.get(LoanContract, contract_id)
    if c is None:
        return None
    rows = session.execute(
        select(
            LoanDrawdown.amount,
            LoanDrawdown.outstanding_principal,
            LoanDrawdown.overdue_interest,
            LoanDrawdown.classification,
        ).where(and_(LoanDrawdown.contract_id == contract_id, LoanDrawdown.status == "disbursed"))
    ).all()
    worst = max((r[3] for r in rows), key=lambda k: RANK.get(k, 0), default="normal")
    return Exposure(
        contract_id=c.id,
        contract_no=c.contract_no,
        bank_tenant_id=c.bank_tenant_id,
        enterprise_id=c.enterprise_id,
        product_code=c.product_code,
        principal_limit=c.principal_limit,
        status=c.status,
        outstanding=sum((r[1] for r in rows), ZERO),
        overdue_interest=sum((r[2] for r in rows), ZERO),
        worst_class=worst,
        drawn=sum((r[0] for r in rows), ZERO),
    )


@dataclass(frozen=True)
class DrawdownExposure:
    """One drawdown's (借据's) exposure as the book has it now."""

    drawdown_id: int
    contract_id: int
    status: str
    outstanding: Decimal  # outstanding principal
    overdue_interest: Decimal
    classification: str


def drawdown_exposure(session: Session, drawdown_id: int) -> DrawdownExposure | None:
    d = session.get(LoanDrawdown, drawdown_id)
    if d is None:
        return None
    return DrawdownExposure(
        drawdown_id=d.id,
        contract_id=d.contract_id,
        status=d.status,
        outstanding=d.outstanding_principal,
        overdue_interest=d.overdue_interest,
        classification=d.classification,
    )


def contract_term(session: Session, contract_id: int) -> tuple[date, date] | None:
    """(start date, maturity date) of a contract."""
    c = session.get(LoanContract, contract_id)
    return None if c is None else (c.start_date, c.maturity_date)


def contract_nos(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(LoanContract.id, LoanContract.contract_no).where(LoanContract.id.in_(ids))
    ).all()
    return {int(i): str(n) for i, n in rows}


def repayments_in(
    session: Session, drawdown_ids: list[int], first: date, last: date
) -> list[tuple]:  # type: ignore[type-arg]
    """(drawdown_id, 流水号, value date, interest + accrued) of repayments in the period: the
    reconciliation's tie of each subsidy line back to the repayments it was computed on."""
    if not drawdown_ids:
        return []
    r = LoanRepayment
    return [
        tuple(row)
        for row in session.execute(
            select(r.drawdown_id, r.bank_txn_id, r.value_date, r.interest + r.accrued)
            .where(r.drawdown_id.in_(drawdown_ids), r.value_date >= first, r.value_date <= last)
            .order_by(r.drawdown_id, r.value_date, r.id)
        ).all()
    ]


def enterprise_listed(session: Session, *, enterprise_id: int, on: date) -> bool:
    """Whether the enterprise is still listed on ``on`` (as the renewal candidates read it:
    an entry in the newest whitelist version of its newest contract's product catalog)."""
    from zhixin.loans.renewals import _listed

    c = session.scalars(
        select(LoanContract)
        .where(LoanContract.enterprise_id == enterprise_id)
        .order_by(LoanContract.id.desc())
        .limit(1)
    ).first()
    return c is not None and _listed(session, c, on)


def contract_ids_of_bank(session: Session, bank_tenant_id: int) -> list[int]:
    return [
        int(i)
        for i in session.scalars(
            select(LoanContract.id)
            .where(LoanContract.bank_tenant_id == bank_tenant_id)
            .order_by(LoanContract.id)
        ).all()
    ]


def enterprise_contract_ids(session: Session, enterprise_id: int) -> list[int]:
    """The enterprise's contracts, every bank's (policy matching reads its covenants)."""
    return [
        int(i)
        for i in session.scalars(
            select(LoanContract.id)
            .where(LoanContract.enterprise_id == enterprise_id)
            .order_by(LoanContract.id)
        ).all()
    ]


def enterprise_overdue(session: Session, enterprise_id: int) -> bool:
    """Whether a disbursed drawdown of the enterprise has days past due now — the
    ``days_past_due`` the subsidy's ``not_overdue`` condition reads (:func:`subsidy_basis`)."""
    found = session.scalar(
        select(LoanDrawdown.id)
        .join(LoanContract, LoanContract.id == LoanDrawdown.contract_id)
        .where(
            LoanContract.enterprise_id == enterprise_id,
            LoanDrawdown.status == "disbursed",
            LoanDrawdown.days_past_due > 0,
        )
        .limit(1)
    )
    return found is not None
