"""Benchmark: quotes over HTTP (POST /api/v1/quotes, 36-month schedules) against a trivial
endpoint of the same server as the ceiling.

    python bench/quotes.py [--requests 4000] [--concurrency 32] [--workers CORES] [--clients 2]

Set-up (not timed): a fresh SQLite database in a temporary directory, migrated; ``--enterprises``
Xiamen enterprises (small firms, established 2015), each with a few quality records (invention
patents, a title, an award), graded and published in a whitelist version of the xiamen catalog
(the rows an evaluation and a publication leave, as in the tests); a bank service user of
厦门农商行 (tenant ``bank-xmrcb``) with an API token of scope ``quote:run``.

The server is the real app under uvicorn (``zhixin.app:create_app``, access log off) on
127.0.0.1: ``--workers`` processes, each binding the port with SO_REUSEPORT (see
:func:`serve_child` for why not ``uvicorn --workers``). The load comes from ``--clients``
processes, each an asyncio loop of keep-alive connections speaking raw HTTP/1.1 (see
:func:`_client`), ``--concurrency`` requests in flight in all. Each request of the quote phase
is ``POST /api/v1/quotes`` with the bearer token: 鹭质贷, an enterprise taken in turn, an amount
that varies, 36 months, 等额本息 — the full quote, stored and audited, with its 36-row schedule in
the 201 response. The ceiling phases, in the same run and with the same clients, are ``GET
/healthz`` (no database) and ``GET /api/v1/me`` (the bearer token resolved against the database:
what any authenticated call pays). Reported: requests per second, p50/p99 latency, the ratio of
quotes/s to each ceiling, the machine, and the targets (≥ 500 quotes/s, p99 ≤ 50 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support.grades

TARGET_RPS = 500
TARGET_P99_MS = 50.0
QUOTE_DATE = "2025-07-15"


# -- machine ---------------------------------------------------------------------------------


def machine() -> str:
    import sqlalchemy
    import uvicorn

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
        f"Python {platform.python_version()} | SQLAlchemy {sqlalchemy.__version__} | "
        f"uvicorn {uvicorn.__version__}{load}"
    )


# -- the database ----------------------------------------------------------------------------


def fresh_postgres(url: str) -> str:
    """Drop and create the database named in ``url`` (a benchmark's own, never a real one)."""
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


def setup(url: str, n: int) -> tuple[list[int], str]:
    """Migrated database with ``n`` listed enterprises; returns their ids and a bearer token."""
    from sqlalchemy import insert
    from tests.support.grades import Grade, publish_grades

    import zhixin.models  # noqa: F401 - every table
    from zhixin.accounts import service as accounts
    from zhixin.accounts.rules import PasswordPolicy, Role, TenantKind
    from zhixin.enterprises.models import Enterprise
    from zhixin.enterprises.rules import make_uscc
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.kit.migrate import upgrade
    from zhixin.products import service as products
    from zhixin.records.models import QualityRecord

    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    known = datetime(2025, 1, 1, tzinfo=UTC)
    with unit_of_work(factory) as s:
        firms = [
            {
                "uscc": make_uscc(f"91350200MA{i:07d}"),
                "name": f"厦门测试企业{i:05d}",
                "kind": "企业",
                "status": "存续",
                "size_class": "小",
                "region_code": "350203",
                "established_on": date(2015, 3, 1),
            }
            for i in range(n)
        ]
        s.execute(insert(Enterprise), firms)
        ids = [e.id for e in s.query(Enterprise).order_by(Enterprise.id)]
        records: list[dict[str, Any]] = []
        for eid in ids:
            common = {"enterprise_id": eid, "source_system": "bench", "known_at": known}
            for k in range(3):
                records.append(
                    {
                        **common,
                        "kind": "patent",
                        "natural_key": f"{eid}|P{k}",
                        "content_hash": f"p{k}".ljust(32, "0"),
                        "ref": f"ZL{eid}{k}",
                        "subtype": "发明",
                        "status": "有效",
                        "event_date": date(2022, 1, 1),
                    }
                )
            records.append(
                {
                    **common,
                    "kind": "title",
                    "natural_key": f"{eid}|T",
                    "content_hash": "t".ljust(32, "0"),
                    "subtype": "专精特新中小企业",
                    "level": "省级",
                    "valid_from": date(2024, 1, 1),
                    "valid_to": date(2027, 1, 1),
                }
            )
            if eid % 3 == 0:
                records.append(
                    {
                        **common,
                        "kind": "award",
                        "natural_key": f"{eid}|A",
                        "content_hash": "a".ljust(32, "0"),
                        "subtype": "政府质量奖",
                        "title": "区长质量奖",
                        "level": "县级",
                        "year": 2024,
                    }
                )
        s.execute(insert(QualityRecord), records)
    levels = ("I", "II", "III")
    publish_grades(
        factory,
        catalog="xiamen",
        grades={eid: Grade(levels[eid % 3], {"credit": levels[eid % 3]}) for eid in ids},
    )
    with unit_of_work(factory) as s:
        # store the product's version once, as the first quote after a release would
        products.current(s, "luzhidai")
        bank = accounts.create_tenant(
            s, code="bank-xmrcb", name="厦门农商银行", kind=TenantKind.bank
        )
        user = accounts.create_user(
            s,
            tenant=bank,
            username="xmrcb-core",
            display_name="核心系统",
            password="Bench-Password-2025",  # noqa: S106 - a throwaway benchmark account
            roles=[Role.bank_officer],
            policy=PasswordPolicy(),
            is_service=True,
        )
        token = accounts.create_token(s, user=user, name="bench", scopes=["quote:run"]).raw
    engine.dispose()
    return ids, token


# -- the server ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_child(port: int) -> None:
    """One server process: uvicorn on a socket of its own, bound with SO_REUSEPORT.

    ``uvicorn --workers N`` shares one listening socket made without ``IPPROTO_TCP``, so asyncio
    does not set TCP_NODELAY on the connections; uvicorn's h11 writes a response's head and body
    separately, and Nagle's algorithm then holds the body until the client's delayed ACK: about
    40 ms on every keep-alive request (measured here: 44 ms per /healthz with --workers 2, 2 ms
    with one worker). Each process binds its own TCP socket on the same port instead (the kernel
    spreads connections among them), as a deployment behind a balancer would.
    """
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(
        "zhixin.app:create_app",
        factory=True,
        log_level="warning",
        access_log=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def server(url: str, workers: int) -> Iterator[str]:
    import httpx

    port = _free_port()
    env = {
        **os.environ,
        "ZHIXIN_DATABASE_URL": url,
        "ZHIXIN_MODE": "development",
        "ZHIXIN_SECRET_KEY": "bench-" + "x" * 40,
        "PYTHONPATH": str(ROOT / "src"),
    }
    cmd = [sys.executable, str(Path(__file__).resolve()), "--serve-child", str(port)]
    procs = [subprocess.Popen(cmd, env=env) for _ in range(workers)]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        time.sleep(1.0)  # the other workers bind their sockets too
        yield base
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=20)
            if p.poll() is None:
                p.kill()


# -- the load --------------------------------------------------------------------------------


def _bodies(ids: list[int], count: int, offset: int) -> list[dict[str, Any]]:
    return [
        {
            "product": "luzhidai",
            "enterprise_id": ids[(offset + k) % len(ids)],
            "amount": str(500_000 + ((offset + k) % 10) * 100_000),
            "term_months": 36,
            "method": "等额本息",
            "date": QUOTE_DATE,
        }
        for k in range(count)
    ]


def _request(method: str, path: str, host: str, token: str, body: bytes = b"") -> bytes:
    head = [
        f"{method} {path} HTTP/1.1",
        f"Host: {host}",
        f"Authorization: Bearer {token}",
        "Accept: application/json",
    ]
    if method == "POST":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _connection(
    host: str, port: int, requests: list[bytes], counter: Iterator[int], kind: str
) -> tuple[list[float], int, int]:
    """One keep-alive connection sending requests one after another, as a pooled client does."""
    import asyncio
    import json

    reader, writer = await asyncio.open_connection(host, port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    latencies: list[float] = []
    bad = ok = 0
    want = 201 if kind == "quote" else 200
    try:
        for k in counter:
            t0 = time.perf_counter()
            writer.write(requests[k])
            try:
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                latencies.append(time.perf_counter() - t0)
                bad += 1
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(time.perf_counter() - t0)
            good = status == want
            if good and kind == "quote" and k % 97 == 0:  # spot-check the content now and then
                q = json.loads(body)
                good = q["eligible"] and len(q["schedule"]["instalments"]) == 36
                ok += 1
            if not good:
                bad += 1
    finally:
        writer.close()
    return latencies, bad, ok


def _client(args: tuple[str, str, str, list[int], int, int, int]) -> tuple[list[float], int, int]:
    """One client process: ``connections`` keep-alive connections on one asyncio loop.

    The client is raw HTTP/1.1 over asyncio streams with the requests built beforehand, so that
    on a machine whose cores the server shares, the load generator takes as little of them as
    it can (a thread pool over httpx took about as much CPU per request as the server's
    /healthz); responses are checked by status, and every 97th quote by its content.
    """
    import asyncio
    import json
    from urllib.parse import urlsplit

    base, token, kind, ids, total, connections, offset = args
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    hostport = f"{host}:{port}"
    if kind == "quote":
        requests = [
            _request("POST", "/api/v1/quotes", hostport, token, json.dumps(b).encode())
            for b in _bodies(ids, total, offset)
        ]
    else:
        path = "/api/v1/me" if kind == "me" else "/healthz"
        requests = [_request("GET", path, hostport, token)] * total
    counter = iter(range(total))  # shared by the connections: one loop, no lock needed

    async def run() -> list[tuple[list[float], int, int]]:
        return await asyncio.gather(
            *(_connection(host, port, requests, counter, kind) for _ in range(connections))
        )

    results = asyncio.run(run())
    return (
        [x for r in results for x in r[0]],
        sum(r[1] for r in results),
        sum(r[2] for r in results),
    )


def phase(
    base: str, token: str, kind: str, ids: list[int], total: int, clients: int, concurrency: int
) -> dict[str, float]:
    per = [total // clients + (1 if c < total % clients else 0) for c in range(clients)]
    connections = max(1, concurrency // clients)
    offsets = [sum(per[:c]) for c in range(clients)]
    jobs = [(base, token, kind, ids, per[c], connections, offsets[c]) for c in range(clients)]
    with mp.get_context("fork").Pool(clients) as pool:
        t0 = time.perf_counter()
        results = pool.map(_client, jobs)
        wall = time.perf_counter() - t0
    lat = sorted(x for r in results for x in r[0])
    errors = sum(r[1] for r in results)
    checked = sum(r[2] for r in results)
    return {
        "n": len(lat),
        "rps": len(lat) / wall,
        "p50": statistics.median(lat) * 1000,
        "p99": lat[max(0, int(len(lat) * 0.99) - 1)] * 1000,
        "max": lat[-1] * 1000,
        "errors": errors,
        "checked": checked,
        "wall": wall,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--requests", type=int, default=4000, help="quotes in the timed phase")
    ap.add_argument("--ceiling-requests", type=int, default=None, help="default: --requests")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="uvicorn workers")
    ap.add_argument("--clients", type=int, default=2, help="load-generating processes")
    ap.add_argument("--enterprises", type=int, default=1000)
    ap.add_argument("--serve-child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument(
        "--db",
        default=None,
        help="database URL (default: a fresh SQLite file); a PostgreSQL database named here "
        "is dropped and created afresh, e.g. postgresql://postgres@127.0.0.1:5432/zx_bench_quotes",
    )
    args = ap.parse_args()
    # audit rows written here are keyed with the public demo key: a benchmark, not evidence
    os.environ.setdefault("ZHIXIN_MODE", "development")
    if args.serve_child is not None:
        serve_child(args.serve_child)
        return
    print("machine:", machine(), flush=True)
    with tempfile.TemporaryDirectory(prefix="zx-bench-quotes-") as tmp:
        url = args.db or f"sqlite:///{tmp}/quotes.sqlite3"
        if url.startswith(("postgresql", "postgres:")):
            fresh_postgres(url)
        t0 = time.perf_counter()
        ids, token = setup(url, args.enterprises)
        from zhixin.config import Settings

        served = Settings(database_url=url)  # what the server processes read from the environment
        print(
            f"set-up: {len(ids):,} listed enterprises, token of scope quote:run "
            f"({time.perf_counter() - t0:.1f} s); server: {args.workers} uvicorn processes, "
            f"each with ZHIXIN_REQUEST_THREADS={served.request_threads} and "
            f"ZHIXIN_DB_CONNECTIONS={served.db_connections}; "
            f"load: {args.clients} client processes, {args.concurrency} in flight",
            flush=True,
        )
        ceiling_n = args.ceiling_requests or args.requests
        with server(url, args.workers) as base:
            # warm every worker: imports, parsed products and catalogs, connection pools
            phase(base, token, "quote", ids, 50 * args.workers, args.clients, args.concurrency)
            phase(base, token, "me", ids, 50 * args.workers, args.clients, args.concurrency)
            results = {}
            for kind, n in (("healthz", ceiling_n), ("me", ceiling_n), ("quote", args.requests)):
                results[kind] = phase(base, token, kind, ids, n, args.clients, args.concurrency)
    labels = {
        "healthz": "GET /healthz (ceiling, no database)",
        "me": "GET /api/v1/me (ceiling, bearer token resolved)",
        "quote": "POST /api/v1/quotes (36-month schedule, stored, audited)",
    }
    print()
    print(f"{'endpoint':58} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'errors':>6}")
    for kind, r in results.items():
        print(
            f"{labels[kind]:58} {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} "
            f"{r['max']:8.1f} {r['errors']:6.0f}"
        )
    q = results["quote"]
    print()
    print(f"quotes/s ÷ /healthz: {q['rps'] / results['healthz']['rps']:.2f}")
    print(f"quotes/s ÷ /api/v1/me: {q['rps'] / results['me']['rps']:.2f}")
    print(f"spot-checked responses (eligible, 36 instalments): {q['checked']:.0f}")
    rps_ok = q["rps"] >= TARGET_RPS
    p99_ok = q["p99"] <= TARGET_P99_MS
    print(
        f"target ≥ {TARGET_RPS} quotes/s: {'met' if rps_ok else 'NOT met'} ({q['rps']:.0f}); "
        f"target p99 ≤ {TARGET_P99_MS:.0f} ms: {'met' if p99_ok else 'NOT met'} "
        f"({q['p99']:.1f} ms)"
    )
    print("machine after:", machine())


if __name__ == "__main__":
    main()
