"""Every query of the linkage domain (its own tables; the book's, the records' and the
whitelist's rows come as selectables their owners build)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Integer,
    Numeric,
    String,
    case,
    func,
    insert,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhixin.kit.db import insert_if_absent, insert_many, utcnow
from zhixin.linkage.models import CovenantResult, LinkageAction, LinkageCursor, ReversalRequest

RESULTS: Any = CovenantResult.__table__
ACTIONS: Any = LinkageAction.__table__
WORK_MEM = "64MB"  # PostgreSQL, for the covenant check's INSERT … SELECT only
_SET_WORK_MEM = text("SELECT set_config('work_mem', :mem, true)")

# -- cursors ------------------------------------------------------------------------------------


def cursor(session: Session, name: str) -> int | None:
    row = session.get(LinkageCursor, name)
    return int(row.position) if row is not None else None


def set_cursor(session: Session, name: str, position: int) -> None:
    insert_if_absent(
        session,
        LinkageCursor,
        {"name": name, "position": position, "updated_at": utcnow()},
    )
    session.execute(
        update(LinkageCursor)
        .where(LinkageCursor.name == name)
        .values(position=position, updated_at=utcnow())
    )


# -- actions ------------------------------------------------------------------------------------


def insert_actions(session: Session, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk insert (one DB-API executemany, ``kit.db.insert_many``), ids back in order. The rows of
    one call share their ``created_at`` (the caller's moment, to the microsecond): their ids
    are read back as those above the largest id before the insert with that moment, in
    insertion order (RETURNING per row would cost a statement a row)."""
    if not rows:
        return []
    stamp = rows[0]["created_at"]
    assert all(r["created_at"] == stamp for r in rows)
    before = int(session.scalar(select(func.max(LinkageAction.id))) or 0)
    session.flush()  # what the ORM holds first, as session.execute would
    insert_many(session, ACTIONS, rows)
    ids = list(
        session.scalars(
            select(LinkageAction.id)
            .where(LinkageAction.id > before, LinkageAction.created_at == stamp)
            .order_by(LinkageAction.id)
        )
    )
    assert len(ids) == len(rows), "two batches of linkage actions at the same microsecond"
    return ids


def action(session: Session, action_id: int) -> LinkageAction | None:
    return session.get(LinkageAction, action_id)


def actions_of_contract(session: Session, contract_id: int) -> Sequence[LinkageAction]:
    return session.scalars(
        select(LinkageAction)
        .where(LinkageAction.contract_id == contract_id)
        .order_by(LinkageAction.id.desc())
    ).all()


def actions_of_enterprise(
    session: Session, enterprise_id: int, limit: int = 200
) -> Sequence[LinkageAction]:
    return session.scalars(
        select(LinkageAction)
        .where(LinkageAction.enterprise_id == enterprise_id)
        .order_by(LinkageAction.id.desc())
        .limit(limit)
    ).all()


def freezes_in_force(session: Session, *, bank_tenant_id: int | None) -> Sequence[LinkageAction]:
    stmt = select(LinkageAction).where(
        LinkageAction.kind == "freeze", LinkageAction.status == "effective"
    )
    if bank_tenant_id is not None:
        stmt = stmt.where(LinkageAction.bank_tenant_id == bank_tenant_id)
    return session.scalars(stmt.order_by(LinkageAction.id.desc()).limit(500)).all()


def other_freeze(session: Session, contract_id: int, but: int) -> LinkageAction | None:
    """Another freeze of the contract still in force (its reason stays on the line)."""
    return session.scalars(
        select(LinkageAction)
        .where(
            LinkageAction.contract_id == contract_id,
            LinkageAction.kind == "freeze",
            LinkageAction.status == "effective",
            LinkageAction.id != but,
        )
        .order_by(LinkageAction.id.desc())
    ).first()


def due_rate_changes(session: Session, day: date) -> Sequence[LinkageAction]:
    return session.scalars(
        select(LinkageAction)
        .where(LinkageAction.status == "scheduled", LinkageAction.effective_on <= day)
        .order_by(LinkageAction.id)
    ).all()


def subsidy_withheld(session: Session, contract_id: int, period: str) -> bool:
    found = session.scalar(
        select(LinkageAction.id)
        .join(CovenantResult, CovenantResult.id == LinkageAction.covenant_result_id)
        .where(
            LinkageAction.contract_id == contract_id,
            LinkageAction.kind == "subsidy_withheld",
            LinkageAction.status == "effective",
            CovenantResult.period == period,
        )
    )
    return found is not None


def withheld_contracts(session: Session, period: str) -> set[int]:
    """The contracts whose 贴息 for the period is withheld by a breached covenant (one query)."""
    return set(
        session.scalars(
            select(LinkageAction.contract_id)
            .join(CovenantResult, CovenantResult.id == LinkageAction.covenant_result_id)
            .where(
                LinkageAction.kind == "subsidy_withheld",
                LinkageAction.status == "effective",
                CovenantResult.period == period,
            )
            .distinct()
        ).all()
    )


def set_status(session: Session, action_ids: Sequence[int], status: str, **values: Any) -> None:
    if action_ids:
        session.execute(
            update(LinkageAction)
            .where(LinkageAction.id.in_(list(action_ids)))
            .values(status=status, **values)
        )


# -- reversals ----------------------------------------------------------------------------------


def reversal(session: Session, reversal_id: int) -> ReversalRequest | None:
    return session.get(ReversalRequest, reversal_id)


def pending_reversal_of(session: Session, action_id: int) -> ReversalRequest | None:
    return session.scalars(
        select(ReversalRequest).where(
            ReversalRequest.action_id == action_id, ReversalRequest.status == "pending"
        )
    ).first()


def reversals(
    session: Session, *, bank_tenant_id: int | None, status: str | None = None
) -> Sequence[ReversalRequest]:
    stmt = select(ReversalRequest)
    if bank_tenant_id is not None:
        stmt = stmt.where(ReversalRequest.bank_tenant_id == bank_tenant_id)
    if status:
        stmt = stmt.where(ReversalRequest.status == status)
    return session.scalars(stmt.order_by(ReversalRequest.id.desc()).limit(500)).all()


# -- covenant results ---------------------------------------------------------------------------


def _fixed(*, version_id: int, kind: str, period: str, period_end: date) -> dict[str, Any]:
    return {
        "product_version_id": literal(version_id, Integer),
        "kind": literal(kind, String),
        "period": literal(period, String),
        "period_end": literal(period_end, Date),
        "checked_at": literal(utcnow(), CovenantResult.checked_at.type),
    }


def _insert_new(session: Session, cols: dict[str, Any], source: Any) -> int:
    """INSERT … SELECT that skips the rows whose (contract, covenant, period) exists already
    (a re-run adds nothing): ON CONFLICT DO NOTHING / OR IGNORE / IGNORE by dialect."""
    dialect = session.get_bind().dialect.name
    query = select(*cols.values()).select_from(source)
    if dialect != "postgresql":
        stmt: Any = insert(RESULTS).from_select(list(cols), query)
        stmt = stmt.prefix_with("OR IGNORE" if dialect == "sqlite" else "IGNORE")
        done: Any = session.execute(stmt.execution_options(preserve_rowcount=True))
        return max(int(done.rowcount or 0), 0)
    # rows in the unique key's order: the index grows at its right edge instead of at random
    # pages (SQLite's plan yields them in contract order already); and the per-contract sums
    # hashed in memory, not spilled to disk in batches (work_mem's 4 MB)
    query = query.order_by(cols["contract_id"])
    plain = postgresql.insert(CovenantResult).from_select(list(cols), query)
    before = session.scalar(text("SELECT current_setting('work_mem')"))
    session.execute(_SET_WORK_MEM, {"mem": WORK_MEM})
    try:
        # a period's first check: a plain INSERT in a savepoint (ON CONFLICT's speculative
        # insertion costs about a tenth of the statement); a re-run meets an existing row,
        # rolls back to the savepoint and inserts only what is missing
        with session.begin_nested():
            done = session.execute(plain.execution_options(preserve_rowcount=True))
    except IntegrityError:
        done = session.execute(
            plain.on_conflict_do_nothing().execution_options(preserve_rowcount=True)
        )
    # (a failed statement ends the transaction, and the setting with it)
    session.execute(_SET_WORK_MEM, {"mem": before})
    return max(int(done.rowcount or 0), 0)


def _constants(rows: list[dict[str, Any]]) -> Any:
    """The covenants of one statement as a derived table (one row each)."""
    parts = [select(*(literal(v, t).label(k) for k, (v, t) in row.items())) for row in rows]
    return (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("cv")


def insert_quality_use(
    session: Session,
    source: Any,
    *,
    covenants: list[tuple[str, Decimal, str]],
    **fixed: Any,
) -> int:
    """One INSERT … SELECT of quality-use results for the covenants that count the same
    purposes (code, min_share, consequence), from the book's per-contract sums (``source``:
    contract_id, enterprise_id, bank_tenant_id, drawn_fen, quality_fen, payments): met when
    quality × 10⁴ ≥ min_share × 100 × drawn (exact, integers); share truncated to 4 decimals."""
    src = source.subquery("q")
    cv = _constants(
        [
            {
                "covenant": (code, String),
                "consequence": (consequence, String),
                "threshold_units": (int(min_share * 100), BigInteger),
                "threshold": (min_share, Numeric(9, 4)),
            }
            for code, min_share, consequence in covenants
        ]
    )
    met = src.c.quality_fen * literal(10_000, BigInteger) >= src.c.drawn_fen * cv.c.threshold_units
    share_units = (src.c.quality_fen * literal(1_000_000, BigInteger)) // src.c.drawn_fen
    cols = {
        "contract_id": src.c.contract_id,
        "enterprise_id": src.c.enterprise_id,
        "bank_tenant_id": src.c.bank_tenant_id,
        **_fixed(**fixed),
        "covenant": cv.c.covenant,
        "consequence": cv.c.consequence,
        "met": case((met, literal(True, Boolean)), else_=literal(False, Boolean)),
        "drawn": sql_cast(src.c.drawn_fen, Numeric(18, 2)) / literal(100, Integer),
        "quality_paid": sql_cast(src.c.quality_fen, Numeric(18, 2)) / literal(100, Integer),
        "share": sql_cast(sql_cast(share_units, BigInteger), Numeric(18, 4))
        / literal(10_000, Integer),
        "threshold": cv.c.threshold,
        "payments": src.c.payments,
    }
    return _insert_new(session, cols, src.join(cv, literal(True)))


def insert_membership(
    session: Session,
    contracts: Any,
    members: Any,
    *,
    met_if_member: bool,
    covenant: str,
    consequence: str,
    **fixed: Any,
) -> int:
    """INSERT … SELECT of results decided by whether the contract's enterprise is in
    ``members`` (a select of enterprise ids): whitelisted (met if listed) and no serious
    penalty (met if absent)."""
    src = contracts.subquery("c")
    member = src.c.enterprise_id.in_(members)
    met = member if met_if_member else ~member
    cols = {
        "contract_id": src.c.contract_id,
        "enterprise_id": src.c.enterprise_id,
        "bank_tenant_id": src.c.bank_tenant_id,
        **_fixed(**fixed),
        "covenant": literal(covenant, String),
        "consequence": literal(consequence, String),
        "met": case((met, literal(True, Boolean)), else_=literal(False, Boolean)),
    }
    return _insert_new(session, cols, src)


def breaches_without_action(
    session: Session, *, period: str, covenant: str, version_id: int
) -> Sequence[Any]:
    """Breached results of this covenant/period/version that no action names yet."""
    acted = (
        select(LinkageAction.id)
        .where(LinkageAction.covenant_result_id == CovenantResult.id)
        .exists()
    )
    return session.execute(
        select(
            CovenantResult.id,
            CovenantResult.contract_id,
            CovenantResult.enterprise_id,
            CovenantResult.bank_tenant_id,
            CovenantResult.share,
            CovenantResult.threshold,
        ).where(
            CovenantResult.period == period,
            CovenantResult.covenant == covenant,
            CovenantResult.product_version_id == version_id,
            # NOT met, as the partial index ix_linkage_covenant_result_breach says it (PostgreSQL
            # and SQLite use a partial index only for the predicate it names; "met IS false"
            # would read the whole table)
            ~CovenantResult.met,
            ~acted,
        )
    ).all()


def result_counts(session: Session, period: str) -> list[tuple[str, bool, int]]:
    rows = session.execute(
        select(CovenantResult.covenant, CovenantResult.met, func.count())
        .where(CovenantResult.period == period)
        .group_by(CovenantResult.covenant, CovenantResult.met)
        .order_by(CovenantResult.covenant, CovenantResult.met)
    ).all()
    return [(str(c), bool(m), int(n)) for c, m, n in rows]


def results_of_contract(session: Session, contract_id: int) -> Sequence[CovenantResult]:
    return session.scalars(
        select(CovenantResult)
        .where(CovenantResult.contract_id == contract_id)
        .order_by(CovenantResult.period_end.desc(), CovenantResult.covenant)
    ).all()


def results_of_contracts(
    session: Session, contract_ids: Sequence[int], limit: int = 200
) -> Sequence[CovenantResult]:
    if not contract_ids:
        return []
    return session.scalars(
        select(CovenantResult)
        .where(CovenantResult.contract_id.in_(list(contract_ids)))
        .order_by(CovenantResult.period_end.desc(), CovenantResult.contract_id)
        .limit(limit)
    ).all()


def result(session: Session, result_id: int) -> CovenantResult | None:
    return session.get(CovenantResult, result_id)


def latest_check(session: Session) -> datetime | None:
    return session.scalar(select(func.max(CovenantResult.checked_at)))
