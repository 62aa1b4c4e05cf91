"""Database plumbing: the declarative base, engines, and the units of work.

Services receive a ``Session`` and never commit. Each entry point has one unit of work, the
only code that commits, committing once at the end (a job: also at its checkpoints) and rolling
back on any error:

- **a request**: ``zhixin.web.deps.get_db`` (the ``DB`` dependency, function-scoped), shared by
  the dependencies and the handler; committed after the handler returned and its response was
  validated and serialised, before the response is sent. A response that fails validation
  rolls the request's writes back and answers an error; a failed commit answers an error.
- **a CLI command** (and a short piece of work of its own, such as the audit of a refusal):
  :func:`unit_of_work`, one transaction.
- **a job** that keeps part of its work when it stops midway (the import, chunk by chunk):
  :func:`open_job`, whose :meth:`Job.checkpoint` commits what is done so far.

``tests/unit/test_conventions.py`` fails on a ``commit`` anywhere else.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    event,
    insert,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from zhixin.kit.clock import utcnow as utcnow  # the one clock; re-exported for the models

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A 64-bit primary key that is still SQLite's rowid (INTEGER PRIMARY KEY) there.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")
JSONType = (
    JSON()
    .with_variant(postgresql.JSONB(), "postgresql")
    .with_variant(mysql.JSON(), "mysql", "mariadb")
    .with_variant(sqlite.JSON(), "sqlite")
)


class RawJSON(str):
    """A JSON document already serialised (pydantic's ``model_dump_json``), stored in a JSON
    column as it is; any other value is serialised with ``json.dumps`` as before. A quote's
    36-row body was built as a dict only to be dumped once more by the driver."""


def _json_dumps(value: Any) -> str:
    return value if isinstance(value, RawJSON) else json.dumps(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite and MariaDB store them naive)."""

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name in ("mysql", "mariadb"):  # keep microseconds (DATETIME defaults to 0)
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime())

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use zhixin.kit.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # 64 MiB page cache (the default is 2 MiB): index pages of a million-row table stay in
    # memory, which keeps bulk imports linear instead of slowing down as the table grows.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


# -- SQLite: one writer at a time, woken when the last one ends ------------------------------
#
# SQLite lets one transaction write at a time; a writer that finds the lock taken sleeps in
# sqlite3's busy handler (1, 2, 5, … up to 100 ms between tries) and is not woken when the lock
# comes free. Under many concurrent requests that turned into seconds of p99 latency and, past
# ``busy_timeout``, "database is locked" errors (bench/quotes.py at 32 in flight). So writers
# queue first on a lock that wakes the next one at once: a thread lock inside the process, then
# an advisory ``flock`` on ``<database>-writer.lock`` between processes (server workers, CLI
# jobs). Written by hand: neither SQLAlchemy nor sqlite3 offers a waking writer queue. A
# transaction takes its place in the queue just before its first INSERT/UPDATE/DELETE (the
# statement on which sqlite3 opens it) or in :func:`begin_write`, and leaves it when it commits
# or rolls back. Waiting is bounded by the same ``busy_timeout``; past it the statement goes
# ahead and SQLite's own lock decides, as before. Readers (WAL) never queue.

BUSY_TIMEOUT_MS = 10_000
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


class _WriterQueue:
    """The queue of writers of one SQLite file, in this process and across processes."""

    def __init__(self, path: str) -> None:
        self.lock_path = path + "-writer.lock"
        self.local = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked child needs its own
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def acquire(self) -> bool:
        """Wait for this file's turn to write; False when ``busy_timeout`` passed first."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        if self._pid and self._pid != os.getpid():  # forked while another thread held it
            self.local, self._fd = threading.Lock(), None
        if not self.local.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            return False
        try:
            fd = self._file()
            pause = 0.0002
            while True:  # only one thread per process polls, so the polling costs little
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return True
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        self.local.release()
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, 0.002)
        except OSError:  # a read-only folder: no queue, SQLite's own lock still holds
            self.local.release()
            return False

    def release(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self.local.release()


class _QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that leaves the writer queue when its transaction ends."""

    zx_queue: _WriterQueue | None = None
    zx_queued = False

    def zx_enter(self) -> None:
        if self.zx_queue is not None and not self.zx_queued and not self.in_transaction:
            self.zx_queued = self.zx_queue.acquire()

    def zx_leave_unless_open(self) -> None:
        """After a statement: an autocommit write, or a failed first write, ended already."""
        if self.zx_queued and not self.in_transaction:
            self._zx_leave()

    def _zx_leave(self) -> None:
        if self.zx_queued:
            self.zx_queued = False
            assert self.zx_queue is not None
            self.zx_queue.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._zx_leave()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._zx_leave()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._zx_leave()


def _queue_writes(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    dbapi = conn.connection.dbapi_connection
    if isinstance(dbapi, _QueuedConnection) and _WRITE.match(statement):
        dbapi.zx_enter()


def _left_queue_unless_open(conn: Any, *_args: Any) -> None:
    dbapi = conn.connection.dbapi_connection
    if isinstance(dbapi, _QueuedConnection):
        dbapi.zx_leave_unless_open()


def _left_queue_on_error(context: Any) -> None:
    conn = context.connection
    if conn is not None and not conn.closed:
        _left_queue_unless_open(conn)


def begin_write(session: Session) -> None:
    """Open the session's transaction for writing now (SQLite: ``BEGIN IMMEDIATE``, in the
    writer queue), so that what it reads next cannot be changed by another writer before it
    writes. PostgreSQL and MariaDB use ``SELECT … FOR UPDATE`` instead; this does nothing there.
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    dbapi = conn.connection.dbapi_connection
    if dbapi is None or dbapi.in_transaction:
        return
    if isinstance(dbapi, _QueuedConnection):
        dbapi.zx_enter()
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def insert_if_absent(session: Session, table: Any, values: dict[str, Any]) -> None:
    """``INSERT`` a row unless its key is taken, waiting for a concurrent inserter to finish
    instead of failing (PostgreSQL/SQLite ``ON CONFLICT DO NOTHING``, MariaDB ``ON DUPLICATE KEY
    UPDATE`` of the key to itself):
    for rows several writers may be the first to need, such as a chain's head."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(values).on_conflict_do_nothing()
    else:
        # not INSERT IGNORE: a duplicate there takes a shared lock, and two waiters that then
        # lock the row FOR UPDATE deadlock; ON DUPLICATE KEY UPDATE takes an exclusive one
        key = sa_inspect(table).primary_key[0].name
        ins = mysql.insert(table).values(values)
        stmt = ins.on_duplicate_key_update({key: ins.inserted[key]})
    session.execute(stmt)


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """``INSERT`` many rows (dicts with the same keys) in one ``executemany``.

    On SQLite, SQLAlchemy's generic per-row parameter handling costs more than SQLite's own
    insert: there the statement is compiled once and the columns' own bind processors (the
    ones SQLAlchemy would apply: JSON, dates, UTC datetimes; a date or time repeated down the
    rows processed once) are applied before the values go to the driver as plain tuples. The
    same values reach the database as on the Core path. On PostgreSQL: ``COPY``. MariaDB takes
    the Core path, and so does every backend when a column the rows leave out has a
    Python-side default (only the Core path fills it)."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    keys = list(rows[0])
    # a column the rows leave out that has a Python-side default: only the Core path fills it
    defaulted = any(c.default is not None for c in table.c if c.key not in rows[0])
    if dialect.name == "postgresql" and not defaulted:
        _copy_rows(conn, table, keys, rows)
        return
    if dialect.name == "sqlite" and not defaulted:
        sql, order, procs = _sqlite_insert(table, tuple(keys), dialect)
        if order:
            plan = [(k, _memoised(p) if memo else p) for k, p, memo in procs]
            take = itemgetter(*order)
            params = []
            for r in rows:
                d = dict(r)
                for k, proc in plan:
                    v = d[k]
                    if v is not None:
                        d[k] = proc(v)
                params.append(take(d) if len(order) > 1 else (take(d),))
            conn.exec_driver_sql(sql, params)
            return
    conn.execute(insert(table), list(rows))


_Plan = tuple[str, tuple[str, ...], list[tuple[str, Callable[[Any], Any], bool]]]
_SQLITE_INSERTS: dict[tuple[Table, tuple[str, ...]], _Plan] = {}


def _sqlite_insert(table: Table, keys: tuple[str, ...], dialect: Any) -> _Plan:
    """The compiled INSERT of these columns, its parameters' order (empty: it names a column
    the rows do not) and the bind processors (column, processor, memoise?) — made once."""
    found = _SQLITE_INSERTS.get((table, keys))
    if found is None:
        compiled = insert(table).compile(dialect=dialect, column_keys=list(keys))
        order = tuple(compiled.positiontup or ())
        procs: list[tuple[str, Callable[[Any], Any], bool]] = []
        for k in order:
            proc = table.c[k].type.dialect_impl(dialect).bind_processor(dialect)
            if proc is not None:
                procs.append((k, proc, table.c[k].type._type_affinity in (Date, DateTime)))
        ok = bool(order) and set(order) <= set(keys)
        found = _SQLITE_INSERTS[(table, keys)] = (compiled.string, order if ok else (), procs)
    return found


def _copy_rows(conn: Any, table: Table, keys: list[str], rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` on the session's own connection (its transaction),
    each value through the column's bind processor first (the value the Core path would bind;
    the server parses it as the column's type). One statement instead of a round of binds per
    row: about a third of the client's CPU and less of the server's."""
    dialect = conn.dialect
    quote = dialect.identifier_preparer
    procs = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    plan = [(i, p) for i, p in enumerate(procs) if p is not None]
    sql = f"COPY {quote.format_table(table)} ({', '.join(quote.quote(k) for k in keys)}) FROM STDIN"
    take = itemgetter(*keys)
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for r in rows:
            values = list(take(r)) if len(keys) > 1 else [r[keys[0]]]
            for i, proc in plan:
                if values[i] is not None:
                    values[i] = proc(values[i])
            copy.write_row(values)


def _memoised(proc: Callable[[Any], Any]) -> Callable[[Any], Any]:
    seen: dict[Any, Any] = {}

    def process(value: Any) -> Any:
        out = seen.get(value, seen)
        if out is seen:
            out = seen[value] = proc(value)
        return out

    return process


def normalise_url(url: str) -> str:
    """Pick the drivers we ship for bare ``postgresql://`` and ``mysql://`` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("mysql://") or url.startswith("mariadb://"):
        return "mysql+pymysql://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"check_same_thread": False}
        path = make_url(url).database
        queue = _WriterQueue(os.path.abspath(path)) if path and path != ":memory:" else None
        if queue is not None:
            connect_args["factory"] = _QueuedConnection
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if queue is not None:

            def _join_queue(dbapi_conn: Any, _record: Any) -> None:
                dbapi_conn.zx_queue = queue

            event.listen(engine, "connect", _join_queue)
            event.listen(engine, "before_cursor_execute", _queue_writes)
            event.listen(engine, "after_cursor_execute", _left_queue_unless_open)
            event.listen(engine, "handle_error", _left_queue_on_error)
        return engine
    if url.startswith("mysql"):
        kwargs.setdefault("pool_recycle", 3600)
        # READ COMMITTED like PostgreSQL's default: a request sees what a job committed after
        # the request's transaction began (MariaDB's REPEATABLE READ would hide it).
        kwargs.setdefault("isolation_level", "READ COMMITTED")
        if "charset=" not in url:
            url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A CLI command's unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class Job:
    """A long job's session and its checkpoints (:func:`open_job`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def checkpoint(self) -> None:
        """Commit what the job has done so far: an error later rolls back only what follows."""
        self.session.commit()


@contextmanager
def open_job(factory: sessionmaker[Session]) -> Iterator[Job]:
    """A job's unit of work: committed at each :meth:`Job.checkpoint` and at the end; on an
    error, what came after the last checkpoint is rolled back and the error goes on."""
    session = factory()
    try:
        yield Job(session)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
