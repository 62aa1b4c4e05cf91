"""Queries of the loan book (its own tables only)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhixin.loans.models import (
    ZERO,
    LoanContract,
    LoanCreditLine,
    LoanDrawdown,
    LoanInstalment,
    LoanPayee,
    LoanPayment,
    LoanVoucher,
)
from zhixin.loans.servicing_models import LoanClassification, LoanRepayment


def contract(session: Session, contract_id: int) -> LoanContract | None:
    return session.get(LoanContract, contract_id)


def contract_of_application(session: Session, application_id: int) -> LoanContract | None:
    return session.scalars(
        select(LoanContract).where(LoanContract.application_id == application_id)
    ).first()


def contracts(
    session: Session,
    *,
    bank_tenant_id: int | None,
    enterprise_id: int | None,
    status: str | None = None,
    product_code: str | None = None,
    maturing_before: date | None = None,
    limit: int = 500,
) -> Sequence[LoanContract]:
    q = select(LoanContract)
    if bank_tenant_id is not None:
        q = q.where(LoanContract.bank_tenant_id == bank_tenant_id)
    if enterprise_id is not None:
        q = q.where(LoanContract.enterprise_id == enterprise_id)
    if status:
        q = q.where(LoanContract.status == status)
    if product_code:
        q = q.where(LoanContract.product_code == product_code)
    if maturing_before is not None:
        q = q.where(LoanContract.maturity_date <= maturing_before)
    return session.scalars(q.order_by(LoanContract.id.desc()).limit(limit)).all()


def line_of(session: Session, contract_id: int) -> LoanCreditLine | None:
    return session.scalars(
        select(LoanCreditLine).where(LoanCreditLine.contract_id == contract_id)
    ).first()


def drawdown(session: Session, drawdown_id: int, *, lock: bool = False) -> LoanDrawdown | None:
    """One drawdown; ``lock``: its row locked (FOR UPDATE) for the rest of the transaction."""
    if not lock:
        return session.get(LoanDrawdown, drawdown_id)
    return session.scalar(
        select(LoanDrawdown).where(LoanDrawdown.id == drawdown_id).with_for_update()
    )


def drawdowns_of(session: Session, contract_ids: Sequence[int]) -> Sequence[LoanDrawdown]:
    if not contract_ids:
        return []
    return session.scalars(
        select(LoanDrawdown)
        .where(LoanDrawdown.contract_id.in_(contract_ids))
        .order_by(LoanDrawdown.contract_id, LoanDrawdown.id)
    ).all()


def instalments_of(session: Session, drawdown_ids: Sequence[int]) -> Sequence[LoanInstalment]:
    if not drawdown_ids:
        return []
    return session.scalars(
        select(LoanInstalment)
        .where(LoanInstalment.drawdown_id.in_(drawdown_ids))
        .order_by(LoanInstalment.drawdown_id, LoanInstalment.seq)
    ).all()


def payees_of(session: Session, contract_id: int) -> Sequence[LoanPayee]:
    return session.scalars(
        select(LoanPayee).where(LoanPayee.contract_id == contract_id).order_by(LoanPayee.id)
    ).all()


def payee(session: Session, payee_id: int) -> LoanPayee | None:
    return session.get(LoanPayee, payee_id)


def vouchers_of(session: Session, contract_id: int) -> Sequence[LoanVoucher]:
    return session.scalars(
        select(LoanVoucher).where(LoanVoucher.contract_id == contract_id).order_by(LoanVoucher.id)
    ).all()


def voucher(session: Session, voucher_id: int) -> LoanVoucher | None:
    return session.get(LoanVoucher, voucher_id)


def voucher_by_number(session: Session, contract_id: int, number: str) -> LoanVoucher | None:
    return session.scalars(
        select(LoanVoucher).where(
            LoanVoucher.contract_id == contract_id, LoanVoucher.document_number == number
        )
    ).first()


def paid_against_voucher(session: Session, voucher_id: int) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(LoanPayment.amount), 0)).where(
            LoanPayment.voucher_id == voucher_id
        )
    )
    return Decimal(str(total or 0)).quantize(ZERO)


def paid_from_drawdown(session: Session, drawdown_id: int) -> Decimal:
    total = session.scalar(
        select(func.coalesce(func.sum(LoanPayment.amount), 0)).where(
            LoanPayment.drawdown_id == drawdown_id
        )
    )
    return Decimal(str(total or 0)).quantize(ZERO)


def payments_of(session: Session, drawdown_ids: Sequence[int]) -> Sequence[LoanPayment]:
    if not drawdown_ids:
        return []
    return session.scalars(
        select(LoanPayment)
        .where(LoanPayment.drawdown_id.in_(drawdown_ids))
        .order_by(LoanPayment.id)
    ).all()


# -- servicing ----------------------------------------------------------------------------------


def repayment_by_txn(
    session: Session, bank_tenant_id: int, bank_txn_id: str
) -> LoanRepayment | None:
    """The repayment a bank entered under its transaction id (unique per bank), if any."""
    return session.scalar(
        select(LoanRepayment).where(
            LoanRepayment.bank_tenant_id == bank_tenant_id,
            LoanRepayment.bank_txn_id == bank_txn_id,
        )
    )


def repayments_of(session: Session, drawdown_id: int) -> Sequence[LoanRepayment]:
    return session.scalars(
        select(LoanRepayment)
        .where(LoanRepayment.drawdown_id == drawdown_id)
        .order_by(LoanRepayment.value_date, LoanRepayment.id)
    ).all()


def classifications_of(session: Session, drawdown_id: int) -> Sequence[LoanClassification]:
    return session.scalars(
        select(LoanClassification)
        .where(LoanClassification.drawdown_id == drawdown_id)
        .order_by(LoanClassification.id)
    ).all()
