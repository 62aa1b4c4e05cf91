"""Benchmark: what the access log of data taken adds to a request that reads.

    python bench/access_log.py [--appends 500] [--db sqlite postgresql mysql]

A bank's feed page, an export, a record read each append one ``audit_event`` (and move the
chain's head) in the request's transaction, which a read-only request did not write before.
This times that append with its commit, alone, as the request pays it: median and p95 in ms.
PostgreSQL and MariaDB run when ``ZHIXIN_TEST_POSTGRES_URL`` / ``ZHIXIN_TEST_MYSQL_URL`` are
set (a scratch database is created and dropped). The feed's page time for comparison:
``python bench/whitelist.py`` ("feed: … per page median").
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.databases import fresh_database, skip_reason

from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.kit.db import make_sessionmaker, unit_of_work
from zhixin.kit.migrate import upgrade


def machine() -> str:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ""
    with contextlib.suppress(OSError):
        load = " | load avg " + " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{platform.platform()} | CPU: {cpu} | cores: {os.cpu_count()}{load}"


def bench(backend: str, appends: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(backend, tmp) as engine:
        upgrade(engine)
        factory = make_sessionmaker(engine)
        actor = Actor(1, "bank-system", 2, "10.0.0.8")
        lat = []
        for i in range(appends):
            t = time.perf_counter()
            with unit_of_work(factory) as s:
                audit.record(
                    s,
                    actor=actor,
                    action="feed.read",
                    object_type="whitelist_version",
                    object_id=2,
                    detail={"rows": 1000, "what": "entries", "cursor": f"c{i:038d}"},
                )
            lat.append(time.perf_counter() - t)
        lat.sort()
        print(
            f"  {backend:<10} {appends} appends: median {statistics.median(lat) * 1000:.2f} ms, "
            f"p95 {lat[int(0.95 * len(lat))] * 1000:.2f} ms, max {lat[-1] * 1000:.2f} ms",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--appends", type=int, default=500)
    ap.add_argument("--db", nargs="+", default=["sqlite", "postgresql", "mysql"])
    args = ap.parse_args()
    print(machine())
    print("one access-log entry (audit append + commit), as a read request now pays it:")
    for backend in args.db:
        reason = skip_reason(backend)
        if reason:
            print(f"  {backend:<10} skipped: {reason}")
            continue
        bench(backend, args.appends)


if __name__ == "__main__":
    main()
