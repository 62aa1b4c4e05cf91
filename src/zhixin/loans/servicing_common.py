"""What the servicing modules share: the permission check, a drawdown and its contract for a
bank, the terms and the loan state the servicing rules read, the prepayment terms.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.errors import Forbidden, NotFound
from zhixin.lending.money import HUNDRED, ZERO
from zhixin.loans import repository as repo
from zhixin.loans import servicing_rules as rules
from zhixin.loans.models import LoanContract, LoanDrawdown, LoanInstalment


def _require(actor: Principal, permission: Permission) -> None:
    if actor.tenant_kind != TenantKind.bank or not actor.can(permission):
        raise Forbidden("只有贷款银行的有权人员可以办理")


def _drawdown(session: Session, drawdown_id: int, *, lock: bool = False) -> LoanDrawdown:
    dd = repo.drawdown(session, drawdown_id, lock=lock)
    if dd is None:
        raise NotFound("未找到该笔用信")
    return dd


def _contract_of(session: Session, dd: LoanDrawdown, bank_tenant_id: int) -> LoanContract:
    contract = session.get(LoanContract, dd.contract_id)
    if contract is None or contract.bank_tenant_id != bank_tenant_id:
        raise NotFound("未找到该笔用信")  # another bank's loan is not there for this bank
    return contract


def _prepayment_allowed(session: Session, contract: LoanContract) -> bool:
    """提前还款 allowed? The frozen terms' ``prepayment`` (or ``prepayment_allowed``) when the
    contract has it, else the product version's offer (``prepayment.allowed``); allowed when
    neither says (a product version from before offers were required)."""
    frozen: dict[str, Any] = contract.terms or {}
    prepayment = frozen.get("prepayment")
    if isinstance(prepayment, dict) and "allowed" in prepayment:
        return bool(prepayment["allowed"])
    if "prepayment_allowed" in frozen:
        return bool(frozen["prepayment_allowed"])
    from zhixin.products import service as products

    _, product = products.by_version(session, contract.product_version_id)
    return product.offer is None or product.offer.prepayment.allowed


def _prepayment_fee(session: Session, contract: LoanContract) -> tuple[Decimal, int | None]:
    """提前还款违约金: (fee rate %, fee-free after months) from the frozen terms (``prepayment``
    with ``fee_rate``, or ``prepayment_fee_rate`` beside a flat ``prepayment_allowed``), else the
    product version's offer; none when neither says."""
    frozen: dict[str, Any] = contract.terms or {}
    prepayment = frozen.get("prepayment")
    if isinstance(prepayment, dict) and "fee_rate" in prepayment:
        free = prepayment.get("fee_free_after_months")
        return Decimal(str(prepayment["fee_rate"])), int(free) if free else None
    if "prepayment_allowed" in frozen:  # the clause frozen flat: its fee beside it, or none
        free = frozen.get("fee_free_after_months")
        return Decimal(str(frozen.get("prepayment_fee_rate", "0"))), int(free) if free else None
    from zhixin.products import service as products

    try:
        _, product = products.by_version(session, contract.product_version_id)
    except NotFound:
        return ZERO, None
    if product.offer is None:
        return ZERO, None
    pre = product.offer.prepayment
    return Decimal(pre.fee_rate), pre.fee_free_after_months


def terms_of(session: Session, contract: LoanContract, dd: LoanDrawdown) -> rules.Terms:
    """The servicing terms: the drawdown's rate, the contract's markup (a fraction, turned
    into the lending core's percent), 复利 or not (frozen ``compound``, default yes), allocation
    order and early-repayment clause."""
    frozen: dict[str, Any] = contract.terms or {}
    fee_rate, fee_free = _prepayment_fee(session, contract)
    return rules.Terms(
        annual_rate=dd.annual_rate or ZERO,
        markup=contract.penalty_markup * HUNDRED,
        compound=bool(frozen.get("compound", True)),
        order=tuple(contract.allocation_order or rules.DEFAULT_ORDER),
        prepayment_allowed=_prepayment_allowed(session, contract),
        prepayment_fee_rate=fee_rate,
        fee_free_after_months=fee_free,
    )


def _instalments(session: Session, drawdown_id: int) -> list[LoanInstalment]:
    return list(repo.instalments_of(session, [drawdown_id]))


def loan_of(dd: LoanDrawdown, instalments: list[LoanInstalment]) -> rules.Loan:
    """The drawdown's figures as the pure rules see them."""
    assert dd.value_date is not None
    return rules.Loan(
        value_date=dd.value_date,
        outstanding_principal=dd.outstanding_principal,
        instalments=tuple(
            rules.Instalment(
                i.seq, i.due_date, i.principal, i.interest, i.principal_paid, i.interest_paid
            )
            for i in instalments
        ),
        accrued_interest=dd.accrued_interest,
        penalty_interest=dd.penalty_interest,
        compound_interest=dd.compound_interest,
        overdue_principal=dd.overdue_principal,
        overdue_interest=dd.overdue_interest,
        days_past_due=dd.days_past_due,
        classification=rules.Grade(dd.classification),
        last_accrual_date=dd.last_accrual_date,
    )
