"""Every query of the demand side: needs, their events, the ledger and its imports."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select
from sqlalchemy.orm import Session

from zhixin.demand.models import (
    FinancingNeed,
    LedgerEntry,
    LedgerImport,
    NeedEvent,
    PreapprovalList,
    PreapprovalRow,
)
from zhixin.demand.rules import FINISHED, HELD


def need(session: Session, need_id: int) -> FinancingNeed | None:
    return session.get(FinancingNeed, need_id)


def need_for_update(session: Session, need_id: int) -> FinancingNeed | None:
    return session.scalars(
        select(FinancingNeed).where(FinancingNeed.id == need_id).with_for_update()
    ).first()


def needs(
    session: Session,
    *,
    enterprise_ids: Collection[int] | None = None,
    statuses: Collection[str] | None = None,
    bank_code: str | None = None,
    escalated: bool | None = None,
    limit: int = 500,
) -> Sequence[FinancingNeed]:
    stmt = select(FinancingNeed).order_by(FinancingNeed.id.desc()).limit(limit)
    if enterprise_ids is not None:
        stmt = stmt.where(FinancingNeed.enterprise_id.in_(list(enterprise_ids)))
    if statuses is not None:
        stmt = stmt.where(FinancingNeed.status.in_(list(statuses)))
    if bank_code is not None:
        stmt = stmt.where(FinancingNeed.bank_code == bank_code)
    if escalated is True:  # the task force's queue: escalated and not finished
        stmt = stmt.where(
            FinancingNeed.escalation.is_not(None), FinancingNeed.status.not_in(list(FINISHED))
        )
    return session.scalars(stmt).all()


def open_or_held_by(session: Session, bank_code: str, limit: int = 500) -> Sequence[FinancingNeed]:
    """Open needs (any bank may take them) and every need this bank holds or held."""
    stmt = (
        select(FinancingNeed)
        .where(or_(FinancingNeed.status == "open", FinancingNeed.bank_code == bank_code))
        .order_by(FinancingNeed.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def escalation_candidates(session: Session, today: date) -> Sequence[FinancingNeed]:
    """Needs whose clock ran out before ``today`` and which were not escalated yet."""
    stmt = (
        select(FinancingNeed)
        .where(
            FinancingNeed.escalation.is_(None),
            or_(
                and_(FinancingNeed.status == "open", FinancingNeed.take_due_on < today),
                and_(FinancingNeed.status.in_(list(HELD)), FinancingNeed.due_on < today),
            ),
        )
        .order_by(FinancingNeed.id)
        .with_for_update()
    )
    return session.scalars(stmt).all()


def events(session: Session, need_ids: Collection[int]) -> Sequence[NeedEvent]:
    if not need_ids:
        return []
    stmt = select(NeedEvent).where(NeedEvent.need_id.in_(list(need_ids))).order_by(NeedEvent.id)
    return session.scalars(stmt).all()


def late_counts(session: Session) -> list[tuple[str, int, int]]:
    """Per bank: steps recorded after their clock, and escalations for its lateness."""
    stmt = (
        select(
            NeedEvent.bank_code,
            func.sum(case((NeedEvent.late.is_(True), 1), else_=0)),
            func.sum(case((NeedEvent.kind == "escalated", 1), else_=0)),
        )
        .where(NeedEvent.bank_code.is_not(None))
        .group_by(NeedEvent.bank_code)
        .order_by(NeedEvent.bank_code)
    )
    return [(str(b), int(n or 0), int(e or 0)) for b, n, e in session.execute(stmt)]


# -- ledger ---------------------------------------------------------------------------------------


def ledger_entry(
    session: Session, *, bank_code: str, enterprise_id: int, source: str, source_ref: str
) -> LedgerEntry | None:
    return session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.bank_code == bank_code,
            LedgerEntry.enterprise_id == enterprise_id,
            LedgerEntry.source == source,
            LedgerEntry.source_ref == source_ref,
        )
    ).first()


def ledger_by_id(session: Session, entry_id: int) -> LedgerEntry | None:
    return session.get(LedgerEntry, entry_id)


def ledger_for_need(session: Session, need_id: int, bank_code: str) -> LedgerEntry | None:
    return session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.need_id == need_id, LedgerEntry.bank_code == bank_code
        )
    ).first()


def ledger(
    session: Session, *, bank_code: str | None, limit: int | None = 1000
) -> Sequence[LedgerEntry]:
    stmt = select(LedgerEntry).order_by(LedgerEntry.id.desc())
    if bank_code is not None:
        stmt = stmt.where(LedgerEntry.bank_code == bank_code)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.scalars(stmt).all()


def needs_of(session: Session, enterprise_ids: Collection[int]) -> dict[int, int]:
    """enterprise id → its newest need's id (for linking a push to the firm's need)."""
    if not enterprise_ids:
        return {}
    stmt = (
        select(FinancingNeed.enterprise_id, func.max(FinancingNeed.id))
        .where(FinancingNeed.enterprise_id.in_(list(enterprise_ids)))
        .group_by(FinancingNeed.enterprise_id)
    )
    return {int(e): int(n) for e, n in session.execute(stmt)}


def imports(session: Session, bank_code: str | None, limit: int = 50) -> Sequence[LedgerImport]:
    stmt = select(LedgerImport).order_by(LedgerImport.id.desc()).limit(limit)
    if bank_code is not None:
        stmt = stmt.where(LedgerImport.bank_code == bank_code)
    return session.scalars(stmt).all()


def import_by_id(session: Session, import_id: int) -> LedgerImport | None:
    return session.get(LedgerImport, import_id)


# -- 预授信名单 ---------------------------------------------------------------------------

ROW_CHUNK = 20_000


def insert_preapproval_rows(
    session: Session, list_id: int, rows: Sequence[tuple[int, str | None, object, object, object]]
) -> None:
    """(enterprise_id, grade, limit, rate, fast_lane_days) rows, inserted in executemany chunks."""
    conn = session.connection()
    for k in range(0, len(rows), ROW_CHUNK):
        conn.execute(
            insert(PreapprovalRow),
            [
                {
                    "list_id": list_id,
                    "enterprise_id": r[0],
                    "grade": r[1],
                    "limit_amount": r[2],
                    "rate": r[3],
                    "fast_lane_days": r[4],
                }
                for r in rows[k : k + ROW_CHUNK]
            ],
        )


def preapproval_list(session: Session, list_id: int) -> PreapprovalList | None:
    return session.get(PreapprovalList, list_id)


def preapproval_lists(session: Session, *, bank_code: str | None) -> Sequence[PreapprovalList]:
    stmt = select(PreapprovalList).order_by(PreapprovalList.id.desc()).limit(200)
    if bank_code is not None:
        stmt = stmt.where(PreapprovalList.bank_code == bank_code)
    return session.scalars(stmt).all()


def preapproval_rows(
    session: Session,
    list_id: int,
    *,
    offset: int = 0,
    limit: int | None = None,
    within: Callable[[Any], Any] | None = None,
    after: int | None = None,
) -> Sequence[PreapprovalRow]:
    """A page of a list's rows by enterprise id; ``within``: a filter on the enterprise id
    column (a regulator's jurisdiction); ``after``: the rows after this enterprise id (a
    keyset page, for reading a whole list)."""
    stmt = (
        select(PreapprovalRow)
        .where(PreapprovalRow.list_id == list_id)
        .order_by(PreapprovalRow.enterprise_id)
        .offset(offset)
    )
    if within is not None:
        stmt = stmt.where(within(PreapprovalRow.enterprise_id))
    if after is not None:
        stmt = stmt.where(PreapprovalRow.enterprise_id > after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.scalars(stmt).all()


def preapproval_counts(
    session: Session, list_ids: Sequence[int], *, within: Callable[[Any], Any]
) -> dict[int, tuple[int, int, Decimal]]:
    """list id → (rows, fast-lane rows, total limit) of the rows ``within`` keeps (a
    regulator's jurisdiction), set-based; lists with none are absent."""
    if not list_ids:
        return {}
    r = PreapprovalRow
    found = session.execute(
        select(
            r.list_id,
            func.count(),
            func.count(r.fast_lane_days),
            func.coalesce(func.sum(r.limit_amount), 0),
        )
        .where(r.list_id.in_(list(list_ids)), within(r.enterprise_id))
        .group_by(r.list_id)
    ).all()
    return {
        int(i): (int(n), int(f), Decimal(str(t)).quantize(Decimal("0.01"))) for i, n, f, t in found
    }


def preapproval_enterprise_ids(session: Session, list_id: int) -> list[int]:
    return [
        int(i)
        for i in session.scalars(
            select(PreapprovalRow.enterprise_id)
            .where(PreapprovalRow.list_id == list_id)
            .order_by(PreapprovalRow.enterprise_id)
        )
    ]


def offers_of(session: Session, enterprise_id: int) -> list[tuple[PreapprovalList, PreapprovalRow]]:
    """The enterprise's row on the newest pushed list of each product."""
    newest = (
        select(func.max(PreapprovalList.id))
        .join(PreapprovalRow, PreapprovalRow.list_id == PreapprovalList.id)
        .where(
            PreapprovalRow.enterprise_id == enterprise_id, PreapprovalList.pushed_at.is_not(None)
        )
        .group_by(PreapprovalList.product_code)
    )
    found = session.execute(
        select(PreapprovalList, PreapprovalRow)
        .join(PreapprovalRow, PreapprovalRow.list_id == PreapprovalList.id)
        .where(PreapprovalList.id.in_(newest), PreapprovalRow.enterprise_id == enterprise_id)
    ).all()
    return [(lst, row) for lst, row in found]


def preapproval_ids_select(list_id: int) -> Any:
    return select(PreapprovalRow.enterprise_id).where(PreapprovalRow.list_id == list_id)


def ledger_enterprises(session: Session, *, bank_code: str, source: str, ref: str) -> set[int]:
    return {
        int(i)
        for i in session.scalars(
            select(LedgerEntry.enterprise_id).where(
                LedgerEntry.bank_code == bank_code,
                LedgerEntry.source == source,
                LedgerEntry.source_ref == ref,
            )
        )
    }


def insert_ledger_rows(session: Session, rows: Sequence[dict[str, object]]) -> None:
    conn = session.connection()
    for k in range(0, len(rows), ROW_CHUNK):
        conn.execute(insert(LedgerEntry), list(rows[k : k + ROW_CHUNK]))
