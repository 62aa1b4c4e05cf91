"""Reads and writes of the support tables (never commits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from zhixin.support.models import (
    ZERO,
    Claim,
    Fund,
    FundEntry,
    Guarantee,
    GuaranteeBatch,
    GuaranteeProduct,
    Recovery,
    SubsidyClaim,
    SubsidyLine,
    SubsidyPolicy,
)

LIVE = ("requested", "approved", "called")


def product_by_code(session: Session, code: str) -> GuaranteeProduct | None:
    return session.scalars(select(GuaranteeProduct).where(GuaranteeProduct.code == code)).first()


def products(session: Session) -> Sequence[GuaranteeProduct]:
    return session.scalars(select(GuaranteeProduct).order_by(GuaranteeProduct.id)).all()


def guarantee(session: Session, guarantee_id: int) -> Guarantee | None:
    return session.get(Guarantee, guarantee_id)


def batch(session: Session, batch_id: int) -> GuaranteeBatch | None:
    return session.get(GuaranteeBatch, batch_id)


def guarantees_of_batch(session: Session, batch_id: int) -> Sequence[Guarantee]:
    return session.scalars(
        select(Guarantee).where(Guarantee.batch_id == batch_id).order_by(Guarantee.id)
    ).all()


def live_guarantee_of(session: Session, contract_id: int) -> Guarantee | None:
    return session.scalars(
        select(Guarantee).where(Guarantee.contract_id == contract_id, Guarantee.status.in_(LIVE))
    ).first()


def guaranteed_live(session: Session, product_id: int, enterprise_id: int | None) -> Decimal:
    """Principal under approved guarantees of the product (for one enterprise, or in all)."""
    q = select(func.coalesce(func.sum(Guarantee.amount), 0)).where(
        Guarantee.product_id == product_id, Guarantee.status == "approved"
    )
    if enterprise_id is not None:
        q = q.where(Guarantee.enterprise_id == enterprise_id)
    return Decimal(str(session.scalar(q) or 0))


def guarantees(
    session: Session,
    *,
    guarantor_id: int | None = None,
    bank_id: int | None = None,
    enterprise_id: int | None = None,
    status: str | None = None,
) -> Sequence[Guarantee]:
    q = select(Guarantee).order_by(Guarantee.id.desc())
    if guarantor_id is not None:
        q = q.where(Guarantee.guarantor_tenant_id == guarantor_id)
    if bank_id is not None:
        q = q.where(Guarantee.bank_tenant_id == bank_id)
    if enterprise_id is not None:
        q = q.where(Guarantee.enterprise_id == enterprise_id)
    if status is not None:
        q = q.where(Guarantee.status == status)
    return session.scalars(q).all()


def fund_by_code(session: Session, code: str) -> Fund | None:
    return session.scalars(select(Fund).where(Fund.code == code)).first()


def fund(session: Session, fund_id: int) -> Fund | None:
    return session.get(Fund, fund_id)


def funds(session: Session) -> Sequence[Fund]:
    return session.scalars(select(Fund).order_by(Fund.id)).all()


def balance(session: Session, fund_id: int) -> Decimal:
    signed = case((FundEntry.kind == "payment", -FundEntry.amount), else_=FundEntry.amount)
    total = session.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(FundEntry.fund_id == fund_id)
    )
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


def entries(session: Session, fund_id: int) -> Sequence[FundEntry]:
    return session.scalars(
        select(FundEntry)
        .where(FundEntry.fund_id == fund_id)
        .order_by(FundEntry.on_date, FundEntry.id)
    ).all()


def claim(session: Session, claim_id: int) -> Claim | None:
    return session.get(Claim, claim_id)


def open_claims_of(session: Session, contract_id: int) -> Sequence[Claim]:
    """The contract's claims not rejected (filed, reviewed, approved or paid), whole-contract
    and per drawdown."""
    return session.scalars(
        select(Claim)
        .where(Claim.contract_id == contract_id, Claim.status != "rejected")
        .order_by(Claim.id)
    ).all()


@dataclass(frozen=True)
class Claimed:
    """What a contract's claims not rejected already put on the fund and on the guarantor."""

    fund: Decimal
    guarantor: Decimal


def contract_claimed(session: Session, contract_id: int) -> Claimed:
    fund, guarantor = session.execute(
        select(
            func.coalesce(func.sum(Claim.fund_part), 0),
            func.coalesce(func.sum(Claim.guarantor_part), 0),
        ).where(Claim.contract_id == contract_id, Claim.status != "rejected")
    ).one()
    return Claimed(Decimal(str(fund)).quantize(ZERO), Decimal(str(guarantor)).quantize(ZERO))


def fund_claimed(session: Session, fund_id: int, year: int, bank_id: int | None) -> Decimal:
    """The fund's parts of its claims of ``year`` not rejected (of one bank, or in all)."""
    q = select(func.coalesce(func.sum(Claim.fund_part), 0)).where(
        Claim.fund_id == fund_id, Claim.year == year, Claim.status != "rejected"
    )
    if bank_id is not None:
        q = q.where(Claim.bank_tenant_id == bank_id)
    return Decimal(str(session.scalar(q) or 0))


def claims(
    session: Session,
    *,
    state: str | None = None,
    bank_id: int | None = None,
    enterprise_id: int | None = None,
    guarantor_id: int | None = None,
    fund_id: int | None = None,
) -> Sequence[Claim]:
    q = select(Claim).order_by(Claim.id.desc())
    if state is not None:
        q = q.where(Claim.status == state)
    if bank_id is not None:
        q = q.where(Claim.bank_tenant_id == bank_id)
    if enterprise_id is not None:
        q = q.where(Claim.enterprise_id == enterprise_id)
    if fund_id is not None:
        q = q.where(Claim.fund_id == fund_id)
    if guarantor_id is not None:
        q = q.join(Guarantee, Guarantee.id == Claim.guarantee_id).where(
            Guarantee.guarantor_tenant_id == guarantor_id
        )
    return session.scalars(q).all()


def recoveries_of(session: Session, claim_id: int) -> Sequence[Recovery]:
    return session.scalars(
        select(Recovery).where(Recovery.claim_id == claim_id).order_by(Recovery.id)
    ).all()


def policy_by_code(session: Session, code: str) -> SubsidyPolicy | None:
    return session.scalars(select(SubsidyPolicy).where(SubsidyPolicy.code == code)).first()


def policy(session: Session, policy_id: int) -> SubsidyPolicy | None:
    return session.get(SubsidyPolicy, policy_id)


def policies(session: Session) -> Sequence[SubsidyPolicy]:
    return session.scalars(select(SubsidyPolicy).order_by(SubsidyPolicy.id)).all()


def subsidy_claim(session: Session, claim_id: int) -> SubsidyClaim | None:
    return session.get(SubsidyClaim, claim_id)


def subsidy_claim_of(session: Session, policy_id: int, quarter: str) -> SubsidyClaim | None:
    return session.scalars(
        select(SubsidyClaim).where(
            SubsidyClaim.policy_id == policy_id, SubsidyClaim.quarter == quarter
        )
    ).first()


def subsidy_claims(session: Session, *, state: str | None = None) -> Sequence[SubsidyClaim]:
    q = select(SubsidyClaim).order_by(SubsidyClaim.quarter.desc(), SubsidyClaim.id.desc())
    if state is not None:
        q = q.where(SubsidyClaim.status == state)
    return session.scalars(q).all()


def subsidy_lines(
    session: Session,
    claim_id: int,
    *,
    bank_id: int | None = None,
    enterprise_id: int | None = None,
    limit: int | None = None,
) -> Sequence[SubsidyLine]:
    q = (
        select(SubsidyLine)
        .where(SubsidyLine.claim_id == claim_id)
        .order_by(SubsidyLine.drawdown_id)
    )
    if bank_id is not None:
        q = q.where(SubsidyLine.bank_tenant_id == bank_id)
    if enterprise_id is not None:
        q = q.where(SubsidyLine.enterprise_id == enterprise_id)
    if limit is not None:
        q = q.limit(limit)
    return session.scalars(q).all()


def subsidy_totals(
    session: Session, *, by: str, status: tuple[str, ...] = ("paid",), claim_id: int | None = None
) -> list[tuple[object, int, Decimal, Decimal]]:
    """(key, lines, basis, subsidy) summed by ``bank`` (tenant id) or ``district`` (region
    code) over the lines of claims in ``status`` (or of one claim)."""
    key = SubsidyLine.bank_tenant_id if by == "bank" else SubsidyLine.region_code
    q = (
        select(
            key,
            func.count(),
            func.coalesce(func.sum(SubsidyLine.interest_paid), 0),
            func.coalesce(func.sum(SubsidyLine.amount), 0),
        )
        .join(SubsidyClaim, SubsidyClaim.id == SubsidyLine.claim_id)
        .group_by(key)
        .order_by(key)
    )
    q = (
        q.where(SubsidyLine.claim_id == claim_id)
        if claim_id is not None
        else q.where(SubsidyClaim.status.in_(status))
    )
    return [
        (k, int(n), Decimal(str(b)).quantize(ZERO), Decimal(str(a)).quantize(ZERO))
        for k, n, b, a in session.execute(q).all()
    ]


def own_subsidy_totals(
    session: Session, *, bank_id: int | None = None, enterprise_id: int | None = None
) -> dict[int, tuple[int, Decimal, Decimal]]:
    """claim id → (lines, basis, subsidy) of one bank's or one enterprise's lines."""
    q = select(
        SubsidyLine.claim_id,
        func.count(),
        func.coalesce(func.sum(SubsidyLine.interest_paid), 0),
        func.coalesce(func.sum(SubsidyLine.amount), 0),
    ).group_by(SubsidyLine.claim_id)
    if bank_id is not None:
        q = q.where(SubsidyLine.bank_tenant_id == bank_id)
    if enterprise_id is not None:
        q = q.where(SubsidyLine.enterprise_id == enterprise_id)
    return {
        int(c): (int(n), Decimal(str(b)).quantize(ZERO), Decimal(str(a)).quantize(ZERO))
        for c, n, b, a in session.execute(q).all()
    }


def end_guarantees(session: Session, contracts: Any, *, status: str, on: date) -> int:
    """Approved guarantees of the contracts (a selectable of contract ids) end with ``status``
    on ``on``; returns how many."""
    result: Any = session.execute(
        update(Guarantee)
        .where(Guarantee.status == "approved", Guarantee.contract_id.in_(contracts))
        .values(status=status, ended_on=on)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def subsidy_given(session: Session, *, policy_id: int, year: int, enterprise_id: int) -> Decimal:
    """贴息 the policy's claims of ``year`` gave the enterprise (its cap per enterprise)."""
    q = (
        select(func.coalesce(func.sum(SubsidyLine.amount), 0))
        .join(SubsidyClaim, SubsidyClaim.id == SubsidyLine.claim_id)
        .where(
            SubsidyClaim.policy_id == policy_id,
            SubsidyClaim.year == year,
            SubsidyLine.enterprise_id == enterprise_id,
        )
    )
    return Decimal(str(session.scalar(q) or 0)).quantize(ZERO)
