"""A contract's credit line: what can be drawn now (its tranches, the drawn and the frozen) and
the freeze that quality linkage or a bank officer sets and lifts. Never commits."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid, LineFrozen, NotFound
from zhixin.loans import access, rules
from zhixin.loans import repository as repo
from zhixin.loans.models import (
    ZERO,
    LoanContract,
    LoanCreditLine,
    LoanDrawdown,
)

# -- availability ------------------------------------------------------------------------------


def tranches(c: LoanContract) -> list[rules.Tranche]:
    return [
        rules.Tranche(t["milestone"], Decimal(t["amount"]), bool(t.get("verified_on")))
        for t in (c.terms or {}).get("tranches", [])
    ]


def availability_of(
    c: LoanContract, line: LoanCreditLine, drawdowns: list[LoanDrawdown], *, skip: int = 0
) -> rules.Availability:
    """The line's availability; ``skip`` leaves one drawdown out of the in-flight sum (the one
    being approved, which already counts itself)."""
    outstanding = ZERO
    in_flight = ZERO
    for d in drawdowns:
        if d.id == skip:
            continue
        if d.status in rules.IN_FLIGHT:
            in_flight += d.amount
        elif d.status in ("disbursed", "settled"):
            # a revolving line gets repaid principal back; any other line does not
            outstanding += d.outstanding_principal if line.revolving else d.amount
    return rules.availability(
        limit=line.limit_amount,
        outstanding=outstanding,
        frozen=line.frozen_amount,
        in_flight=in_flight,
        tranches=tranches(c),
    )


def line_of(session: Session, c: LoanContract) -> LoanCreditLine:
    line = repo.line_of(session, c.id)
    if line is None:  # pragma: no cover - every contract is opened with its line
        raise NotFound(access.NOT_FOUND)
    return line


def not_blocked(line: LoanCreditLine) -> None:
    """质量联动冻结: while the linkage service holds the line, no new drawdown or payment."""
    if line.blocked_reason:
        raise LineFrozen(f"授信额度已冻结，不能用信或支付：{line.blocked_reason}")


def set_frozen(
    session: Session, *, actor: Principal, contract_id: int, amount: Decimal, reason: str
) -> LoanCreditLine:
    """冻结 part of the line (risk control by the bank's approver): the amount frozen now, 0
    to release; availability falls by it."""
    c = access.as_bank(session, actor, contract_id, Permission.loan_approve)
    access.require_active(c)
    line = line_of(session, c)
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise Invalid("冻结金额须为不小于零、精确到分的金额")
    if amount > line.limit_amount:
        raise Invalid(f"冻结金额不能超过授信额度 {line.limit_amount:,.2f} 元")
    if not reason.strip():
        raise Invalid("请填写冻结或解冻的理由")
    before = line.frozen_amount
    line.frozen_amount = amount
    access.bump(session, c)
    access.audited(
        session,
        actor,
        "line.freeze",
        "loan_credit_line",
        line.id,
        contract_id=c.id,
        before=str(before),
        after=str(amount),
        reason=reason.strip()[:200],
    )
    access.log_evidence(
        session,
        c,
        "freeze" if amount > 0 else "unfreeze",
        ("loan_credit_line", line.id),
        frozen=amount,
        reason=reason.strip()[:200],
    )
    return line
