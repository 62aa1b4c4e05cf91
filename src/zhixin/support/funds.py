"""Risk compensation funds (风险补偿资金池): created and kept by the finance bureau
(``fund:manage``) — contributions, the balance and its entries, the quarter's reconciliation.
Audited (``support.*``). Re-exported by ``support.service``. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.errors import Conflict, NotFound
from zhixin.loans import reads as book
from zhixin.support import repository as repo
from zhixin.support import rules
from zhixin.support.common import NOT_FOUND, audited, money, refused, require
from zhixin.support.models import ZERO, Claim, Fund, FundEntry

# -- funds -------------------------------------------------------------------------------------


def create_fund(
    session: Session, *, actor: Principal, code: str, name: str, terms: dict[str, Any]
) -> Fund:
    require(actor, Permission.fund_manage, TenantKind.finance)
    try:
        rules.fund_rules(terms)
    except rules.Refused as exc:
        raise refused(exc) from exc
    if repo.fund_by_code(session, code) is not None:
        raise Conflict(f"资金池代码 {code} 已存在")
    f = Fund(code=code, name=name, manager_tenant_id=actor.tenant_id, terms=terms)
    session.add(f)
    session.flush()
    audited(session, actor, "fund.create", "fund", f.id, code=code)
    return f


def _fund(session: Session, code: str) -> Fund:
    f = repo.fund_by_code(session, code)
    if f is None:
        raise NotFound(f"未找到风险补偿资金池 {code}")
    return f


def _managed(session: Session, actor: Principal, fund_id: int) -> Fund:
    require(actor, Permission.fund_manage, TenantKind.finance)
    f = repo.fund(session, fund_id)
    if f is None or f.manager_tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)
    return f


def contribute(
    session: Session, *, actor: Principal, fund_code: str, amount: Decimal, on: date, note: str = ""
) -> FundEntry:
    f = _managed(session, actor, _fund(session, fund_code).id)
    e = FundEntry(
        fund_id=f.id,
        kind="contribution",
        amount=money(amount, "注资金额"),
        on_date=on,
        note=note,
        created_by_id=actor.user_id,
    )
    session.add(e)
    session.flush()
    audited(session, actor, "fund.contribute", "fund", f.id, amount=amount)
    return e


balance = repo.balance
entries = repo.entries
funds = repo.funds


@dataclass(frozen=True)
class FundReport:
    """A fund's reconciliation for one quarter (对账): opening balance, contributions, payments,
    recoveries, closing balance — and each claim paid tied to its contract and the book's
    figures it was computed on."""

    fund: Fund
    quarter: str
    opening: Decimal
    contributions: Decimal
    payments: Decimal
    recoveries: Decimal
    closing: Decimal
    claims: list[tuple[Claim, str]]  # claims paid in the quarter, with the contract number


def reconcile(session: Session, *, fund_code: str, quarter: str) -> FundReport:
    try:
        first, last = rules.quarter(quarter)
    except rules.Refused as exc:
        raise refused(exc) from exc
    f = _fund(session, fund_code)
    opening = contributions = payments = recoveries = ZERO
    for e in repo.entries(session, f.id):
        signed = -e.amount if e.kind == "payment" else e.amount
        if e.on_date < first:
            opening += signed
        elif e.on_date <= last:
            if e.kind == "contribution":
                contributions += e.amount
            elif e.kind == "payment":
                payments += e.amount
            else:
                recoveries += e.amount
    paid = [
        c
        for c in repo.claims(session, fund_id=f.id, state="paid")
        if c.paid_on is not None and first <= c.paid_on <= last
    ]
    nos = book.contract_nos(session, [c.contract_id for c in paid])
    return FundReport(
        fund=f,
        quarter=quarter,
        opening=opening,
        contributions=contributions,
        payments=payments,
        recoveries=recoveries,
        closing=opening + contributions - payments + recoveries,
        claims=[(c, nos.get(c.contract_id, "")) for c in paid],
    )


def fund_of(session: Session, *, actor: Principal, fund_id: int) -> Fund:
    """A fund the actor manages (404 otherwise)."""
    return _managed(session, actor, fund_id)


def managed_funds(session: Session, *, actor: Principal) -> list[tuple[Fund, Decimal]]:
    require(actor, Permission.fund_manage, TenantKind.finance)
    return [
        (f, repo.balance(session, f.id))
        for f in repo.funds(session)
        if f.manager_tenant_id == actor.tenant_id
    ]
