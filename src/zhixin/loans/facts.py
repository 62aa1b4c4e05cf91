"""What the reports read of the loan book (``zhixin.reports``): one row per disbursed drawdown
with its contract's bank, product, borrower and origin; one statement, no permission check (the
caller, a report service, has made it).

Balances and classes are the drawdown's running columns as the latest nightly batch left them
(``loan_drawdown.outstanding_principal``, ``classification``), as the NPL ratio reads them
(``loans.servicing.npl_by``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zhixin.loans.models import LoanContract, LoanDrawdown

# a drawdown that has been disbursed: still running, repaid in full, or carried into a
# 无还本续贷 renewal's new drawdown
DISBURSED_STATES = ("disbursed", "settled", "renewed")


@dataclass(frozen=True, slots=True)
class DrawdownFact:
    id: int
    contract_id: int
    contract_no: str
    application_id: int | None
    renewed_from_id: int | None
    bank_tenant_id: int
    bank_code: str
    enterprise_id: int
    product_code: str
    status: str
    value_date: date
    amount: Decimal
    outstanding: Decimal
    classification: str

    @property
    def balance(self) -> Decimal:
        """The outstanding principal of a running drawdown; 0 once settled or renewed."""
        return self.outstanding if self.status == "disbursed" else Decimal("0.00")


def drawdown_facts(
    session: Session, *, until: date, since: date | None = None
) -> list[DrawdownFact]:
    """Every drawdown disbursed (value date) on or before ``until`` (and on or after
    ``since``)."""
    d, c = LoanDrawdown, LoanContract
    stmt = (
        select(
            d.id,
            c.id,
            c.contract_no,
            c.application_id,
            c.renewed_from_id,
            c.bank_tenant_id,
            c.bank_code,
            c.enterprise_id,
            c.product_code,
            d.status,
            d.value_date,
            d.amount,
            d.outstanding_principal,
            d.classification,
        )
        .join(c, c.id == d.contract_id)
        .where(d.status.in_(DISBURSED_STATES), d.value_date.is_not(None), d.value_date <= until)
    )
    if since is not None:
        stmt = stmt.where(d.value_date >= since)
    # the columns in the dataclass's order: one tuple → one fact
    rows: list[Any] = list(session.connection().execute(stmt))
    return [DrawdownFact(*r) for r in rows]


def borrower_firsts(session: Session, firms: Any) -> list[tuple[int, int, str, date | None]]:
    """Per (enterprise, bank, product) among ``firms`` (a subquery of ids, or a list): the
    first value date of a disbursed drawdown, as :func:`borrower_firms` counts them."""
    d, c = LoanDrawdown, LoanContract
    stmt = (
        select(c.enterprise_id, c.bank_tenant_id, c.product_code, func.min(d.value_date))
        .join(d, d.contract_id == c.id)
        .where(
            d.status.in_(DISBURSED_STATES), d.value_date.is_not(None), c.enterprise_id.in_(firms)
        )
        .group_by(c.enterprise_id, c.bank_tenant_id, c.product_code)
    )
    return [(int(r[0]), int(r[1]), str(r[2]), r[3]) for r in session.connection().execute(stmt)]


def borrowers_between(session: Session, *, start: date, end: date) -> set[int]:
    """The firms with a drawdown valued between ``start`` and ``end``."""
    d, c = LoanDrawdown, LoanContract
    stmt = (
        select(c.enterprise_id)
        .join(d, d.contract_id == c.id)
        .where(d.status.in_(DISBURSED_STATES), d.value_date.between(start, end))
    )
    return {int(i) for i in session.connection().execute(stmt.distinct()).scalars()}


def first_value_date(session: Session) -> date | None:
    """The first value date of any drawdown (the daily facts start there)."""
    d = LoanDrawdown
    stmt = select(func.min(d.value_date)).where(d.status.in_(DISBURSED_STATES))
    return session.connection().execute(stmt).scalar()


def contract_origins(
    session: Session, ids: set[int] | None = None
) -> dict[int, tuple[int | None, int | None]]:
    """contract id → (application id, renewed-from contract id), every contract, or those of
    ``ids`` and the contracts their renewal chains lead back to (1,000 ids a statement)."""
    c = LoanContract
    conn = session.connection()

    def rows(stmt: Any) -> dict[int, tuple[int | None, int | None]]:
        return {
            int(i): (None if a is None else int(a), None if r is None else int(r))
            for i, a, r in conn.execute(stmt)
        }

    base = select(c.id, c.application_id, c.renewed_from_id)
    if ids is None:
        return rows(base)
    out: dict[int, tuple[int | None, int | None]] = {}
    todo = sorted(ids)
    while todo:
        found: dict[int, tuple[int | None, int | None]] = {}
        for k in range(0, len(todo), 1000):
            found.update(rows(base.where(c.id.in_(todo[k : k + 1000]))))
        out.update(found)
        todo = sorted({p for a, p in found.values() if a is None and p is not None} - set(out))
    return out


def borrower_firms(
    session: Session, *, until: date, bank: int | None, product: str | None
) -> set[int]:
    """The firms with a drawdown disbursed on or before ``until`` (one bank's, one product's)."""
    d, c = LoanDrawdown, LoanContract
    stmt = (
        select(c.enterprise_id)
        .join(d, d.contract_id == c.id)
        .where(d.status.in_(DISBURSED_STATES), d.value_date.is_not(None), d.value_date <= until)
    )
    if bank is not None:
        stmt = stmt.where(c.bank_tenant_id == bank)
    if product is not None:
        stmt = stmt.where(c.product_code == product)
    return {int(i) for i in session.connection().execute(stmt.distinct()).scalars()}
