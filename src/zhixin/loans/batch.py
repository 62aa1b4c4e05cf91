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

The statements of a day are here; the SQL building blocks (``batch_sql``: tables, integer
arithmetic, days between dates) and repricing (``repricing``) are split off by concept and
re-exported, so callers keep ``batch.X``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, false, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import Date

from zhixin.kit import clock
from zhixin.loans import models as _book  # noqa: F401 - the book's tables in the metadata

# The modules split off by concept, named here too: callers write ``batch.X``.
from zhixin.loans.batch_sql import (
    DAILY,
    MARKUP_SCALE,
    RATE_SCALE,
    _int,
    _money,
    _table,
    days_between,
    fen_of,
    half_up_quotient,
    units_of,
)
from zhixin.loans.repricing import next_repricing, reprice
from zhixin.loans.servicing_models import LoanBatchRun, LoanClassification
from zhixin.loans.servicing_rules import RANK, TECHNICAL_DELAY_DAYS, THRESHOLDS, Grade

__all__ = [
    "DAILY",
    "MARKUP_SCALE",
    "RATE_SCALE",
    "RENEWAL_HORIZON_DAYS",
    "STEPS",
    "DayResult",
    "close_day",
    "days_between",
    "days_to_run",
    "fen_of",
    "half_up_quotient",
    "next_repricing",
    "reprice",
    "units_of",
]


STEPS = 6
RENEWAL_HORIZON_DAYS = 90


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
