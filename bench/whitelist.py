"""Benchmark: publish, diff and stream whitelist versions of about a million entries each.

    python bench/whitelist.py --entries 1000000 --db sqlite postgresql

For each database a fresh one is built and migrated (``zhixin.kit.migrate.upgrade``): SQLite in
a temporary file; PostgreSQL at ``ZHIXIN_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/zx_bench_wl``, dropped and created afresh; skipped with a
note when the server cannot be reached). Set-up (not timed) bulk-loads ``entries / 2``
enterprises and two finished evaluation runs — ``evaluation_result``, ``evaluation_dimension``
(two listed dimensions and one unlisted per enterprise), ``evaluation_element`` and
``evaluation_gate`` — with Core ``executemany`` (SQLite) or ``COPY`` (PostgreSQL). Run 2 differs
from run 1 by a few percent: 1 % of enterprises gated (all their entries removed, with an
``evaluation_gate`` row), 2 % lose one dimension (half of them because an element lapsed), 0.2 %
not evaluated at all, 3 % gain a dimension, 6 % change a level (about half up, half down).

Timed through the real services (each step in its own unit of work, commit included):
``draft_from_run`` and ``review`` (a second regulator approves, which publishes) for version 1
and version 2 (the latter writes the change log); ``reports.diff`` of the two versions (also
split into its counts query and its first page); and, over real HTTP against uvicorn on
127.0.0.1 with a bearer token of scope ``whitelist:read`` (a bank service user), version 2
streamed through ``GET /api/v1/whitelist/versions/2/entries`` page after page, and the change
feed through ``GET /api/v1/whitelist/changes``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support.people

from common import bulk, fresh_postgres, machine  # noqa: E402 - after the path

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/zx_bench_wl"
AS_OF = date(2025, 6, 30)
CHUNK = 50_000
PAGE = 1000


# -- machine ---------------------------------------------------------------------------------


# -- database --------------------------------------------------------------------------------


class World:
    """The synthetic population: enterprise ``e`` (1..n) and what each run says of it."""

    def __init__(self, n: int, dims: list[str], levels: list[str], elem: dict[str, str]):
        self.n, self.dims, self.levels, self.elem = n, dims, levels, elem

    @staticmethod
    def bucket(e: int) -> int:
        return (e * 2654435761) % 1000

    def dims_of(self, e: int, run: int) -> tuple[list[tuple[str, int, bool]], bool, bool]:
        """([(dimension, level rank, listed)], gated, evaluated) of enterprise ``e`` in ``run``."""
        d0, d1, d2 = self.dims[e % 5], self.dims[(e + 2) % 5], self.dims[(e + 4) % 5]
        r0, r1 = (e * 7) % 3, (e * 11) % 3
        rows = [(d0, r0, True), (d1, r1, True), (d2, 2, False)]
        if run == 1:
            return rows, False, True
        h = self.bucket(e)
        if h < 10:  # gated: every entry removed
            return [(d, r, False) for d, r, _ in rows], True, True
        if h < 30:  # one dimension falls below (h < 20: an element lapsed, see elements)
            return [rows[0], (d1, r1, False), rows[2]], False, True
        if h < 60:  # gains a dimension
            return [rows[0], rows[1], (d2, 1, True)], False, True
        if h < 90:  # mostly upgraded
            return [(d0, r0 - 1 if r0 > 0 else r0 + 1, True), rows[1], rows[2]], False, True
        if h < 110:  # mostly downgraded
            return [(d0, r0 + 1 if r0 < 2 else r0 - 1, True), rows[1], rows[2]], False, True
        if h < 112:  # not evaluated in run 2
            return [], False, False
        return rows, False, True

    def result_rows(self, run_id: int, run: int) -> Iterator[tuple[Any, ...]]:
        for e in range(1, self.n + 1):
            rows, gated, evaluated = self.dims_of(e, run)
            if not evaluated:
                continue
            listed = sum(1 for *_x, ok in rows if ok)
            yield (
                run_id,
                e,
                f"{60 + e % 40}.00",
                self.levels[min(r for _d, r, _ok in rows)] if listed else None,
                listed > 0,
                listed,
                '["G-PENALTY"]' if gated else "[]",
            )

    def dimension_rows(self, run_id: int, run: int) -> Iterator[tuple[Any, ...]]:
        for e in range(1, self.n + 1):
            for d, r, ok in self.dims_of(e, run)[0]:
                yield (run_id, e, d, self.levels[r], 30 - 10 * r, ok)

    def element_rows(self, run_id: int, run: int) -> Iterator[tuple[Any, ...]]:
        for e in range(1, self.n + 1):
            rows, _gated, _ev = self.dims_of(e, run)
            lapsed = run == 2 and 10 <= self.bucket(e) < 20
            for i, (d, r, _ok) in enumerate(rows[:2]):
                if lapsed and i == 1:
                    continue
                yield (run_id, e, self.elem[d], self.levels[r], 30 - 10 * r, 1, "[]")

    def gate_rows(self, run_id: int) -> Iterator[tuple[Any, ...]]:
        for e in range(1, self.n + 1):
            if self.bucket(e) < 10:
                yield (run_id, e, "G-PENALTY", f"[{e * 10}]")


def setup(factory: Any, engine: Any, n_ent: int) -> dict[str, Any]:
    """Users, enterprises and two finished runs (not timed)."""
    from sqlalchemy import insert, text
    from tests.support.people import make_user

    from zhixin.accounts import service as accounts
    from zhixin.accounts.models import User
    from zhixin.accounts.rules import Role
    from zhixin.catalog import service as catalogs
    from zhixin.catalog.loader import load
    from zhixin.enterprises.models import Enterprise
    from zhixin.enterprises.rules import make_uscc
    from zhixin.evaluation.models import EvaluationRun
    from zhixin.kit.db import unit_of_work

    ids = {
        "maker": make_user(factory, "maker", Role.regulator),
        "checker": make_user(factory, "checker", Role.regulator),
        "bank": make_user(factory, "bank-sys", Role.bank_officer, service=True),
    }
    with unit_of_work(factory) as s:
        principals = {k: accounts.principal_for(s, s.get(User, v)) for k, v in ids.items()}
        bank = s.get(User, ids["bank"])
        token = accounts.create_token(s, user=bank, name="信贷系统", scopes=["whitelist:read"]).raw
        loaded = load("xiamen")
        version = catalogs.register_version(s, loaded=loaded)
        runs = []
        for i in (1, 2):
            run = EvaluationRun(
                catalog_version_id=version.id,
                catalog_name=version.name,
                catalog_version=version.version,
                catalog_sha256=version.sha256,
                as_of=AS_OF,
                known_at=datetime(2025, 6, i, tzinfo=UTC),
                engine="duckdb",
                source="database",
                status="finished",
                started_at=datetime(2025, 6, i, tzinfo=UTC),
                finished_at=datetime(2025, 6, i, tzinfo=UTC),
                created_by_id=ids["maker"],
            )
            s.add(run)
            s.flush()
            runs.append(run.id)
    catalog = loaded.catalog
    elem: dict[str, str] = {}
    for el in catalog.elements:
        elem.setdefault(el.dimension, el.code)
    world = World(
        n_ent, [d.code for d in catalog.dimensions], [lv.code for lv in catalog.levels], elem
    )
    counts: dict[str, int] = {}
    now = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        ent_rows = (
            {
                "id": e,
                "uscc": make_uscc(f"9135020{e:010d}"),
                "name": f"示例企业{e}有限公司",
                "kind": "企业",
                "size_class": "小中微大"[e % 4],
                "region_code": f"3502{e % 6 + 1:02d}",
                "industry_code": f"C{3800 + e % 90}",
                "status": "存续",
                "created_at": now,
                "updated_at": now,
            }
            for e in range(1, n_ent + 1)
        )
        n = 0
        while True:
            chunk = [r for _i, r in zip(range(CHUNK), ent_rows, strict=False)]
            if not chunk:
                break
            conn.execute(insert(Enterprise), chunk)
            n += len(chunk)
        counts["enterprise"] = n
        res_cols = ["run_id", "enterprise_id", "total_score", "overall_level", "listed", "entries",
                    "gates_failed"]  # fmt: skip
        dim_cols = ["run_id", "enterprise_id", "dimension", "level", "points", "listed"]
        el_cols = ["run_id", "enterprise_id", "element", "level", "points", "measure", "record_ids"]
        for i, run_id in enumerate(runs, 1):
            counts[f"result{i}"] = bulk(
                conn, "evaluation_result", res_cols, world.result_rows(run_id, i)
            )
            counts[f"dimension{i}"] = bulk(
                conn, "evaluation_dimension", dim_cols, world.dimension_rows(run_id, i)
            )
            counts[f"element{i}"] = bulk(
                conn, "evaluation_element", el_cols, world.element_rows(run_id, i)
            )
        counts["gate2"] = bulk(
            conn,
            "evaluation_gate",
            ["run_id", "enterprise_id", "gate", "record_ids"],
            world.gate_rows(runs[1]),
        )
        for i, run_id in enumerate(runs, 1):
            conn.execute(
                text(
                    "UPDATE evaluation_run SET enterprises = :e, listed = :l, entries = :n "
                    "WHERE id = :id"
                ),
                {
                    "e": counts[f"result{i}"],
                    "l": conn.scalar(
                        text("SELECT count(*) FROM evaluation_result WHERE run_id=:r AND listed"),
                        {"r": run_id},
                    ),
                    "n": conn.scalar(
                        text(
                            "SELECT count(*) FROM evaluation_dimension WHERE run_id=:r AND listed"
                        ),
                        {"r": run_id},
                    ),
                    "id": run_id,
                },
            )
    if engine.dialect.name == "postgresql":
        # autovacuum would analyze tables loaded this size within a minute
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return {"ids": ids, "principals": principals, "token": token, "runs": runs, "counts": counts}


# -- live server -----------------------------------------------------------------------------


@contextmanager
def live_server(url: str, factory: Any) -> Iterator[str]:
    import uvicorn

    from zhixin.app import create_app
    from zhixin.config import Mode, Settings

    settings = Settings(mode=Mode.test, database_url=url, secret_key="bench-" + "x" * 32)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, session_factory=factory),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def stream(
    client: Any, path: str, cursor_param: str, next_of: Callable[[dict[str, Any]], str | None]
) -> tuple[int, int, float, list[float]]:
    """(items, pages, seconds, per-page seconds) fetching ``path`` until ``next_of`` is None."""
    cursor: str | None = None
    items = pages = 0
    lat: list[float] = []
    t0 = time.perf_counter()
    while True:
        params: dict[str, Any] = {"limit": PAGE}
        if cursor is not None:
            params[cursor_param] = cursor
        p0 = time.perf_counter()
        resp = client.get(path, params=params)
        resp.raise_for_status()
        body = resp.json()
        lat.append(time.perf_counter() - p0)
        items += len(body["items"])
        pages += 1
        cursor = next_of(body)
        if cursor is None:
            return items, pages, time.perf_counter() - t0, lat


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


# -- one database ----------------------------------------------------------------------------


def bench(db: str, url: str, entries: int) -> None:
    import httpx
    from sqlalchemy import func, select, text

    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.kit.migrate import upgrade
    from zhixin.whitelist import reports, service
    from zhixin.whitelist import repository as repo
    from zhixin.whitelist import service as whitelist
    from zhixin.whitelist.models import WhitelistChange

    engine = make_engine(url)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    ver = engine.dialect.server_version_info
    print(f"\n== {db}: {engine.dialect.name} {'.'.join(map(str, ver or ()))} ==")
    t0 = time.perf_counter()
    w = setup(factory, engine, entries // 2)
    c = w["counts"]
    print(
        f"set-up (not timed) {time.perf_counter() - t0:.1f} s: enterprises {c['enterprise']:,}; "
        f"run 1: results {c['result1']:,}, dimensions {c['dimension1']:,}, "
        f"elements {c['element1']:,}; run 2: results {c['result2']:,}, "
        f"dimensions {c['dimension2']:,}, elements {c['element2']:,}, gates {c['gate2']:,}"
    )
    maker, checker = w["principals"]["maker"], w["principals"]["checker"]
    figures: list[tuple[str, float, str]] = []

    def timed(label: str, fn: Callable[[Any], Any], note: Callable[[Any], str]) -> Any:
        t = time.perf_counter()
        with unit_of_work(factory) as s:
            out = fn(s)
            text = note(out)
        dt = time.perf_counter() - t
        figures.append((label, dt, text))
        print(f"  {label:<34} {dt:8.2f} s  {text}", flush=True)
        return out

    pubs = []
    for i, run_id in enumerate(w["runs"], 1):
        pub = timed(
            f"draft version {i} (draft_from_run)",
            lambda s, r=run_id: whitelist.draft_from_run(s, actor=maker, run_id=r),
            lambda p: f"{p.entries:,} entries, {p.enterprises:,} enterprises",
        )
        timed(
            f"publish version {i} (review→publish)",
            lambda s, p=pub: whitelist.review(s, actor=checker, publication_id=p.id, approve=True),
            lambda p: f"version {p.version}",
        )
        pubs.append(pub.id)
    with unit_of_work(factory) as s:
        per_version = dict(
            s.execute(
                select(WhitelistChange.version, func.count()).group_by(WhitelistChange.version)
            ).all()
        )
    print(f"  change log rows per version: {per_version}")
    old_id, new_id = pubs
    d = timed(
        "diff v1→v2 (reports.diff, page 1)",
        lambda s: reports.diff(s, actor=checker, old_id=old_id, new_id=new_id),
        lambda d: (
            f"total {d.total:,}: {d.counts} removed by reason {d.reasons}; {len(d.rows)} rows"
        ),
    )
    assert d.total > 0

    def _stmt(s: Any) -> Any:
        new = whitelist.get_publication(s, actor=checker, publication_id=new_id)
        catalog = whitelist.catalog_of_publication(s, new)
        return repo.diff_select(
            old_id=old_id,
            new_id=new_id,
            new_run_id=new.run_id,
            element_dims=service.element_dims(catalog),
        )

    timed(
        "  diff counts only (diff_counts)",
        lambda s: repo.diff_counts(s, _stmt(s)),
        lambda rows: f"{sum(n for *_x, n in rows):,} changes",
    )
    timed(
        "  diff first page only (diff_rows)",
        lambda s: repo.diff_rows(s, _stmt(s), change=None, limit=100),
        lambda rows: f"{len(rows)} rows",
    )
    timed(
        "diff v1→v2 removed, page 1",
        lambda s: reports.diff(s, actor=checker, old_id=old_id, new_id=new_id, change="removed"),
        lambda d: f"{d.total:,} removed; {len(d.rows)} rows with reasons",
    )

    if engine.dialect.name == "postgresql":
        # Right after publishing, whitelist_entry has no planner statistics (autovacuum analyzes
        # it within about a minute): without them the keyset page is a bitmap scan + sort of
        # the rest of the version. Stream as a bank would a minute later.
        t = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE whitelist_entry"))
            conn.execute(text("ANALYZE whitelist_change"))
        print(f"  (ANALYZE whitelist_entry, whitelist_change: {time.perf_counter() - t:.1f} s)")
    with (
        live_server(url, factory) as base,
        httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {w['token']}"}, timeout=120
        ) as client,
    ):
        for label, path, param, nxt in (
            (
                "feed: version 2 entries",
                "/api/v1/whitelist/versions/2/entries",
                "cursor",
                lambda b: b["next_cursor"],
            ),
            (
                "feed: change log (since=0)",
                "/api/v1/whitelist/changes",
                "since",
                lambda b: b["next_cursor"] if b["has_more"] else None,
            ),
        ):
            items, pages, secs, lat = stream(client, path, param, nxt)
            print(
                f"  {label:<34} {secs:8.2f} s  {items:,} items in {pages:,} pages of {PAGE}: "
                f"{items / secs:,.0f} items/s; per page median {statistics.median(lat) * 1000:.1f}"
                f" ms, p95 {pct(lat, 0.95) * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms",
                flush=True,
            )
    engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    # audit rows written here are keyed with the public demo key: a benchmark, not evidence
    os.environ.setdefault("ZHIXIN_MODE", "development")
    print(machine())
    print(f"entries per version: {args.entries:,} (enterprises {args.entries // 2:,})")
    for db in args.db:
        if db == "sqlite":
            with tempfile.TemporaryDirectory(prefix="zx_bench_wl_") as tmp:
                bench(db, f"sqlite:///{tmp}/bench.sqlite3", args.entries)
        else:
            url = os.environ.get("ZHIXIN_BENCH_POSTGRES_URL", PG_DEFAULT)
            try:
                fresh_postgres(url)
            except Exception as exc:
                print(f"\n== postgresql: skipped ({type(exc).__name__}: {exc}) ==")
                continue
            bench(db, url, args.entries)


if __name__ == "__main__":
    main()
