"""Benchmark: a quarter's interest subsidy (贴息) over a million loans.

    python bench/support.py --loans 1000000 --db sqlite postgresql

For each database a fresh one is built and migrated: SQLite in a temporary file; PostgreSQL at
``ZHIXIN_BENCH_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/zx_bench_support``,
dropped and created afresh). Set-up (not timed) bulk-loads ``--loans`` disbursed drawdowns over
1,000 contracts of 1,000 enterprises, and three monthly repayments of interest per drawdown in
2026Q4 (one drawdown in 33 is 45 days past due, so the ``not_overdue`` condition drops it), by
``executemany`` (SQLite) or ``COPY`` (PostgreSQL), then a finance bureau user and a policy: 1
percentage point, at most 2,000,000 per enterprise and 1,000,000,000 in all per year (both bind,
so the window functions do real work).

Timed: ``zhixin.support.subsidies.compute`` for 2026Q4 in its own unit of work (commit
included): the quarter's basis aggregated per drawdown into a temporary table, the cap check
over the enterprises' totals, the ``INSERT … SELECT`` writing a line per loan, the totals and
the audit entry — first for the same policy with caps no enterprise reaches (the usual quarter:
no window functions), then for the policy whose caps bind for every enterprise and the budget
(both windows). Printed: wall seconds and this process's CPU seconds (``time.process_time``:
SQLite runs in the process, so on SQLite it is the work itself; on PostgreSQL the server's CPU
is not in it) and the load average after the run — the machine is shared, so under load the
wall time is inflated and the CPU time is the closer figure of what an idle machine takes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support.loan_book

from common import bulk, fresh_postgres, machine  # noqa: E402 - after the path

# the computation is audited: a throwaway key for the benchmark's own database
os.environ.setdefault("ZHIXIN_AUDIT_KEY", "bench-support-audit-key-" + "x" * 32)

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/zx_bench_support"
CONTRACTS = 1000
CHUNK = 50_000
RATES = (Decimal("3.1"), Decimal("3.45"), Decimal("3.85"), Decimal("4.35"))
FEN = Decimal("0.01")
PAYDAYS = (date(2026, 10, 20), date(2026, 11, 20), date(2026, 12, 20))
POLICY = {
    "kind": "points",
    "points": "1",
    "cap_per_enterprise_year": "2000000",
    "cap_per_year": "1000000000",
    "conditions": ["not_overdue"],
    "payee": "enterprise",
}
# the same policy with caps no enterprise reaches (the usual quarter: the windows are skipped)
LOOSE = POLICY | {"cap_per_enterprise_year": "100000000", "cap_per_year": "100000000000"}
DD_COLS = [
    "id", "contract_id", "amount", "requested_by_id", "requested_at", "status", "value_date",
    "maturity", "term_months", "annual_rate", "method", "outstanding_principal",
    "overdue_principal", "overdue_interest", "accrued_interest", "penalty_interest",
    "compound_interest", "days_past_due", "classification",
]  # fmt: skip
REP_COLS = [
    "bank_tenant_id", "bank_txn_id", "drawdown_id", "value_date", "amount", "source", "penalty",
    "compound", "interest", "principal", "accrued", "prepaid", "fee", "created_at",
]  # fmt: skip


def _sqlite(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def population(
    n: int, contracts: list[int], user: int, bank: int
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    zero = Decimal(0)
    for k in range(1, n + 1):
        amount = Decimal(100_000 + (k * 7919) % 4_900_000)
        rate = RATES[k % len(RATES)]
        late = k % 33 == 0
        interest = (amount * rate / 1200).quantize(FEN, rounding=ROUND_HALF_UP)
        reps = [
            (bank, f"B{k}-{m}", k, day, interest, "import", zero, zero, interest, zero, zero,
             zero, zero, now)
            for m, day in enumerate(PAYDAYS)
        ]  # fmt: skip
        yield (
            (
                k, contracts[k % len(contracts)], amount, user, now, "disbursed",
                date(2026, 1, 15), date(2027, 1, 15), 12, rate, "按月付息到期还本", amount,
                zero, zero, zero, zero, zero, 45 if late else 0,
                "special_mention" if late else "normal",
            ),
            reps,
        )  # fmt: skip


def build(url: str, n: int) -> None:
    from sqlalchemy import update
    from tests.support.loan_book import make_book, placeholder_row

    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import upgrade
    from zhixin.loans.models import LoanContract

    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        bank = placeholder_row(conn, "tenant", kind="bank", code="bench-bank", name="基准银行")
        book = make_book(conn, contracts=min(CONTRACTS, n), bank_id=bank)
        firms = [book.enterprise_id] + [
            placeholder_row(conn, "enterprise", region_code=f"3502{k % 6 + 1:02d}")
            for k in range(len(book.contract_ids) - 1)
        ]
        for cid, eid in zip(book.contract_ids, firms, strict=True):
            conn.execute(
                update(LoanContract).where(LoanContract.id == cid).values(enterprise_id=eid)
            )
        dd_rows: list[tuple[Any, ...]] = []
        rep_rows: list[tuple[Any, ...]] = []
        for drawdown, reps in population(n, book.contract_ids, book.user_id, bank):
            dd_rows.append(drawdown)
            rep_rows.extend(reps)
            if len(dd_rows) == CHUNK:
                bulk(conn, "loan_drawdown", DD_COLS, dd_rows, adapt=_sqlite)
                bulk(conn, "loan_repayment", REP_COLS, rep_rows, adapt=_sqlite)
                dd_rows, rep_rows = [], []
        if dd_rows:
            bulk(conn, "loan_drawdown", DD_COLS, dd_rows, adapt=_sqlite)
            bulk(conn, "loan_repayment", REP_COLS, rep_rows, adapt=_sqlite)
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "SELECT setval('loan_drawdown_id_seq', (SELECT max(id) FROM loan_drawdown))"
            )
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def setup_policy(url: str) -> None:
    from tests.support.people import make_user

    from zhixin.accounts import service as accounts
    from zhixin.accounts.rules import Role
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.support import subsidies

    factory = make_sessionmaker(make_engine(url))
    make_user(factory, "bench-finance", Role.finance_bureau, tenant_code="bench-fin")
    with unit_of_work(factory) as s:
        user = accounts.user_by_username(s, "bench-finance")
        assert user is not None
        actor = accounts.principal_for(s, user)
        subsidies.add_policy(s, actor=actor, code="BENCH", name="基准贴息", terms=POLICY)
        subsidies.add_policy(s, actor=actor, code="LOOSE", name="基准贴息（上限宽松）", terms=LOOSE)


def timed(url: str, code: str) -> tuple[float, float, int, Decimal, Decimal]:
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.support import subsidies

    factory = make_sessionmaker(make_engine(url))
    with unit_of_work(factory) as s:
        user = accounts.user_by_username(s, "bench-finance")
        assert user is not None
        actor = accounts.principal_for(s, user)
    t0, c0 = time.perf_counter(), time.process_time()
    with unit_of_work(factory) as s:
        c = subsidies.compute(s, actor=actor, policy_code=code, quarter="2026Q4")
        lines, basis, total = c.lines, c.basis, c.total
    return time.perf_counter() - t0, time.process_time() - c0, lines, basis, total


def database(kind: str, tmp: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/support.db"
    return fresh_postgres(os.environ.get("ZHIXIN_BENCH_POSTGRES_URL", PG_DEFAULT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db:
            url = database(kind, tmp)
            t0 = time.perf_counter()
            build(url, args.loans)
            setup_policy(url)
            load = time.perf_counter() - t0
            for code, what in (("LOOSE", "no cap binds"), ("BENCH", "every cap binds")):
                seconds, cpu, lines, basis, total = timed(url, code)
                avg = " ".join(f"{x:.1f}" for x in os.getloadavg())
                print(
                    f"{kind}: 2026Q4 贴息 over {args.loans:,} loans ({args.loans * 3:,} "
                    f"repayments; load {load:.0f} s, not timed), {what}: wall {seconds:.1f} s, "
                    f"process CPU {cpu:.1f} s (load average {avg}) — "
                    f"{lines:,} lines, interest paid {basis:,} 元, subsidy {total:,} 元",
                    flush=True,
                )


if __name__ == "__main__":
    main()
