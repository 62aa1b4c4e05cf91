"""The audit log is chained: altered, deleted or cut rows are detected (the database owner,
who can drop the append-only triggers, is the one who can try)."""

from __future__ import annotations

import itertools

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from tests.support.audit import as_owner
from zhixin.audit import keys as audit_keys
from zhixin.audit import service as audit
from zhixin.audit.models import AuditEvent
from zhixin.audit.service import Actor
from zhixin.kit.db import unit_of_work


def _write(factory: sessionmaker[Session], n: int) -> None:
    for i in range(n):
        with unit_of_work(factory) as s:
            audit.record(
                s,
                actor=Actor(1, "张三", 1, "10.0.0.1"),
                action="record.remove",
                object_type="quality_record",
                object_id=i,
                detail={"kind": "penalty", "i": i},
            )


def test_chain_verifies_then_detects_alteration(
    factory: sessionmaker[Session], engine: Engine
) -> None:
    _write(factory, 6)
    with unit_of_work(factory) as s:
        result = audit.verify(s)
        assert result.ok and result.checked == 6
        events = s.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        assert events[0].prev_hash == "0" * 64
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
        assert {e.scheme for e in events} == {audit_keys.current().scheme}
    with as_owner(engine) as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="李四"))
    with unit_of_work(factory) as s:
        result = audit.verify(s)
    assert not result.ok
    assert [f.seq for f in result.findings] == [3]


def test_deleted_rows_are_detected(factory: sessionmaker[Session], engine: Engine) -> None:
    _write(factory, 5)
    with as_owner(engine) as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    with unit_of_work(factory) as s:
        result = audit.verify(s)
    assert not result.ok and result.findings[0].seq == 2


def test_deleted_tail_is_detected(factory: sessionmaker[Session], engine: Engine) -> None:
    _write(factory, 5)
    with as_owner(engine) as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    with unit_of_work(factory) as s:
        result = audit.verify(s)
    assert not result.ok
    assert "链尾" in result.findings[0].problem
