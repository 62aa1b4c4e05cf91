"""The nightly batch (日终批处理): closes business days, set-based, in SQL.

For each day D (a gap is caught up day by day, oldest first; a day already closed is skipped):

0. floating contracts whose repricing date is D are repriced (:func:`reprice`: the LPR in force
   + the spread; the instalments not yet begun rescheduled at the new rate) — the one step that
   is a loop, over only those contracts;
1. instalments due on or before D and not fully paid are marked ``overdue``;
2. each drawdown's overdue principal and interest (the unpaid part of what fell due on or before
   D) and its days past due (D + 1 − the oldest unpaid due date) are set from its instalments;
3. where the class changes, a row of ``loan_classification`` keeps from, to and the rules' floor
   (days past due; a restructured drawdown in its observation period at least 关注 and at least
   its class before the restructuring);
4. one day of contract interest (计提), 罚息 and 复利 is added, the class is set and
   ``last_accrual_date`` becomes D — so a drawdown is never closed twice for one day;
5. ``loan_batch_run`` records the day with its counts (contracts maturing within 90 days as the
   renewal candidates).

Every step is one statement over all drawdowns (correlated subqueries and CASE expressions in
SQLAlchemy Core; no Python loop per loan), the same on SQLite, PostgreSQL and MariaDB. Each day
is one transaction (the caller's unit of work commits it).

The arithmetic is the pure rules' (:mod:`zhixin.loans.servicing_rules`) to the fen: amounts are
turned into whole fen, rates into integers (rate × 10⁶, markup × 10⁴), and one day's interest is
the integer half-up quotient base × rate / (100 × 360) computed in 64-bit integers (the product
is split so it cannot overflow for balances below 10¹⁵ fen) — exact on every server, where
SQLite's floating REAL rounding would not be.

Scaling out: every statement is keyed by the drawdown and reads only that drawdown's instalments
and classification rows, so the work partitions by drawdown id. On a distributed PostgreSQL
(Citus) or MySQL-family (TiDB, OceanBase) database, distribute ``loan_drawdown``,
``loan_instalment`` and ``loan_classification`` on the drawdown id (co-located): each statement
then runs shard-locally in parallel, unchanged. Or run the same formulas as columnar SQL in
DuckDB/Spark over a Parquet export partitioned by drawdown id, as the evaluation does
(``zhixin evaluate --engine spark``), and load the day's figures back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Table,
    and_,
    case,
    cast,
    false,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date

from zhixin.kit import clock
from zhixin.kit.db import Base
from zhixin.lending.dates import add_months
from zhixin.loans import models as _book  # noqa: F401 - the book's tables in the metadata
from zhixin.loans.servicing_models import LoanBatchRun, LoanClassification
from zhixin.loans.servicing_rules import RANK, TECHNICAL_DELAY_DAYS, THRESHOLDS, Grade

STEPS = 6
RATE_SCALE = 1_000_000  # rates are Numeric(9, 6), % p.a.
MARKUP_SCALE = 10_000  # the markup is Numeric(9, 4), a fraction (0.5 = +50 %)
DAILY = 100 * 360  # % p.a. → per day (ACT/360)
RENEWAL_HORIZON_DAYS = 90


def _table(name: str) -> Table:
    table = Base.metadata.tables[name]
    return table


# ------------------------------------------------------------------------- integer arithmetic


def _int(value: int) -> ColumnElement[int]:
    return literal_column(str(value), BigInteger)


def fen_of(column: Any) -> ColumnElement[int]:
    """An amount column in whole fen (exact: the column holds at most two decimals)."""
    return cast(func.round(column * 100), BigInteger)


def units_of(column: Any, scale: int) -> ColumnElement[int]:
    """A rate (× 10⁶: ``Numeric(9, 6)``) or the markup (× 10⁴: ``Numeric(9, 4)``) as an
    integer, exact."""
    return cast(func.round(column * scale), BigInteger)


def half_up_quotient(base: Any, factor: Any, den: int, split: int = 10_000) -> ColumnElement[int]:
    """⌊(base × factor + den/2) / den⌋ for non-negative integers, without a 64-bit overflow:
    base = h·split + l, and h·factor is reduced modulo den before it is scaled back up."""
    if den % 2:
        raise ValueError("den must be even")
    h = base // _int(split)
    low = base % _int(split)
    hr = h * factor
    q1 = hr // _int(den)
    r1 = hr % _int(den)
    top = r1 * _int(split) + low * factor + _int(den // 2)
    quotient: ColumnElement[int] = q1 * _int(split) + top // _int(den)
    return quotient


def _money(fen_expr: Any) -> ColumnElement[Any]:
    money: ColumnElement[Any] = fen_expr / literal_column("100.0")
    return money


class days_between(FunctionElement[int]):  # noqa: N801 - a SQL function
    """later − earlier in days, for two dates."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_default(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}) AS INTEGER)"
    )


@compiles(days_between, "mysql")
@compiles(days_between, "mariadb")
def _days_mysql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"DATEDIFF({compiler.process(later, **kw)}, {compiler.process(earlier, **kw)})"


# ------------------------------------------------------------------------------- the statements


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


@dataclass(frozen=True, slots=True)
class DayResult:
    day: date
    skipped: bool
    drawdowns: int = 0
    overdue: int = 0
    reclassified: int = 0
    renewal_candidates: int = 0


def _rank_of(grade: Any) -> ColumnElement[int]:
    return case({g.value: RANK[g] for g in Grade}, value=grade, else_=0)


def _class_of(rank: Any) -> ColumnElement[str]:
    return case({RANK[g]: g.value for g in Grade}, value=rank, else_=Grade.normal.value)


def _rule_rank(dpd: Any, technical_delay_days: int) -> ColumnElement[int]:
    whens = [(dpd > days, RANK[g]) for days, g in THRESHOLDS]
    whens.append((dpd > technical_delay_days, RANK[Grade.special_mention]))
    return case(*whens, else_=RANK[Grade.normal])


def close_day(
    session: Session,
    day: date,
    *,
    technical_delay_days: int = TECHNICAL_DELAY_DAYS,
    step: Callable[[str], None] | None = None,
) -> DayResult:
    """Close business day ``day`` for every disbursed drawdown; a day already closed is a no-op."""
    done = session.scalar(
        select(LoanBatchRun.id).where(
            LoanBatchRun.business_date == day, LoanBatchRun.status == "done"
        )
    )
    if done is not None:
        return DayResult(day, skipped=True)
    started = clock.utcnow()
    dd, inst, contract = _table("loan_drawdown"), _table("loan_instalment"), _table("loan_contract")
    cls = _table(LoanClassification.__tablename__)
    d = literal(day, Date)
    eligible = and_(
        dd.c.status == "disbursed",
        dd.c.value_date <= d,
        or_(dd.c.last_accrual_date.is_(None), dd.c.last_accrual_date < d),
    )
    mine = inst.c.drawdown_id == dd.c.id
    unpaid = or_(inst.c.principal_paid < inst.c.principal, inst.c.interest_paid < inst.c.interest)
    note = step or (lambda _: None)
    conn = session.connection()  # Core statements, their row counts as the driver gives them
    if conn.dialect.name == "postgresql":
        # the correlated subqueries inflate the planner's cost estimate past the JIT threshold,
        # and compiling the expressions costs more than the statement itself
        conn.exec_driver_sql("SET LOCAL jit = off")

    # 0. floating contracts whose repricing date is D: their drawdowns repriced (before the
    # day's accrual, which then runs at the new rate)
    reprice(session, day)
    note("利率重定价")

    # 1. instalments fall overdue: those due since the last closed day (or ever, the first
    # time) and not fully paid
    prev = session.scalar(
        select(func.max(LoanBatchRun.business_date)).where(
            LoanBatchRun.status == "done", LoanBatchRun.business_date < day
        )
    )
    falling = [inst.c.due_date <= d, inst.c.status == "due", unpaid]
    if prev is not None:
        falling.append(inst.c.due_date > literal(prev, Date))
    conn.execute(update(inst).where(*falling).values(status="overdue"))
    note("逾期标记")

    # 2. overdue amounts and days past due, from the overdue instalments (due on or before D,
    # not fully paid: what step 1 and the repayments leave marked ``overdue``); only drawdowns
    # with such an instalment, or with overdue figures to clear, are written
    late = and_(mine, inst.c.status == "overdue")
    late_ids = select(inst.c.drawdown_id).where(inst.c.status == "overdue")
    zero = literal(0)
    conn.execute(
        update(dd)
        .where(
            eligible,
            or_(
                dd.c.id.in_(late_ids),
                dd.c.overdue_principal != 0,
                dd.c.overdue_interest != 0,
                dd.c.days_past_due != 0,
            ),
        )
        .values(
            overdue_principal=func.coalesce(
                select(func.sum(inst.c.principal - inst.c.principal_paid))
                .where(late)
                .scalar_subquery(),
                zero,
            ),
            overdue_interest=func.coalesce(
                select(func.sum(inst.c.interest - inst.c.interest_paid))
                .where(late)
                .scalar_subquery(),
                zero,
            ),
            days_past_due=func.coalesce(
                select(
                    days_between(literal(day + timedelta(days=1), Date), func.min(inst.c.due_date))
                )
                .where(late)
                .scalar_subquery(),
                zero,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    note("逾期金额与逾期天数")

    # 3. the class: the rules' floor, or the officer's latest class where worse
    officer_rank = _rank_of(
        select(cls.c.to_class)
        .where(cls.c.drawdown_id == dd.c.id, cls.c.by == "officer")
        .order_by(cls.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # 重组: within the observation period at least 关注 and at least the class before it
    observed = and_(
        dd.c.restructured_on.is_not(None),
        dd.c.restructured_on <= d,
        dd.c.observation_until >= d,
    )
    before_rank = _rank_of(dd.c.restructured_from)
    floor_rank = case(
        (before_rank > RANK[Grade.special_mention], before_rank),
        else_=RANK[Grade.special_mention],
    )
    dpd_rank = _rule_rank(dd.c.days_past_due, technical_delay_days)
    rule_rank = case(
        (and_(observed, floor_rank > dpd_rank), floor_rank),
        else_=dpd_rank,
    )
    new_class = _class_of(case((officer_rank > rule_rank, officer_rank), else_=rule_rank))
    # a drawdown not past due, 正常, never classified by an officer stays 正常: skip the rest
    may_move = or_(
        dd.c.days_past_due > 0,
        dd.c.restructured_on.is_not(None),
        dd.c.classification != Grade.normal.value,
        dd.c.id.in_(select(cls.c.drawdown_id).where(cls.c.by == "officer")),
    )
    moved = _rowcount(
        conn.execute(
            insert(cls)
            .from_select(
                [
                    "drawdown_id",
                    "from_class",
                    "to_class",
                    "rule_class",
                    "on_date",
                    "by",
                    "reason",
                    "created_at",
                ],
                select(
                    dd.c.id,
                    dd.c.classification,
                    new_class,
                    _class_of(rule_rank),
                    d,
                    literal("rule"),
                    literal("日终批处理按逾期天数分类"),
                    literal(started),
                ).where(
                    eligible,
                    # CASE: the class (and its officer subquery) only for rows that may move —
                    # PostgreSQL evaluates AND-ed conditions in any order
                    case((may_move, new_class != dd.c.classification), else_=false()),
                ),
            )
            .execution_options(preserve_rowcount=True)
        )
    )
    note("五级分类")

    # 4. one day of interest, 罚息 and 复利; the class; the day is closed
    rate = units_of(dd.c.annual_rate, RATE_SCALE)
    markup = units_of(contract.c.penalty_markup, MARKUP_SCALE)  # UPDATE … FROM the contract
    penalty_factor = rate * (_int(MARKUP_SCALE) + markup)
    performing = fen_of(dd.c.outstanding_principal) - fen_of(dd.c.overdue_principal)
    falls_due = dd.c.id.in_(select(inst.c.drawdown_id).where(inst.c.due_date == d))
    accrued = case((falls_due, _int(0)), else_=fen_of(dd.c.accrued_interest)) + half_up_quotient(
        performing, rate, DAILY * RATE_SCALE
    )
    penalty = fen_of(dd.c.penalty_interest) + half_up_quotient(
        fen_of(dd.c.overdue_principal), penalty_factor, DAILY * RATE_SCALE * MARKUP_SCALE
    )
    # 复利 unless the contract's frozen terms say ``compound: false``
    # (a missing key charges 复利: MySQL's rendering of as_boolean() reads NULL as false)
    flag = contract.c.terms["compound"]
    no_compound = and_(flag.as_json().is_not(None), flag.as_boolean().is_(False))
    compound = fen_of(dd.c.compound_interest) + case(
        (no_compound, _int(0)),
        else_=half_up_quotient(
            fen_of(dd.c.overdue_interest), penalty_factor, DAILY * RATE_SCALE * MARKUP_SCALE
        ),
    )
    accrued_n = _rowcount(
        conn.execute(
            update(dd)
            .where(eligible, contract.c.id == dd.c.contract_id)
            .values(
                accrued_interest=_money(accrued),
                penalty_interest=_money(penalty),
                compound_interest=_money(compound),
                classification=case((may_move, new_class), else_=dd.c.classification),
                last_accrual_date=d,
            )
            .execution_options(synchronize_session=False)
        )
    )
    note("计提利息、罚息、复利")

    # 5. the record of the day
    overdue_n = session.scalar(
        select(func.count())
        .select_from(dd)
        .where(dd.c.status == "disbursed", dd.c.days_past_due > 0)
    )
    candidates = session.scalar(
        select(func.count())
        .select_from(contract)
        .where(
            contract.c.status == "active",
            contract.c.maturity_date >= d,
            contract.c.maturity_date <= literal(day + timedelta(days=RENEWAL_HORIZON_DAYS), Date),
        )
    )
    session.add(
        LoanBatchRun(
            business_date=day,
            status="done",
            drawdowns=accrued_n,
            overdue=overdue_n or 0,
            reclassified=moved,
            renewal_candidates=candidates or 0,
            started_at=started,
            finished_at=clock.utcnow(),
        )
    )
    session.flush()
    note("记录批处理")
    return DayResult(
        day,
        skipped=False,
        drawdowns=accrued_n,
        overdue=overdue_n or 0,
        reclassified=moved,
        renewal_candidates=candidates or 0,
    )


def _cycle_months(rule: str | None) -> tuple[str, int]:
    """``anniversary/12m`` → ("anniversary", 12); the anchor and the cycle of a repricing rule."""
    anchor, _, cycle = (rule or "anniversary/12m").partition("/")
    months = cycle.rstrip("m")
    return anchor, int(months) if months.isdigit() and int(months) > 0 else 12


def next_repricing(start: date, rule: str | None, after: date) -> date:
    """The first repricing date after ``after``: 1 January of the next year (``january_1``),
    else the contract start + k × the cycle (anniversaries, never drifting off month ends)."""
    anchor, months = _cycle_months(rule)
    if anchor == "january_1":
        return date(after.year + 1, 1, 1)
    k = 1
    while add_months(start, k * months) <= after:
        k += 1
    return add_months(start, k * months)


def reprice(session: Session, day: date) -> int:
    """利率重定价 on business day ``day``: every active floating contract whose repricing date is
    ``day`` takes the LPR of its tenor in force that day + its spread on each disbursed drawdown
    (``annual_rate``, ``lpr_rate``, ``lpr_on``: the day's accrual and every later one run at it).
    The instalments not yet begun — those whose nominal period (value date + (seq − 1) months)
    starts on or after ``day`` and still ``due`` — are rescheduled by the lending core at the new
    rate over their unpaid principal (same count, same due dates); an instalment whose period
    began before ``day`` keeps its interest. The contract's repricing date moves to the next one.

    Not set-based: a bounded loop over only the contracts (and their drawdowns) repricing that
    day — few on any day. Returns the number of drawdowns repriced."""
    from zhixin.loans import service as book
    from zhixin.loans.models import LoanContract, LoanDrawdown, LoanInstalment
    from zhixin.lpr import service as lpr

    contracts = session.scalars(
        select(LoanContract).where(
            LoanContract.status == "active",
            LoanContract.rate_kind == "floating",
            LoanContract.repricing_date == day,
        )
    ).all()
    if not contracts:
        return 0
    in_force = lpr.rates_on(session, day)
    n = 0
    for c in contracts:
        base = in_force.tenor(c.lpr_tenor or "1y")
        rate = base + c.spread
        for dd in session.scalars(
            select(LoanDrawdown).where(
                LoanDrawdown.contract_id == c.id, LoanDrawdown.status == "disbursed"
            )
        ):
            dd.annual_rate, dd.lpr_rate, dd.lpr_on = rate, base, in_force.effective_on
            n += 1
            if dd.value_date is None:
                continue
            value_date = dd.value_date
            rows = [
                i
                for i in session.scalars(
                    select(LoanInstalment)
                    .where(LoanInstalment.drawdown_id == dd.id, LoanInstalment.status == "due")
                    .order_by(LoanInstalment.seq)
                )
                if add_months(value_date, i.seq - 1) >= day
            ]
            left = sum((i.principal - i.principal_paid for i in rows), Decimal(0))
            if not rows or left <= 0:
                continue
            sched = book.drawdown_schedule(
                session,
                c=c,
                amount=left,
                rate=rate,
                start=add_months(value_date, rows[0].seq - 1),
                term=len(rows),
            )
            for row, new in zip(rows, sched.instalments, strict=True):
                row.principal = row.principal_paid + new.principal
                row.interest = new.interest
        c.repricing_date = next_repricing(c.start_date, c.repricing_rule, day)
    session.flush()
    return n


def days_to_run(session: Session, through: date) -> list[date]:
    """The days from the one after the last closed day through ``through``; when no day was
    ever closed, from the earliest value date of a disbursed drawdown never closed (only
    ``through`` when there is none); empty when ``through`` is closed already."""
    last = session.scalar(
        select(func.max(LoanBatchRun.business_date)).where(LoanBatchRun.status == "done")
    )
    if last is None:
        dd = _table("loan_drawdown")
        first = session.scalar(
            select(func.min(dd.c.value_date)).where(
                dd.c.status == "disbursed", dd.c.last_accrual_date.is_(None)
            )
        )
        if first is None or first >= through:
            return [through]
        last = first - timedelta(days=1)
    if last >= through:
        done = session.scalar(select(LoanBatchRun.id).where(LoanBatchRun.business_date == through))
        return [] if done is not None else [through]
    return [last + timedelta(days=k) for k in range(1, (through - last).days + 1)]
