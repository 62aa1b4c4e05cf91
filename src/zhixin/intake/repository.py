"""Every query of the intake: bulk look-ups per chunk, bulk writes, batch listings.

Writes use SQLAlchemy Core (``insert(table)`` with a list of parameter dicts → one
``executemany``), which is several times faster than ORM units of work for bulk rows.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import JSON, Date, DateTime, Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from zhixin.enterprises.models import Enterprise, EnterpriseVersion
from zhixin.intake.models import ImportBatch, ImportRowError
from zhixin.records.models import QualityRecord

# The IN-list of one look-up; the default chunk (5,000) is one query on every backend, and
# SQLite's 32,766 bound parameters are never reached.
IN_LIST_MAX = 10_000

QR: Table = QualityRecord.__table__  # type: ignore[assignment]
ENT: Table = Enterprise.__table__  # type: ignore[assignment]
ENT_VER: Table = EnterpriseVersion.__table__  # type: ignore[assignment]
_STATE = (
    "name",
    "kind",
    "size_class",
    "region_code",
    "industry_code",
    "established_on",
    "registered_capital",
    "status",
    "content_hash",
    "source_system",
    "batch_id",
)
ROW_ERR: Table = ImportRowError.__table__  # type: ignore[assignment]
BATCH: Table = ImportBatch.__table__  # type: ignore[assignment]


class CurrentVersion(NamedTuple):
    id: int
    version: int
    content_hash: str
    batch_id: int | None
    source_ref: str | None


class CurrentEnterprise(NamedTuple):
    id: int
    content_hash: str | None
    batch_id: int | None


def _slices(values: Collection[str]) -> Iterator[list[str]]:
    items = list(values)
    for i in range(0, len(items), IN_LIST_MAX):
        yield items[i : i + IN_LIST_MAX]


def enterprise_ids(session: Session, usccs: Collection[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in _slices(usccs):
        if _is_sqlite(session):
            rows = _sqlite_in(session, "SELECT uscc, id FROM enterprise WHERE uscc IN ", part)
        else:
            rows = session.execute(select(ENT.c.uscc, ENT.c.id).where(ENT.c.uscc.in_(part)))
        out.update({u: i for u, i in rows})
    return out


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _sqlite_in(
    session: Session, sql: str, values: list[str], *before: object, after: str = ""
) -> Iterable[Any]:
    """SQLite: ``sql`` + ``(?, ?, …)`` + ``after``, bound to ``before`` then ``values``, run by
    the driver directly. SQLAlchemy's expansion of a 10,000-value ``IN`` costs more than the
    query; the rows are the same (plain integers and texts, no type processing)."""
    marks = ",".join("?" * len(values))
    stmt = f"{sql}({marks}){after}"
    return session.connection().exec_driver_sql(stmt, (*before, *values)).all()


def current_enterprises(session: Session, usccs: Collection[str]) -> dict[str, CurrentEnterprise]:
    out: dict[str, CurrentEnterprise] = {}
    for part in _slices(usccs):
        stmt = select(ENT.c.uscc, ENT.c.id, ENT.c.content_hash, ENT.c.batch_id).where(
            ENT.c.uscc.in_(part)
        )
        out.update({u: CurrentEnterprise(i, h, b) for u, i, h, b in session.execute(stmt)})
    return out


def current_versions(
    session: Session, kind: str, natural_keys: Collection[str]
) -> dict[str, CurrentVersion]:
    """The live version (``superseded_at IS NULL``) of each natural key of ``kind``."""
    out: dict[str, CurrentVersion] = {}
    sqlite = _is_sqlite(session)
    for part in _slices(natural_keys):
        if sqlite:
            found = _sqlite_in(
                session,
                "SELECT natural_key, id, version, content_hash, batch_id, source_ref "
                "FROM quality_record WHERE kind = ? AND natural_key IN ",
                part,
                kind,
                after=" AND superseded_at IS NULL",
            )
        else:
            stmt = select(
                QR.c.natural_key,
                QR.c.id,
                QR.c.version,
                QR.c.content_hash,
                QR.c.batch_id,
                QR.c.source_ref,
            ).where(QR.c.kind == kind, QR.c.natural_key.in_(part), QR.c.superseded_at.is_(None))
            found = session.execute(stmt)
        for nk, *rest in found:
            cur = CurrentVersion(*rest)
            old = out.get(nk)
            if old is None or cur.version > old.version:
                out[nk] = cur
    return out


def past_versions(
    session: Session, kind: str, natural_keys: Collection[str]
) -> dict[tuple[str, str], int]:
    """(natural key, content hash) → the latest superseded version with that content."""
    out: dict[tuple[str, str], int] = {}
    for part in _slices(natural_keys):
        stmt = select(QR.c.natural_key, QR.c.content_hash, QR.c.version).where(
            QR.c.kind == kind, QR.c.natural_key.in_(part), QR.c.superseded_at.is_not(None)
        )
        for nk, h, v in session.execute(stmt):
            if v > out.get((nk, h), 0):
                out[(nk, h)] = v
    return out


def bulk_insert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    common: Mapping[str, Any] | None = None,
    per_row: Mapping[str, Sequence[Any]] | None = None,
) -> None:
    """``INSERT`` many rows in one ``executemany``: each dict of ``rows`` has the same keys,
    ``per_row`` holds further columns as one list each (a value per row, in order), and
    ``common`` holds the values every row shares (batch, source, time). On SQLite the rows
    are taken apart into columns (each column's values in one C call) and written by
    :func:`insert_columns`; other backends take the ordinary Core path.
    """
    if not rows:
        return
    common = dict(common or {})
    per_row = dict(per_row or {})
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        extra = [
            dict(zip(per_row, vals, strict=True)) for vals in zip(*per_row.values(), strict=False)
        ]
        merged = (
            [{**r, **e, **common} for r, e in zip(rows, extra, strict=True)]
            if per_row
            else [{**r, **common} for r in rows]
        )
        conn.execute(insert(table), merged)
        return
    columns: dict[str, Sequence[Any]] = {
        k: list(map(itemgetter(k), rows)) for k in rows[0] if k not in per_row and k not in common
    }
    columns.update(per_row)
    _sqlite_insert_columns(conn, table, columns, common)


def insert_columns(
    session: Session,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    common: Mapping[str, Any] | None = None,
) -> None:
    """``INSERT`` the rows whose values ``columns`` holds (one list per column, a value per row,
    in order; every list as long), each with the values of ``common`` too, in one
    ``executemany``. On SQLite the parameters are built column by column
    (:func:`_sqlite_insert_columns`); other backends take the ordinary Core path."""
    n = len(next(iter(columns.values()), ()))
    if not n:
        return
    common = dict(common or {})
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        names = [k for k in columns if k not in common]
        merged = [
            {**dict(zip(names, vals, strict=True)), **common}
            for vals in zip(*(columns[k] for k in names), strict=True)
        ]
        conn.execute(insert(table), merged)
        return
    _sqlite_insert_columns(
        conn, table, {k: v for k, v in columns.items() if k not in common}, common
    )


def _sqlite_insert_columns(
    conn: Any, table: Table, columns: Mapping[str, Sequence[Any]], common: Mapping[str, Any]
) -> None:
    """SQLite, the import's hot path: SQLAlchemy's generic per-row parameter handling costs
    twice what SQLite itself does, so the statement is compiled once and the parameters are
    built column by column: the column's own bind processor (the one SQLAlchemy would apply:
    JSON, dates, UTC datetimes) applied to its values — once per distinct date, once for the
    empty JSON object, once for each of ``common`` — and the rows' tuples zipped from the
    columns as the driver takes them."""
    dialect = conn.dialect
    keys = [*columns, *common]
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup or ())
    params: list[Iterable[Any]] = []
    for k in order:
        proc: Callable[[Any], Any] | None = (
            table.c[k].type.dialect_impl(dialect).bind_processor(dialect)
        )
        if k in common:
            params.append(repeat(proc(common[k]) if proc else common[k]))
            continue
        col = columns[k]
        if proc is not None:
            col = _processed(table.c[k].type._type_affinity, proc, list(col))
        params.append(col)
    conn.exec_driver_sql(compiled.string, list(zip(*params, strict=False)))


_MEMO_TYPES = (Date, DateTime)


def _processed(affinity: Any, proc: Callable[[Any], Any], col: list[Any]) -> list[Any]:
    """``proc`` applied to each value of ``col`` but None (what SQLAlchemy does)."""
    if affinity in _MEMO_TYPES:  # dates repeat: each distinct one processed once
        seen: dict[Any, Any] = {None: None}
        for v in set(col).difference(seen):
            seen[v] = proc(v)
        return list(map(seen.__getitem__, col))
    if affinity is JSON:  # most records' ``extra`` is the empty object
        empty = proc({})
        return [None if v is None else empty if type(v) is dict and not v else proc(v) for v in col]
    return [None if v is None else proc(v) for v in col]


def insert_records(
    session: Session, columns: Mapping[str, Sequence[Any]], common: Mapping[str, Any]
) -> None:
    """Quality records, one list per column (:func:`insert_columns`)."""
    insert_columns(session, QR, columns, common)


def supersede(session: Session, kind: str, old_ids: dict[str, int], at: datetime) -> None:
    """Point each old version (by natural key) at the new live version just inserted."""
    if not old_ids:
        return
    newest = current_versions(session, kind, old_ids.keys())
    params = [
        {"old_id": old_id, "at": at, "new_id": newest[nk].id}
        for nk, old_id in old_ids.items()
        if newest[nk].id != old_id
    ]
    stmt = (
        update(QR)
        .where(QR.c.id == bindparam("old_id"))
        .values(superseded_at=bindparam("at"), superseded_by_id=bindparam("new_id"))
    )
    session.execute(stmt, params)


def insert_enterprises(
    session: Session, rows: Sequence[dict[str, Any]], common: Mapping[str, Any]
) -> None:
    bulk_insert(session, ENT, rows, common)


def update_enterprises(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Update in place; each dict has ``_id`` and the columns to set (the same keys in all)."""
    if rows:
        session.execute(update(ENT).where(ENT.c.id == bindparam("_id")), list(rows))


def enterprise_history(
    session: Session, ids: Collection[int]
) -> tuple[dict[tuple[int, str], int], dict[int, int]]:
    """Of these enterprises' superseded states: (id, content hash) → the latest version with
    that content, and id → the number of superseded states."""
    past: dict[tuple[int, str], int] = {}
    kept: dict[int, int] = {}
    items = list(ids)
    for i in range(0, len(items), IN_LIST_MAX):
        stmt = select(ENT_VER.c.enterprise_id, ENT_VER.c.content_hash, ENT_VER.c.version).where(
            ENT_VER.c.enterprise_id.in_(items[i : i + IN_LIST_MAX])
        )
        for eid, h, v in session.execute(stmt):
            kept[eid] = max(kept.get(eid, 0), v)
            if h is not None and v > past.get((eid, h), 0):
                past[(eid, h)] = v
    return past, kept


def keep_enterprise_history(
    session: Session, ids: Collection[int], *, kept: Mapping[int, int], at: datetime, batch_id: int
) -> None:
    """Copy the current state of each enterprise into ``enterprise_version`` before it is
    corrected (numbered after the states ``kept`` already)."""
    if not ids:
        return
    cols = [ENT.c.id, ENT.c.updated_at, *(ENT.c[c] for c in _STATE)]
    rows = []
    for row in session.execute(select(*cols).where(ENT.c.id.in_(list(ids)))):
        eid, valid_from, *state = row
        values = dict(zip(_STATE, state, strict=True))
        values.update(
            enterprise_id=eid,
            version=kept.get(eid, 0) + 1,
            valid_from=valid_from,
            superseded_at=at,
            superseded_by_batch_id=batch_id,
        )
        rows.append(values)
    session.execute(insert(ENT_VER), rows)


def insert_row_errors(
    session: Session, batch_id: int, errors: Iterable[tuple[int, str, str]]
) -> None:
    rows = [
        {"batch_id": batch_id, "line": line, "field": field[:64], "reason": reason[:500]}
        for line, field, reason in errors
    ]
    if rows:
        session.execute(insert(ROW_ERR), rows)


def refresh_statistics(session: Session, *, enterprises: bool) -> None:
    """Let PostgreSQL's planner see that the tables grew (a bulk import outruns autoanalyze).

    With the statistics of a near-empty table, PostgreSQL answers the chunk look-ups
    (``natural_key = ANY(5,000 keys)``) by scanning every row of the kind, and a 1,000,000-row
    import turns quadratic. Other backends need nothing here.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    tables = ["enterprise"] if enterprises else ["quality_record", "enterprise"]
    for name in tables:
        session.execute(text(f"ANALYZE {name}"))


def update_batch(session: Session, batch_id: int, **values: Any) -> None:
    session.execute(update(BATCH).where(BATCH.c.id == batch_id).values(**values))


def running_batches(session: Session) -> list[ImportBatch]:
    stmt = select(ImportBatch).where(ImportBatch.status == "running").order_by(ImportBatch.id)
    return list(session.scalars(stmt))


def mark_interrupted(session: Session, batch_id: int, *, message: str, at: datetime) -> bool:
    """``running`` → ``interrupted``; False when the batch is no longer running (it finished,
    or another process marked it first)."""
    result = session.execute(
        update(BATCH)
        .where(BATCH.c.id == batch_id, BATCH.c.status == "running")
        .values(status="interrupted", message=message, finished_at=at, heartbeat_at=None)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_batches(
    session: Session, limit: int = 50, *, tenant_id: int | None = None
) -> list[ImportBatch]:
    stmt = select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
    if tenant_id is not None:
        stmt = stmt.where(ImportBatch.tenant_id == tenant_id)
    return list(session.scalars(stmt))


def get_batch(session: Session, batch_id: int) -> ImportBatch | None:
    return session.get(ImportBatch, batch_id)


def batch_errors(
    session: Session, batch_id: int, limit: int | None = 100, offset: int = 0
) -> list[ImportRowError]:
    stmt = (
        select(ImportRowError)
        .where(ImportRowError.batch_id == batch_id)
        .order_by(ImportRowError.line, ImportRowError.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def iter_batch_errors(session: Session, batch_id: int) -> Iterator[tuple[int, str, str]]:
    stmt = (
        select(ROW_ERR.c.line, ROW_ERR.c.field, ROW_ERR.c.reason)
        .where(ROW_ERR.c.batch_id == batch_id)
        .order_by(ROW_ERR.c.line, ROW_ERR.c.id)
        .execution_options(yield_per=5000)
    )
    for line, field_name, reason in session.execute(stmt):
        yield int(line), str(field_name), str(reason)


def count_batch_errors(session: Session, batch_id: int) -> int:
    stmt = select(func.count()).select_from(ROW_ERR).where(ROW_ERR.c.batch_id == batch_id)
    return int(session.execute(stmt).scalar_one())
