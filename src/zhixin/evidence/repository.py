"""Every select() of the evidence log. Appends use Core statements built once (an append is on
the path of every loan event; the ORM's unit of work would cost more than the hashing)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from zhixin.evidence.models import (
    EvidenceConfirmation,
    EvidenceEntry,
    EvidenceKey,
    EvidenceLog,
    EvidenceTreeHead,
)
from zhixin.kit.db import begin_write, insert_if_absent, insert_many

_ENTRIES = cast(Table, EvidenceEntry.__table__)
_LOG = cast(Table, EvidenceLog.__table__)
_LOG_FOR_UPDATE = (
    select(_LOG.c.hash_alg, _LOG.c.tree_size, _LOG.c.compact, _LOG.c.root_hash)
    .where(_LOG.c.id == 1)
    .with_for_update()
)
_MOVE_LOG = update(_LOG).where(_LOG.c.id == 1)


def log_for_update(session: Session, algorithm: str) -> tuple[str, int, str, str]:
    """The log's state, locked until the transaction ends (serialises appenders; SQLite:
    the transaction is opened for writing first). Created with ``algorithm`` if absent."""
    begin_write(session)
    conn = session.connection()
    row = conn.execute(_LOG_FOR_UPDATE).one_or_none()
    if row is None:
        from zhixin.kit.db import utcnow

        insert_if_absent(
            session,
            EvidenceLog,
            {
                "id": 1,
                "hash_alg": algorithm,
                "tree_size": 0,
                "compact": "",
                "root_hash": "",
                "updated_at": utcnow(),
            },
        )
        row = conn.execute(_LOG_FOR_UPDATE).one()
    return str(row.hash_alg), int(row.tree_size), str(row.compact), str(row.root_hash)


def insert_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_many(session, _ENTRIES, rows)


def move_log(session: Session, **values: Any) -> None:
    session.connection().execute(_MOVE_LOG, values)


def log(session: Session) -> EvidenceLog | None:
    return session.get(EvidenceLog, 1)


def entry(session: Session, seq: int) -> EvidenceEntry | None:
    return session.scalars(select(EvidenceEntry).where(EvidenceEntry.seq == seq)).one_or_none()


def entries_of_contract(session: Session, contract_id: int) -> Sequence[EvidenceEntry]:
    return session.scalars(
        select(EvidenceEntry)
        .where(EvidenceEntry.contract_id == contract_id)
        .order_by(EvidenceEntry.seq)
    ).all()


def entries_by_seq(session: Session, seqs: Sequence[int]) -> Sequence[EvidenceEntry]:
    return session.scalars(
        select(EvidenceEntry).where(EvidenceEntry.seq.in_(seqs)).order_by(EvidenceEntry.seq)
    ).all()


def latest_entries(session: Session, limit: int, before: int | None) -> Sequence[EvidenceEntry]:
    q = select(EvidenceEntry).order_by(EvidenceEntry.seq.desc()).limit(limit)
    if before is not None:
        q = q.where(EvidenceEntry.seq < before)
    return session.scalars(q).all()


def stream_entries(session: Session, chunk: int = 20000) -> Iterator[Sequence[Any]]:
    """(seq, payload, leaf_hash, bank_confirmation_id, regulator_confirmation_id) in leaf
    order, a chunk at a time by keyset (no server cursor: the same on every database). Read
    through the driver's own cursor: SQLAlchemy's row processing cost more than the hashing."""
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    columns = "seq, payload, leaf_hash, bank_confirmation_id, regulator_confirmation_id"
    where = f"seq > {mark} ORDER BY seq LIMIT {int(chunk)}"
    sql = f"SELECT {columns} FROM evidence_entry WHERE {where}"  # noqa: S608 - constants only
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        last = -1
        while True:
            cursor.execute(sql, (last,))
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]
    finally:
        cursor.close()


def leaf_hashes(session: Session, upto: int) -> list[str]:
    """The leaf hashes of entries 0 … upto-1, in order."""
    e = _ENTRIES.c
    return list(
        session.connection()
        .execute(select(e.leaf_hash).where(e.seq < upto).order_by(e.seq))
        .scalars()
    )


def heads(session: Session) -> Sequence[EvidenceTreeHead]:
    return session.scalars(select(EvidenceTreeHead).order_by(EvidenceTreeHead.id)).all()


def latest_heads(session: Session, limit: int) -> Sequence[EvidenceTreeHead]:
    return session.scalars(
        select(EvidenceTreeHead).order_by(EvidenceTreeHead.id.desc()).limit(limit)
    ).all()


def latest_head(session: Session) -> EvidenceTreeHead | None:
    return session.scalars(
        select(EvidenceTreeHead).order_by(EvidenceTreeHead.id.desc()).limit(1)
    ).first()


def head_of_size(session: Session, tree_size: int) -> EvidenceTreeHead | None:
    """The latest signed head of that size (the log signs one per size; a re-sign is newer)."""
    return session.scalars(
        select(EvidenceTreeHead)
        .where(EvidenceTreeHead.tree_size == tree_size)
        .order_by(EvidenceTreeHead.id.desc())
        .limit(1)
    ).first()


def keys(session: Session) -> dict[int, EvidenceKey]:
    return {k.id: k for k in session.scalars(select(EvidenceKey))}


def key_of(session: Session, tenant_id: int | None) -> EvidenceKey | None:
    """The key that signs for the log (``tenant_id`` None) or the tenant now: the newest
    active one (a pending key signs nothing, a retired one nothing more)."""
    q = (
        select(EvidenceKey)
        .where(EvidenceKey.status == "active")
        .order_by(EvidenceKey.id.desc())
        .limit(1)
    )
    q = q.where(
        EvidenceKey.tenant_id.is_(None) if tenant_id is None else EvidenceKey.tenant_id == tenant_id
    )
    return session.scalars(q).first()


def key_by_public(session: Session, public_key: str) -> EvidenceKey | None:
    return session.scalars(select(EvidenceKey).where(EvidenceKey.public_key == public_key)).first()


def confirmations(session: Session) -> Sequence[EvidenceConfirmation]:
    return session.scalars(select(EvidenceConfirmation)).all()


def confirmations_by_id(session: Session, ids: Sequence[int]) -> dict[int, EvidenceConfirmation]:
    if not ids:
        return {}
    return {
        c.id: c
        for c in session.scalars(
            select(EvidenceConfirmation).where(EvidenceConfirmation.id.in_(ids))
        )
    }


def mark_confirmed(session: Session, seqs: Sequence[int], role: str, confirmation_id: int) -> None:
    column = "bank_confirmation_id" if role == "bank" else "regulator_confirmation_id"
    session.execute(
        update(EvidenceEntry)
        .where(EvidenceEntry.seq.in_(seqs))
        .values({column: confirmation_id})
        .execution_options(synchronize_session=False)
    )


def keys_of_tenant(session: Session, tenant_id: int) -> Sequence[EvidenceKey]:
    """Every key of the tenant, newest first (pending, active, retired)."""
    return session.scalars(
        select(EvidenceKey)
        .where(EvidenceKey.tenant_id == tenant_id)
        .order_by(EvidenceKey.id.desc())
    ).all()


def pending_keys(session: Session, tenant_id: int) -> Sequence[EvidenceKey]:
    return session.scalars(
        select(EvidenceKey)
        .where(EvidenceKey.tenant_id == tenant_id, EvidenceKey.status == "pending")
        .order_by(EvidenceKey.id)
    ).all()
