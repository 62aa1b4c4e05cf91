"""The statements of the quarterly 贴息 computation over subsidy lines (the subsidy claims'
repository): the set-based ``INSERT … SELECT`` with its caps as window functions, the check
whether a cap binds, and the updates the conditions make. The arithmetic is stated in
:mod:`zhixin.support.subsidies`' docstring and is the SQL form of :func:`.rules.subsidy` and
:func:`.rules.capped` (a test runs both on the same loans)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.orm import Session

from zhixin.enterprises import service as enterprises
from zhixin.loans import reads as book
from zhixin.support import rules
from zhixin.support.models import ZERO, SubsidyClaim, SubsidyLine

SCALE = 1_000_000


def _int(value: int) -> Any:
    return literal_column(str(value), BigInteger)


def _least(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _pos(a: Any) -> Any:
    return case((a > 0, a), else_=_int(0))


def _given_before(session: Session, policy_id: int, year: int, quarter: str) -> Any:
    """Subquery: enterprise_id, fen given by the policy's earlier claims of the year."""
    line, claim = SubsidyLine, SubsidyClaim
    return (
        select(
            line.enterprise_id.label("enterprise_id"),
            cast(func.sum(func.round(line.amount * 100)), BigInteger).label("given_fen"),
        )
        .join(claim, claim.id == line.claim_id)
        .where(claim.policy_id == policy_id, claim.year == year, claim.quarter < quarter)
        .group_by(line.enterprise_id)
        .subquery("given")
    )


def write_lines(
    session: Session,
    claim_id: int,
    policy_id: int,
    policy: rules.SubsidyPolicy,
    quarter: str,
    first: date,
    last: date,
) -> int:
    """The lines of a claim, fast where no cap binds: first without the caps (no window
    functions); when a cap would bind — an enterprise past its room for the year, or the year's
    budget overrun — the lines are written again by the full statement, whose windows take the
    loans in drawdown order. Where no cap binds, both give the same lines (each loan's amount is
    its raw subsidy)."""
    free = replace(policy, cap_per_enterprise_year=None, cap_per_year=None)
    n = insert_lines(session, claim_id, policy_id, free, quarter, first, last)
    if not _a_cap_binds(session, claim_id, policy_id, policy, quarter, first.year):
        return n
    delete_lines(session, claim_id)
    return insert_lines(session, claim_id, policy_id, policy, quarter, first, last)


def _a_cap_binds(
    session: Session,
    claim_id: int,
    policy_id: int,
    policy: rules.SubsidyPolicy,
    quarter: str,
    year: int,
) -> bool:
    line, claim = SubsidyLine, SubsidyClaim
    earlier = (
        select(line.enterprise_id, line.amount)
        .join(claim, claim.id == line.claim_id)
        .where(claim.policy_id == policy_id, claim.year == year, claim.quarter < quarter)
    )
    if policy.cap_per_year is not None:
        spent = session.scalar(select(func.coalesce(func.sum(earlier.subquery().c.amount), 0)))
        now = session.scalar(
            select(func.coalesce(func.sum(line.amount), 0)).where(line.claim_id == claim_id)
        )
        if Decimal(str(spent)) + Decimal(str(now)) > policy.cap_per_year:
            return True
    if policy.cap_per_enterprise_year is not None:
        both = (
            select(line.enterprise_id.label("e"), line.amount.label("a"))
            .where(line.claim_id == claim_id)
            .union_all(earlier)
            .subquery()
        )
        over = session.scalar(
            select(func.count()).select_from(
                select(both.c.e)
                .group_by(both.c.e)
                .having(func.sum(both.c.a) > policy.cap_per_enterprise_year)
                .subquery()
            )
        )
        if over:
            return True
    return False


def insert_lines(
    session: Session,
    claim_id: int,
    policy_id: int,
    policy: rules.SubsidyPolicy,
    quarter: str,
    first: date,
    last: date,
) -> int:
    """The set-based statement (see the module's docstring). Returns the lines written."""
    base = book.subsidy_basis(first, last, policy.products)
    if "not_overdue" in policy.conditions:
        base = base.where(literal_column("days_past_due") == 0)
    b = base.subquery("b")
    paid, rate = b.c.paid_fen, b.c.rate_units
    if policy.kind == "points":
        pts = _int(int(policy.points * SCALE))
        raw = case(
            (rate <= pts, paid),
            else_=_least(paid, (_int(2) * paid * pts + rate) // (_int(2) * rate)),
        )
    else:
        den = 100 * SCALE
        raw = (_int(2) * paid * _int(int(policy.share * SCALE)) + _int(den)) // _int(2 * den)
    given = _given_before(session, policy_id, first.year, quarter)
    s1 = (
        select(b, raw.label("raw_fen"), func.coalesce(given.c.given_fen, 0).label("given_fen"))
        .select_from(b)
        .outerjoin(given, given.c.enterprise_id == b.c.enterprise_id)
        .subquery("s1")
    )
    if policy.cap_per_enterprise_year is not None:
        cap = _int(int(policy.cap_per_enterprise_year * 100))
        before = (
            cast(
                func.sum(s1.c.raw_fen).over(
                    partition_by=s1.c.enterprise_id, order_by=s1.c.drawdown_id, rows=(None, 0)
                ),
                BigInteger,
            )
            - s1.c.raw_fen
        )
        amount_e = _least(s1.c.raw_fen, _pos(cap - s1.c.given_fen - before))
    else:
        amount_e = s1.c.raw_fen
    s2 = select(s1, amount_e.label("amount_e")).subquery("s2")
    if policy.cap_per_year is not None:
        budget = _int(int(policy.cap_per_year * 100))
        spent = (
            select(
                cast(func.coalesce(func.sum(func.round(SubsidyLine.amount * 100)), 0), BigInteger)
            )
            .join(SubsidyClaim, SubsidyClaim.id == SubsidyLine.claim_id)
            .where(
                SubsidyClaim.policy_id == policy_id,
                SubsidyClaim.year == first.year,
                SubsidyClaim.quarter < quarter,
            )
            .scalar_subquery()
        )
        before_all = (
            cast(
                func.sum(s2.c.amount_e).over(order_by=s2.c.drawdown_id, rows=(None, 0)), BigInteger
            )
            - s2.c.amount_e
        )
        amount = _least(s2.c.amount_e, _pos(budget - spent - before_all))
    else:
        amount = s2.c.amount_e
    hundred: Any = literal_column("100.0")
    rows = select(
        literal(claim_id).label("claim_id"),
        s2.c.drawdown_id,
        s2.c.contract_id,
        s2.c.enterprise_id,
        s2.c.bank_tenant_id,
        enterprises.region_of(s2.c.enterprise_id).label("region_code"),
        (s2.c.rate_units / literal_column("1000000.0")).label("annual_rate"),
        (s2.c.paid_fen / hundred).label("interest_paid"),
        (s2.c.raw_fen / hundred).label("raw"),
        (amount / hundred).label("amount"),
        literal(policy.payee).label("payee"),
    )
    result = session.execute(
        insert(SubsidyLine).from_select(
            [
                "claim_id",
                "drawdown_id",
                "contract_id",
                "enterprise_id",
                "bank_tenant_id",
                "region_code",
                "annual_rate",
                "interest_paid",
                "raw",
                "amount",
                "payee",
            ],
            rows,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def delete_lines(session: Session, claim_id: int) -> None:
    session.execute(delete(SubsidyLine).where(SubsidyLine.claim_id == claim_id))


def line_enterprises(session: Session, claim_id: int) -> list[int]:
    return list(
        session.scalars(
            select(SubsidyLine.enterprise_id).where(SubsidyLine.claim_id == claim_id).distinct()
        ).all()
    )


def zero_lines(
    session: Session,
    claim_id: int,
    *,
    enterprise_ids: Sequence[int] = (),
    contract_ids: Sequence[int] = (),
) -> None:
    """Set to 0 the claim's lines of these enterprises and of these contracts."""
    for column, ids in (
        (SubsidyLine.enterprise_id, enterprise_ids),
        (SubsidyLine.contract_id, contract_ids),
    ):
        if ids:
            session.execute(
                update(SubsidyLine)
                .where(SubsidyLine.claim_id == claim_id, column.in_(list(ids)))
                .values(amount=ZERO)
            )


def line_totals(session: Session, claim_id: int) -> tuple[int, Decimal, Decimal]:
    """(lines, interest paid, subsidy) of a claim."""
    n, basis, total = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(SubsidyLine.interest_paid), 0),
            func.coalesce(func.sum(SubsidyLine.amount), 0),
        ).where(SubsidyLine.claim_id == claim_id)
    ).one()
    return int(n), Decimal(str(basis)), Decimal(str(total))
