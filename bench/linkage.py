"""Benchmark: quality linkage after the loan (贷后联动) — freeze decisions for 10,000 new
records over a book of 1,000,000 loans, and one quarter's covenant check of the whole book.

    python bench/linkage.py --loans 1000000 --records 10000 --db sqlite postgresql

For each database a fresh one is built and migrated (SQLite in a temporary file; PostgreSQL at
``ZHIXIN_BENCH_POSTGRES_URL``, default ``postgresql://postgres@127.0.0.1:5432/zx_bench_linkage``,
dropped and created afresh). Set-up (not timed), bulk-loaded: ``--loans`` active 甬质贷
contracts on the shipped product version (its covenants: quality use ≥ 30 % → rate step-up
50 bp, the same → 贴息 withheld, no serious penalty → freeze; its triggers: a product-quality
penalty, a failed spot check, a 失信 listing, a whitelist removal), four per enterprise, each
with its credit line, one drawdown of 1,000,000 disbursed 1 August 2026 and one payment of
500,000 in November 2026 — to testing, except on every 20th loan (working capital: those fall
below 30 %), whose drawdowns also carry their 12 instalments (the step-up looks up the next
interest period of the breached loans only). No whitelist is published (that covenant is
reported as not checked).

Timed, each in its own unit of work (commit included):
1. the worker's linkage cycle after ``--records`` product-quality penalties arrived for as many
   enterprises (each holding four loans): freeze decisions and the lines held;
2. ``check_covenants("2026Q4")`` over the whole book (INSERT … SELECT per covenant, then the
   consequences of the breaches).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support.loan_book

from common import Timed, bulk, fresh_postgres, machine  # noqa: E402 - after the path

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/zx_bench_linkage"
PER_ENTERPRISE = 4
CHUNK = 50_000
VALUE = date(2026, 8, 1)
AMOUNT = Decimal("1000000.00")


def _sqlite(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _chunks(conn: Any, table: str, cols: list[str], rows: Any) -> int:
    n, buf = 0, []
    for row in rows:
        buf.append(row)
        if len(buf) == CHUNK:
            n += bulk(conn, table, cols, buf, adapt=_sqlite)
            buf = []
    if buf:
        n += bulk(conn, table, cols, buf, adapt=_sqlite)
    return n


def build(url: str, loans: int) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session
    from tests.support.loan_book import placeholder_row

    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import upgrade
    from zhixin.products import service as products

    engine = make_engine(url)
    upgrade(engine)
    now = datetime(2026, 8, 1, 2, 0, tzinfo=UTC)
    with Session(engine) as s:
        version, _ = products.current(s, "yongzhidai")
        bank = placeholder_row(s, "tenant", kind="bank")
        user = placeholder_row(s, "app_user", tenant_id=bank)
        quote = placeholder_row(s, "quote", product_version_id=version.id)
        version_id = version.id
        base = int(s.scalar(text("SELECT max(id) FROM enterprise")) or 0)
        s.commit()
    firms = -(-loans // PER_ENTERPRISE)
    with engine.begin() as conn:
        _chunks(
            conn,
            "enterprise",
            ["id", "uscc", "name", "kind", "status", "created_at", "updated_at"],
            (
                (base + k, f"9133{k:014d}", f"企业{k}", "企业", "存续", now, now)
                for k in range(1, firms + 1)
            ),
        )
        _chunks(
            conn,
            "loan_contract",
            [
                "id", "contract_no", "bank_tenant_id", "bank_code", "enterprise_id",
                "product_code", "product_version_id", "quote_id", "rate_kind", "spread",
                "contract_rate", "penalty_markup", "allocation_order", "principal_limit",
                "term_months", "method", "start_date", "maturity_date", "terms", "status",
                "created_at", "version",
            ],
            (
                (
                    k, f"YZD{k:09d}", bank, "bank-nbbank", base + 1 + (k - 1) // PER_ENTERPRISE,
                    "yongzhidai", version_id, quote, "fixed", Decimal("0.6"), Decimal("3.6"),
                    Decimal("0.5"), '["penalty","compound","interest","principal"]', AMOUNT,
                    12, "等额本息", VALUE, date(2027, 8, 1), "{}", "active", now, 1,
                )
                for k in range(1, loans + 1)
            ),
        )  # fmt: skip
        _chunks(
            conn,
            "loan_credit_line",
            ["id", "contract_id", "limit_amount", "expiry", "revolving", "frozen_amount",
             "created_at"],
            ((k, k, AMOUNT, date(2027, 8, 1), False, Decimal(0), now) for k in range(1, loans + 1)),
        )  # fmt: skip
        _chunks(
            conn,
            "loan_drawdown",
            ["id", "contract_id", "amount", "requested_by_id", "requested_at", "status",
             "value_date", "maturity", "term_months", "annual_rate", "method",
             "outstanding_principal", "overdue_principal", "overdue_interest", "accrued_interest",
             "penalty_interest", "compound_interest", "days_past_due", "classification"],
            (
                (k, k, AMOUNT, user, now, "disbursed", VALUE, date(2027, 8, 1), 12,
                 Decimal("3.6"), "等额本息", AMOUNT, 0, 0, 0, 0, 0, 0, "normal")
                for k in range(1, loans + 1)
            ),
        )  # fmt: skip
        paid_at = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
        _chunks(
            conn,
            "loan_payment",
            ["id", "drawdown_id", "purpose", "amount", "self_payment", "created_by_id",
             "created_at"],
            (
                (k, k, "working_capital" if k % 20 == 0 else "testing", Decimal("500000.00"),
                 True, user, paid_at)
                for k in range(1, loans + 1)
            ),
        )  # fmt: skip

        def instalments() -> Any:
            for k in range(20, loans + 1, 20):
                for seq in range(1, 13):
                    m = VALUE.month - 1 + seq - 1
                    start = date(VALUE.year + m // 12, m % 12 + 1, 1)
                    m += 1
                    due = date(VALUE.year + m // 12, m % 12 + 1, 1)
                    yield (k, seq, start, due, Decimal("83333.33"), Decimal("3000.00"), 0, 0, "due")

        _chunks(
            conn,
            "loan_instalment",
            ["drawdown_id", "seq", "period_start", "due_date", "principal", "interest",
             "principal_paid", "interest_paid", "status"],
            instalments(),
        )  # fmt: skip
        if conn.dialect.name == "postgresql":
            for table in ("enterprise", "loan_contract", "loan_credit_line", "loan_drawdown",
                          "loan_payment"):  # fmt: skip
                seq = f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"  # noqa: S608
                conn.exec_driver_sql(seq)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def arrive(url: str, records: int, loans: int) -> datetime:
    """``records`` product-quality penalties for as many enterprises (spread over the book);
    returns the moment they were known."""
    from zhixin.kit.db import make_engine

    engine = make_engine(url)
    firms = -(-loans // PER_ENTERPRISE)
    step = max(1, firms // records)
    with engine.connect() as conn:
        first = conn.exec_driver_sql("SELECT min(enterprise_id) FROM loan_contract").scalar()
        base = int(first or 1) - 1
    known = datetime.now(UTC)
    with engine.begin() as conn:
        _chunks(
            conn,
            "quality_record",
            ["enterprise_id", "kind", "natural_key", "version", "content_hash", "subtype", "ref",
             "level", "event_date", "extra", "source_system", "known_at"],
            (
                (base + 1 + (i * step) % firms, "penalty", f"bench-penalty-{i}", 1, f"{i:032x}",
                 "产品质量", f"甬市监罚〔2026〕{i}号", "较重", date(2026, 12, 1), "{}", "bench",
                 known)
                for i in range(records)
            ),
        )  # fmt: skip
    engine.dispose()
    return known


def run(url: str, records: int, loans: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    import zhixin.models  # noqa: F401
    from zhixin.audit import keys as audit_keys
    from zhixin.config import Mode, Settings
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.linkage import service
    from zhixin.linkage.models import LinkageAction

    # the audit chain's key: a test key (the bench writes one audit event per action batch)
    audit_keys.configure(audit_keys.AuditKeys.from_settings(Settings(mode=Mode.test)))
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as s:
        service.run_cycle(s, day=date(2027, 1, 5))  # the cursors start here
    known = arrive(url, records, loans)
    with Timed(engine) as freeze, unit_of_work(factory) as s:
        cycle = service.run_cycle(s, day=date(2027, 1, 5))
    with factory() as s:
        last = s.scalar(select(func.max(LinkageAction.created_at)))
    latency = (last - known).total_seconds() if last is not None else float("nan")
    with Timed(engine) as check_t, unit_of_work(factory) as s:
        check = service.check_covenants(s, "2026Q4", on=date(2027, 1, 5))
    engine.dispose()
    return {
        "freeze": freeze,
        "check": check_t,
        "records": cycle.records,
        "freezes": cycle.freezes,
        "latency_s": latency,
        "results": check.results,
        "breaches": check.breaches,
        "skipped": check.skipped,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    args = ap.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.db:
            if kind == "sqlite":
                url = f"sqlite:///{tmp}/linkage.db"
            else:
                url = fresh_postgres(os.environ.get("ZHIXIN_BENCH_POSTGRES_URL", PG_DEFAULT))
            t0 = time.perf_counter()
            build(url, args.loans)
            load = time.perf_counter() - t0
            r = run(url, args.records, args.loans)
            print(
                f"{kind}: {args.loans:,} loans (load {load:.0f} s, not timed)\n"
                f"  freeze decisions: {r['records']:,} new records → {r['freezes']:,} lines "
                f"frozen in {r['freeze'].line()} (one worker cycle; record known → last "
                f"freeze written {r['latency_s']:.1f} s, plus at most the worker's idle wait of "
                f"5 s)\n"
                f"  covenant check 2026Q4: {r['results']:,} results, {r['breaches']:,} breach "
                f"actions in {r['check'].line()}; not checked: "
                f"{'; '.join(r['skipped']) or '—'}\n"
                f"  load avg now: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}"
            )


if __name__ == "__main__":
    main()
