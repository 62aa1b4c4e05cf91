"""The statements of the quarterly 贴息 computation over subsidy lines (the subsidy claims'
repository): the quarter's basis per drawdown in a temporary table, the check which caps bind
over the enterprises' totals, the set-based ``INSERT … SELECT`` of the lines with the caps that
bind as window functions, and the updates the conditions make. The arithmetic is stated in
:mod:`zhixin.support.subsidies`' docstring and is the SQL form of :func:`.rules.subsidy` and
:func:`.rules.capped` (a test runs both on the same loans)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
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


# the quarter's basis, aggregated per drawdown once (temporary tables of the computing
# connection, dropped when done): the paid interest with each loan's raw subsidy, and per
# enterprise its district, raw total, what earlier quarters gave it and whether its cap binds
_tmp = MetaData()
_ID = BigInteger().with_variant(Integer(), "sqlite")  # INTEGER PRIMARY KEY: the rowid on SQLite
BASIS = Table(
    "tmp_subsidy_basis",
    _tmp,
    Column("drawdown_id", _ID, primary_key=True, autoincrement=False),
    Column("contract_id", BigInteger, nullable=False),
    Column("enterprise_id", BigInteger, nullable=False),
    Column("bank_tenant_id", BigInteger, nullable=False),
    Column("rate_units", BigInteger, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("raw_fen", BigInteger, nullable=False),
    prefixes=["TEMPORARY"],
)
FIRMS = Table(
    "tmp_subsidy_firm",
    _tmp,
    Column("enterprise_id", _ID, primary_key=True, autoincrement=False),
    Column("region_code", String(16)),
    Column("raw_fen", BigInteger, nullable=False),
    Column("given_fen", BigInteger, nullable=False),
    Column("binds", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)


def _drop_temporary(session: Session) -> None:
    conn = session.connection()
    word = "TEMPORARY TABLE" if conn.dialect.name in ("mysql", "mariadb") else "TABLE"
    for t in (FIRMS, BASIS):
        conn.exec_driver_sql(f"DROP {word} IF EXISTS {t.name}")


def _given_before(
    session: Session, policy_id: int, year: int, quarter: str
) -> list[tuple[int, int]]:
    """(enterprise_id, fen) given by the policy's earlier claims of the year."""
    line, claim = SubsidyLine, SubsidyClaim
    rows = session.execute(
        select(
            line.enterprise_id,
            cast(func.sum(func.round(line.amount * 100)), BigInteger),
        )
        .join(claim, claim.id == line.claim_id)
        .where(claim.policy_id == policy_id, claim.year == year, claim.quarter < quarter)
        .group_by(line.enterprise_id)
    ).all()
    return [(int(e), int(g or 0)) for e, g in rows]


def _raw(policy: rules.SubsidyPolicy, paid: Any, rate: Any) -> Any:
    if policy.kind == "points":
        pts = _int(int(policy.points * SCALE))
        return case(
            (rate <= pts, paid),
            else_=_least(paid, (_int(2) * paid * pts + rate) // (_int(2) * rate)),
        )
    den = 100 * SCALE
    return (_int(2) * paid * _int(int(policy.share * SCALE)) + _int(den)) // _int(2 * den)


def write_lines(
    session: Session,
    claim_id: int,
    policy_id: int,
    policy: rules.SubsidyPolicy,
    quarter: str,
    first: date,
    last: date,
) -> int:
    """The lines of a claim (see the module's docstring). The quarter's paid interest is
    aggregated per drawdown once, into a temporary table with each loan's raw subsidy; the
    enterprises' totals decide which caps bind; then the lines are written once — each loan's
    raw subsidy where no cap binds, the enterprise window only over enterprises whose cap
    binds, and both windows over all loans only when the year's budget binds. Where a cap does
    not bind, its window would give each loan its amount unchanged, so the lines are those of
    the full windowed statement in every case. Returns the lines written."""
    _drop_temporary(session)
    conn = session.connection()
    BASIS.create(conn)
    FIRMS.create(conn)
    try:
        return _write(session, claim_id, policy_id, policy, quarter, first, last)
    finally:
        _drop_temporary(session)


def _write(
    session: Session,
    claim_id: int,
    policy_id: int,
    policy: rules.SubsidyPolicy,
    quarter: str,
    first: date,
    last: date,
) -> int:
    base = book.subsidy_basis(first, last, policy.products)
    if "not_overdue" in policy.conditions:
        base = base.where(literal_column("days_past_due") == 0)
    b = base.subquery("b")
    session.execute(
        insert(BASIS).from_select(
            [c.name for c in BASIS.c],
            select(
                b.c.drawdown_id, b.c.contract_id, b.c.enterprise_id, b.c.bank_tenant_id,
                b.c.rate_units, b.c.paid_fen, _raw(policy, b.c.paid_fen, b.c.rate_units),
            ),
        )
    )  # fmt: skip
    session.execute(
        insert(FIRMS).from_select(
            [c.name for c in FIRMS.c],
            select(
                BASIS.c.enterprise_id,
                enterprises.region_of(BASIS.c.enterprise_id),
                cast(func.sum(BASIS.c.raw_fen), BigInteger),
                _int(0),
                _int(0),
            ).group_by(BASIS.c.enterprise_id),
        )
    )
    firm_cap = False
    if policy.cap_per_enterprise_year is not None or policy.cap_per_year is not None:
        given = _given_before(session, policy_id, first.year, quarter)
        if given:
            session.execute(
                update(FIRMS)
                .where(FIRMS.c.enterprise_id == bindparam("e"))
                .values(given_fen=bindparam("g")),
                [{"e": e, "g": g} for e, g in given],
            )
    if policy.cap_per_enterprise_year is not None:
        cap = _int(int(policy.cap_per_enterprise_year * 100))
        n = session.execute(
            update(FIRMS).where(FIRMS.c.raw_fen + FIRMS.c.given_fen > cap).values(binds=1)
        )
        firm_cap = bool(getattr(n, "rowcount", 0))
    if policy.cap_per_year is not None:
        # the quarter's total after the enterprise caps: a binding enterprise gets its room
        room = (
            _pos(_int(int(policy.cap_per_enterprise_year * 100)) - FIRMS.c.given_fen)
            if policy.cap_per_enterprise_year is not None
            else FIRMS.c.raw_fen
        )
        after = session.scalar(
            select(
                func.coalesce(func.sum(case((FIRMS.c.binds == 1, room), else_=FIRMS.c.raw_fen)), 0)
            )
        )
        spent = sum(g for _, g in _given_before(session, policy_id, first.year, quarter))
        left = int(policy.cap_per_year * 100) - spent
        if int(after or 0) > left:
            return _insert(session, claim_id, policy, budget_fen=left)
    if firm_cap:
        return _insert(session, claim_id, policy, binds=0) + _insert(
            session, claim_id, policy, binds=1
        )
    return _insert(session, claim_id, policy)


def _insert(
    session: Session,
    claim_id: int,
    policy: rules.SubsidyPolicy,
    *,
    binds: int | None = None,
    budget_fen: int | None = None,
) -> int:
    """One ``INSERT … SELECT`` of lines from the basis: the loans of every enterprise
    (``binds`` None) or of those whose cap binds (1) or does not (0); the enterprise window
    where ``binds`` is 1 or with a budget, the budget window with ``budget_fen`` (the year's
    budget less what earlier quarters gave)."""
    t, f = BASIS, FIRMS
    src = t.join(f, f.c.enterprise_id == t.c.enterprise_id)
    raw = t.c.raw_fen
    windowed = binds == 1 or budget_fen is not None
    if windowed and policy.cap_per_enterprise_year is not None:
        cap = _int(int(policy.cap_per_enterprise_year * 100))
        before = (
            cast(
                func.sum(raw).over(
                    partition_by=t.c.enterprise_id, order_by=t.c.drawdown_id, rows=(None, 0)
                ),
                BigInteger,
            )
            - raw
        )
        capped = _least(raw, _pos(cap - f.c.given_fen - before))
        amount_e: Any = case((f.c.binds == 1, capped), else_=raw)
    else:
        amount_e = raw
    cols = select(
        t.c.drawdown_id, t.c.contract_id, t.c.enterprise_id, t.c.bank_tenant_id,
        f.c.region_code, t.c.rate_units, t.c.paid_fen, raw.label("raw_fen"),
        amount_e.label("amount_e"),
    ).select_from(src)  # fmt: skip
    if binds is not None:
        cols = cols.where(f.c.binds == binds)
    s2 = cols.subquery("s2")
    amount: Any = s2.c.amount_e
    if budget_fen is not None:
        left = _int(budget_fen)
        before_all = (
            cast(
                func.sum(s2.c.amount_e).over(order_by=s2.c.drawdown_id, rows=(None, 0)),
                BigInteger,
            )
            - s2.c.amount_e
        )
        amount = _least(s2.c.amount_e, _pos(left - before_all))
    hundred: Any = literal_column("100.0")
    rows = select(
        literal(claim_id).label("claim_id"),
        s2.c.drawdown_id,
        s2.c.contract_id,
        s2.c.enterprise_id,
        s2.c.bank_tenant_id,
        s2.c.region_code,
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
