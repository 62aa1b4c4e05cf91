"""Benchmark: the loan book's nightly batch (日终批处理) — one day over a million drawdowns, and
a year of days over a hundred thousand.

    python bench/loans.py --drawdowns 1000000 --db sqlite postgresql
    python bench/loans.py --year-loans 100000 --days 365 --db sqlite postgresql

For each database a fresh one is built and migrated (``zhixin.kit.migrate.upgrade``): SQLite in
a temporary file; PostgreSQL at ``ZHIXIN_BENCH_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/zx_bench_loans``, dropped and created afresh).
Set-up (not timed) bulk-loads ``--drawdowns`` disbursed drawdowns over 1,000 contracts, each with
12 monthly 等额本金 instalments (value dates spread over the year before the business day), by
Core ``executemany`` (SQLite) or ``COPY`` (PostgreSQL). Instalments due before the day are paid,
except on one drawdown in 33, which stopped paying after its second instalment (so the batch
has overdue amounts, 罚息, 复利, days past due and reclassifications to compute). Every day
before the business day is closed.

Timed: ``zhixin.loans.batch.close_day`` for the business day, in its own unit of work (commit
included), in a child process, whose peak resident memory (``ru_maxrss``) is reported — the
database server's memory (PostgreSQL) is not in it. The year: ``--days`` days closed one after
another (each its own unit of work) over ``--year-loans`` drawdowns whose instalments in the
year are paid in advance, bar the 1 in 33 that stopped paying; total and per-day figures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support.loan_book

from common import bulk, fresh_postgres, machine  # noqa: E402 - after the path

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/zx_bench_loans"
DAY = date(2026, 6, 30)
CONTRACTS = 1000
CHUNK = 50_000
RATES = (Decimal("3.1"), Decimal("3.45"), Decimal("3.85"), Decimal("4.35"))
FEN = Decimal("0.01")


def _sqlite(value: Any) -> Any:
    """A value as SQLAlchemy stores it on SQLite (the DB-API is given no adapters)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def add_months(day: date, n: int) -> date:
    m = day.month - 1 + n
    y, m = day.year + m // 12, m % 12 + 1
    last = [31, 29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28, 31, 30, 31, 30, 31, 31,
            30, 31, 30, 31][m - 1]  # fmt: skip
    return date(y, m, min(day.day, last))


DD_COLS = [
    "id", "contract_id", "amount", "requested_by_id", "requested_at", "status", "value_date",
    "maturity", "term_months", "annual_rate", "method", "outstanding_principal",
    "overdue_principal", "overdue_interest", "accrued_interest", "penalty_interest",
    "compound_interest", "days_past_due", "classification", "last_accrual_date",
]  # fmt: skip
INST_COLS = [
    "drawdown_id", "seq", "period_start", "due_date", "principal", "interest", "principal_paid",
    "interest_paid", "status",
]  # fmt: skip


def population(
    n: int, contracts: list[int], user: int, day: date, paid_through: date
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """Drawdown k's row and its 12 instalments: paid when due before ``paid_through``, except
    on every 33rd drawdown, which stops after its second instalment."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for k in range(1, n + 1):
        amount = Decimal(100_000 + (k * 7919) % 4_900_000)
        rate = RATES[k % len(RATES)]
        value = day - timedelta(days=1 + k % 360)
        share = (amount / 12).quantize(FEN, rounding=ROUND_HALF_UP)
        balance, outstanding = amount, amount
        rows = []
        start = value
        late = k % 33 == 0
        for seq in range(1, 13):
            due = add_months(value, seq)
            principal = share if seq < 12 else balance
            interest = (balance * rate / 1200).quantize(FEN, rounding=ROUND_HALF_UP)
            paid = due < paid_through and not (late and seq > 2)
            if paid and due < day:
                outstanding -= principal
            rows.append(
                (
                    k, seq, start, due, principal, interest,
                    principal if paid else Decimal(0), interest if paid else Decimal(0),
                    "paid" if paid else ("overdue" if due < day else "due"),
                )
            )  # fmt: skip
            balance -= principal
            start = due
        yield (
            (
                k, contracts[k % len(contracts)], amount, user, now, "disbursed", value,
                rows[-1][3], 12, rate, "等额本金", outstanding, Decimal(0), Decimal(0),
                Decimal(0), Decimal(0), Decimal(0), 0, "normal", day - timedelta(days=1),
            ),
            rows,
        )  # fmt: skip


def build(url: str, n: int, day: date, paid_through: date) -> None:
    from sqlalchemy import insert
    from tests.support.loan_book import make_book

    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import upgrade
    from zhixin.loans.servicing_models import LoanBatchRun

    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        book = make_book(conn, contracts=min(CONTRACTS, n), markup=Decimal("0.5"))
        rows = population(n, book.contract_ids, book.user_id, day, paid_through)
        dd_rows: list[tuple[Any, ...]] = []
        inst_rows: list[tuple[Any, ...]] = []
        for drawdown, instalments in rows:
            dd_rows.append(drawdown)
            inst_rows.extend(instalments)
            if len(dd_rows) == CHUNK:
                bulk(conn, "loan_drawdown", DD_COLS, dd_rows, adapt=_sqlite)
                bulk(conn, "loan_instalment", INST_COLS, inst_rows, adapt=_sqlite)
                dd_rows, inst_rows = [], []
        if dd_rows:
            bulk(conn, "loan_drawdown", DD_COLS, dd_rows, adapt=_sqlite)
            bulk(conn, "loan_instalment", INST_COLS, inst_rows, adapt=_sqlite)
        conn.execute(
            insert(LoanBatchRun.__table__).values(
                business_date=day - timedelta(days=1),
                status="done",
                drawdowns=n,
                overdue=0,
                reclassified=0,
                renewal_candidates=0,
                started_at=datetime.now(UTC),
                finished_at=datetime.now(UTC),
            )
        )
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "SELECT setval('loan_drawdown_id_seq', (SELECT max(id) FROM loan_drawdown))"
            )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _peak_rss_mib() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec (ru_maxrss
    would carry the forking parent's)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_days(url: str, first: date, days: int) -> dict[str, Any]:
    """In this (child) process: close ``days`` days from ``first``; seconds and peak memory."""
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.loans import batch

    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    per_day = []
    steps: dict[str, float] = {}
    last = None
    t_all = time.perf_counter()
    for k in range(days):
        t0 = mark = time.perf_counter()

        def step(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            steps[name] = steps.get(name, 0.0) + now - mark
            mark = now

        with unit_of_work(factory) as s:
            last = batch.close_day(s, first + timedelta(days=k), step=step)
        steps["提交"] = steps.get("提交", 0.0) + time.perf_counter() - mark
        per_day.append(time.perf_counter() - t0)
    total = time.perf_counter() - t_all
    engine.dispose()
    assert last is not None
    return {
        "seconds": total,
        "max_day": max(per_day),
        "median_day": sorted(per_day)[len(per_day) // 2],
        "steps": {k: round(v, 2) for k, v in steps.items()},
        "peak_rss_mib": _peak_rss_mib(),
        "last": {
            "drawdowns": last.drawdowns,
            "overdue": last.overdue,
            "reclassified": last.reclassified,
        },
    }


def child(url: str, first: date, days: int) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, first.isoformat(), str(days)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def database(kind: str, tmp: str, label: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/{label}.db"
    url = os.environ.get("ZHIXIN_BENCH_POSTGRES_URL", PG_DEFAULT)
    return fresh_postgres(url)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        res = run_days(sys.argv[2], date.fromisoformat(sys.argv[3]), int(sys.argv[4]))
        print(json.dumps(res))
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--drawdowns", type=int, default=0, help="one day's batch over this many")
    ap.add_argument("--year-loans", type=int, default=0, help="a year of days over this many")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db:
            if args.drawdowns:
                url = database(kind, tmp, "day")
                t0 = time.perf_counter()
                build(url, args.drawdowns, DAY, DAY)
                load = time.perf_counter() - t0
                r = child(url, DAY, 1)
                print(
                    f"{kind}: one day's batch over {args.drawdowns:,} drawdowns "
                    f"({args.drawdowns * 12:,} instalments; load {load:.0f} s, not timed): "
                    f"{r['seconds']:.1f} s, peak RSS {r['peak_rss_mib']:.0f} MiB; "
                    f"accrued {r['last']['drawdowns']:,}, overdue {r['last']['overdue']:,}, "
                    f"reclassified {r['last']['reclassified']:,}\n  steps (s): {r['steps']}"
                )
            if args.year_loans:
                url = database(kind, tmp, "year")
                start = DAY
                build(url, args.year_loans, start, start + timedelta(days=args.days + 400))
                r = child(url, start, args.days)
                print(
                    f"{kind}: {args.days} days over {args.year_loans:,} drawdowns: "
                    f"{r['seconds']:.1f} s in all, median day {r['median_day'] * 1000:.0f} ms, "
                    f"slowest {r['max_day'] * 1000:.0f} ms, peak RSS {r['peak_rss_mib']:.0f} MiB; "
                    f"last day overdue {r['last']['overdue']:,}\n"
                    f"  steps (s, all days): {r['steps']}"
                )


if __name__ == "__main__":
    main()
