"""The attacker of the audit log: whoever owns the database (drops the triggers, edits rows,
recomputes hashes) — with or without the HMAC key, never with the signing key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from zhixin.audit import triggers
from zhixin.audit.models import AuditEvent, AuditHead
from zhixin.audit.rules import GENESIS, LEGACY, canonical, chain_hash, head_seal


@contextmanager
def as_owner(engine: Engine) -> Iterator[Connection]:
    """A connection of the database's owner, the append-only triggers dropped meanwhile."""
    with engine.begin() as conn:
        triggers.remove(conn)
        try:
            yield conn
        finally:
            triggers.install(conn)


def recompute_chain(
    conn: Connection,
    *,
    key: bytes = b"",
    scheme: str = LEGACY,
    edit: Callable[[dict[str, object]], None] = lambda row: None,
) -> None:
    """Rewrite every row (``edit`` changes a row's fields in place) and recompute the chain
    and the head, as an attacker would: under ``scheme`` with ``key`` (plain sha256 by
    default, which needs no key). With a key the head is sealed again too."""
    events = AuditEvent.__table__
    prev = GENESIS
    rows = conn.execute(select(events).order_by(events.c.seq)).mappings().all()
    for original in rows:
        row = dict(original)
        edit(row)
        text = canonical(
            seq=row["seq"],
            at=row["at"],
            actor_id=row["actor_id"],
            actor=row["actor"],
            tenant_id=row["tenant_id"],
            action=row["action"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            ip=row["ip"],
            outcome=row["outcome"],
            detail=row["detail"],
        )
        value = chain_hash(prev, text, scheme, key)
        conn.execute(
            update(events)
            .where(events.c.id == row["id"])
            .values(
                actor=row["actor"],
                detail=row["detail"],
                action=row["action"],
                scheme=scheme,
                prev_hash=prev,
                hash=value,
            )
        )
        prev = value
    head = AuditHead.__table__
    keyed_from = 1 if scheme != LEGACY else None
    seal = (
        head_seal(scheme, key, seq=len(rows), hash=prev, keyed_from=keyed_from)
        if keyed_from
        else None
    )
    conn.execute(
        update(head)
        .where(head.c.id == 1)
        .values(last_seq=len(rows), last_hash=prev, keyed_from=keyed_from, seal=seal)
    )
