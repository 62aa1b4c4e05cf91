"""What the benchmarks share: the machine line every figure is printed with, a fresh
PostgreSQL database, and bulk loading (COPY on PostgreSQL, executemany elsewhere).

Imported by the scripts in this folder, which run as ``python bench/NAME.py`` (this folder is
then first on ``sys.path``)."""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

CHUNK = 50_000


def machine() -> str:
    import sqlalchemy

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    load = ""
    with contextlib.suppress(OSError):
        load = " | load avg " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (
        f"{platform.platform()} | CPU: {cpu} | cores: {os.cpu_count()} | RAM {ram} | "
        f"Python {platform.python_version()} | SQLAlchemy {sqlalchemy.__version__}{load}"
    )


def fresh_postgres(url: str) -> str:
    """Drop and create the database ``url`` names (through the server's ``postgres`` database)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from zhixin.kit.db import make_engine, normalise_url

    u = make_url(normalise_url(url))
    admin = make_engine(
        u.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {u.database} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {u.database}"))
    admin.dispose()
    return url


def bulk(
    conn: Any,
    table: str,
    cols: list[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    adapt: Callable[[Any], Any] | None = None,
) -> int:
    """Load tuples: ``COPY`` on PostgreSQL, DB-API ``executemany`` in chunks elsewhere, each
    value passed through ``adapt`` there (the DB-API is given no adapters)."""
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                n += 1
        return n
    if adapt is not None:
        rows = (tuple(adapt(v) for v in row) for row in rows)
    marks = ", ".join("?" * len(cols))
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"  # noqa: S608 - internal names
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            conn.exec_driver_sql(sql, chunk)
            n += len(chunk)
            chunk = []
    if chunk:
        conn.exec_driver_sql(sql, chunk)
        n += len(chunk)
    return n


def _proc_cpu(pid: int) -> float | None:
    """utime + stime of a local process, in seconds (None: not readable or gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_cpu(engine: Any) -> dict[int, float]:
    """CPU seconds so far of every backend serving this PostgreSQL database on this machine."""
    if engine is None or engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        pids = conn.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        ).scalars()
        out = {int(p): _proc_cpu(int(p)) for p in pids}
    return {p: c for p, c in out.items() if c is not None}


class Timed:
    """Wall clock, this process's CPU time and — on a local PostgreSQL — the CPU time of the
    database's backends (the server's share, outside this process; backends that exit before
    the end, e.g. parallel workers, are not counted)::

        with Timed(engine) as t:
            ...
        print(t.line())
    """

    def __init__(self, engine: Any = None) -> None:
        self.engine = engine
        self.wall = self.cpu = 0.0
        self.server: float | None = None

    def __enter__(self) -> Timed:
        import time

        self._server0 = _server_cpu(self.engine)
        self._wall0, self._cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        import time

        self.wall = time.perf_counter() - self._wall0
        self.cpu = time.process_time() - self._cpu0
        if self.engine is not None and self.engine.dialect.name == "postgresql":
            end = _server_cpu(self.engine)
            self.server = sum(c - self._server0.get(p, 0.0) for p, c in end.items())

    def line(self) -> str:
        server = "" if self.server is None else f" + server {self.server:.1f} s"
        return f"{self.wall:.1f} s wall, CPU {self.cpu:.1f} s{server}"
