"""Writers at once: the audit chain stays one chain, and SQLite's writer queue is held exactly
from a transaction's first write to its end.

SQLite has no row locks, so ``SELECT … FOR UPDATE`` on the chain's head does nothing there; a
transaction whose first statement reads the head would let another writer move it before the
append (two events with one number). :func:`zhixin.kit.db.begin_write` opens the transaction
for writing first. Two engines on one database stand for two server processes.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from zhixin.audit import service as audit
from zhixin.audit.models import AuditEvent
from zhixin.audit.service import Actor
from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work

ENGINES = 2
THREADS = 4
APPENDS = 12


def test_appends_from_two_processes_and_many_threads_make_one_unbroken_chain(
    engine: Engine,
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url, pool_size=THREADS) for _ in range(ENGINES)]
    errors: list[BaseException] = []
    start = threading.Barrier(ENGINES * THREADS)

    def appender(k: int, factory: object) -> None:
        try:
            start.wait()
            for n in range(APPENDS):
                # the append is the transaction's first statement: nothing took a write lock yet
                with unit_of_work(factory) as s:  # type: ignore[arg-type]
                    audit.record(
                        s,
                        actor=Actor.system(f"writer-{k}"),
                        action="test.append",
                        object_id=n,
                    )
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)

    try:
        threads = [
            threading.Thread(target=appender, args=(e * THREADS + t, make_sessionmaker(eng)))
            for e, eng in enumerate(engines)
            for t in range(THREADS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        for eng in engines:
            eng.dispose()
    assert errors == []
    with unit_of_work(make_sessionmaker(engine)) as s:
        seqs = list(s.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))
        total = ENGINES * THREADS * APPENDS
        assert seqs == list(range(1, total + 1))
        assert s.scalar(select(func.count()).where(AuditEvent.action == "test.append")) == total
        result = audit.verify(s)
        assert result.ok, result.findings
        assert result.checked == total


def _turn_is_free(path: str) -> bool:
    """Whether another process could take the database's writer turn now."""
    fd = os.open(path + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing releases a lock taken here
    return True


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_sqlite_writer_turn_is_held_from_the_first_write_to_the_end(
    tmp_path: Path, end: str
) -> None:
    path = str(tmp_path / "queue.sqlite3")
    mine = make_engine(f"sqlite:///{path}")
    try:
        with mine.connect() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
            conn.commit()
            conn.execute(text("SELECT count(*) FROM t")).scalar()
            assert _turn_is_free(path), "a read does not take the writer turn"
            conn.execute(text("INSERT INTO t (x) VALUES (1)"))
            assert not _turn_is_free(path), "the first write takes the turn"
            conn.execute(text("SELECT count(*) FROM t")).scalar()
            assert not _turn_is_free(path), "held until the transaction ends"
            conn.commit() if end == "commit" else conn.rollback()
            assert _turn_is_free(path), f"given back at {end}"
        with mine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM t")).scalar()
            assert count == (1 if end == "commit" else 0)
    finally:
        mine.dispose()


def test_sqlite_autocommit_write_gives_the_turn_back_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "auto.sqlite3")
    mine = make_engine(f"sqlite:///{path}")
    try:
        with mine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER PRIMARY KEY)"))
            conn.execute(text("INSERT INTO t (x) VALUES (1)"))
            assert _turn_is_free(path), "an autocommit write is over when it returns"
            with pytest.raises(IntegrityError):
                conn.execute(text("INSERT INTO t (x) VALUES (1)"))
            assert _turn_is_free(path), "so is a failed one"
        with mine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        mine.dispose()
