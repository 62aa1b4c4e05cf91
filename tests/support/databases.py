"""Real databases for tests: a SQLite file always, PostgreSQL and MariaDB when their URLs are set.

``ZHIXIN_TEST_POSTGRES_URL`` / ``ZHIXIN_TEST_MYSQL_URL`` point at a server; each test session
creates its own database there (named after the pid and xdist worker) and drops it at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from zhixin.kit.db import make_engine, normalise_url

BACKENDS = ("sqlite", "postgresql", "mysql")
ENV = {"postgresql": "ZHIXIN_TEST_POSTGRES_URL", "mysql": "ZHIXIN_TEST_MYSQL_URL"}
# the skip reason of a server variant without its URL, and the one line that reports them all
SKIPPED_SERVERS = {
    backend: f"{backend}: set {variable} to run on it" for backend, variable in ENV.items()
} | {
    "summary": "PostgreSQL / MariaDB variants of the database tests: set "
    "ZHIXIN_TEST_POSTGRES_URL and ZHIXIN_TEST_MYSQL_URL to run them",
}


def server_url(backend: str) -> str | None:
    return os.environ.get(ENV[backend]) if backend in ENV else None


def skip_reason(backend: str) -> str | None:
    if backend == "sqlite":
        return None
    if not server_url(backend):
        return SKIPPED_SERVERS[backend]
    return None


@contextmanager
def fresh_database(backend: str, tmp_dir: str) -> Iterator[Engine]:
    """A new, empty database on ``backend``; dropped afterwards."""
    if backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_dir}/zx-{uuid.uuid4().hex[:8]}.sqlite3")
        try:
            yield engine
        finally:
            engine.dispose()
        return
    base = server_url(backend)
    assert base is not None
    url = make_url(normalise_url(base))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"zx_test_{worker}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if backend == "mysql":
            conn.execute(text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"))
        else:
            conn.execute(text(f"CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            if backend == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


def wipe(engine: Engine) -> None:
    """Empty every table (children first) so each test starts clean. The audit log's
    append-only triggers refuse this, so they are dropped for the clean-up and put back."""
    from zhixin.audit import triggers
    from zhixin.models import metadata

    with engine.begin() as conn:
        triggers.remove(conn)
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
        triggers.install(conn)
