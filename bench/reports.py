"""Benchmark: the monthly report (月调度) and the dashboard's first paint at programme scale —
1,000,000 enterprises, 200,000 loans and a year of applications, consultations and whitelist
versions.

    python bench/reports.py [--enterprises 1000000] [--loans 200000] [--applications 300000]

A fresh SQLite database in a temporary file, migrated (``zhixin.kit.migrate.upgrade``). Set-up
(not timed) loads by Core ``executemany``: the enterprises over 20 counties of Fujian and 10
industries; ``--applications`` applications over the 12 months to November 2026 across 10
banks, of which ``--loans`` were contracted and drawn (one contract and one disbursed drawdown
each, classes spread over the five), one in ten refused with its consultation; two whitelist
versions (October, November) of 10 % of the enterprises, half of them in two dimensions.

Timed: the daily facts computed for every day (``reports.daily.refresh``, what the nightly
batch and ``zhixin report refresh`` do; once, with the whitelist's conversion per publication
and listed firm, ``reports.listed.refresh``), then (each the median of ``--repeat`` runs)
``reports.service.build`` of the monthly report for 2026-11 over everything (the CLI's and the
XLSX's work, without writing the file), the XLSX written, and the dashboard page
``GET /reports`` for the task force (month to date, server-side HTML with its charts; its first
paint reads the daily facts and the whitelist's pre-aggregated conversion), through the app
in-process: the first request after the app started (once), then the median of ``--repeat``.

``--db FILE`` keeps the database (loaded on the first run, reused after); ``--only-dashboard``
times the dashboard alone (the facts as the last run left them).

Each step prints its wall time and this process's CPU time (``time.process_time``: the
machine is shared, so wall time includes waiting for a core) and the load average after it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support

from common import machine  # noqa: E402 - after the path

CHUNK = 20_000
COUNTIES = [f"3502{n:02d}" for n in (3, 5, 6, 11, 12, 13)] + [
    f"35{c:02d}{n:02d}" for c in (1, 3, 4, 5, 6, 7, 8, 9) for n in (2, 3)
][:14]
INDUSTRIES = ["C39", "C34", "C14", "F51", "I65", "C26", "C38", "E48", "G54", "M73"]
CLASSES = ["normal"] * 90 + ["special_mention"] * 6 + ["substandard", "doubtful", "loss", "loss"]
START = date(2025, 12, 1)
NOW = datetime(2026, 12, 7, 2, tzinfo=UTC)


def chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def load(engine: Any, n_ent: int, n_apps: int, n_loans: int) -> dict[str, int]:
    from sqlalchemy.orm import Session
    from tests.support.loan_book import placeholder_row

    from zhixin.models import metadata

    t = metadata.tables
    with Session(engine) as s:
        banks = [
            placeholder_row(s, "tenant", kind="bank", code=f"bank-{k}", name=f"银行{k}（测试）")
            for k in range(10)
        ]
        user = placeholder_row(s, "app_user", tenant_id=banks[0])
        version = placeholder_row(s, "product_version")
        ent0 = placeholder_row(s, "enterprise")
        quote = placeholder_row(s, "quote", enterprise_id=ent0, product_version_id=version)
        run = placeholder_row(s, "evaluation_run")
        s.commit()
    with engine.begin() as conn:
        for chunk in chunks(
            {
                "uscc": f"91350{k:013d}",
                "name": f"测试企业{k}",
                "kind": "企业",
                "status": "存续",
                "region_code": COUNTIES[k % len(COUNTIES)],
                "industry_code": INDUSTRIES[k % len(INDUSTRIES)],
                "created_at": NOW,
                "updated_at": NOW,
            }
            for k in range(n_ent)
        ):
            conn.execute(t["enterprise"].insert(), chunk)
    first = ent0 + 1
    days = (date(2026, 11, 30) - START).days + 1

    def app(k: int) -> dict[str, Any]:
        sub = START + timedelta(days=k % days)
        loan = k < n_loans
        refused = not loan and k % 10 == 0
        decided = sub + timedelta(days=3) if (loan or refused) else None
        return {
            "enterprise_id": first + (k * 7) % n_ent,
            "bank_tenant_id": banks[k % 10],
            "bank_code": f"bank-{k % 10}",
            "bank_name": f"银行{k % 10}（测试）",
            "product_code": "luzhidai" if k % 3 else "xingbaodai",
            "product_name": "鹭质贷" if k % 3 else "兴保贷",
            "product_kind": "credit",
            "product_version_id": version,
            "quote_id": quote,
            "listed": k % 2 == 0,
            "amount": Decimal("1000000.00"),
            "term_months": 12,
            "method": "等额本金",
            "purpose": "流动资金",
            "use_of_funds": "采购",
            "terms": {},
            "consent_mode": "granted",
            "consent_scope": "records",
            "consent_expires_on": date(2027, 12, 31),
            "state": "contracted" if loan else ("rejected" if refused else "accepted"),
            "version": 1,
            "submitted_by_id": user,
            "submitted_at": NOW,
            "submitted_on": sub,
            "accepted_on": sub + timedelta(days=1),
            "decided_on": decided,
            "approved_amount": Decimal("800000.00") if loan else None,
            "decision_workdays": 3 if decided else None,
            "fast_lane_days": 5 if k % 4 == 0 else None,
            "deadline": sub + timedelta(days=7) if k % 4 == 0 else None,
            "reject_codes": [],
            "updated_at": NOW,
        }

    with engine.begin() as conn:
        for chunk in chunks(app(k) for k in range(n_apps)):
            conn.execute(t["loan_application"].insert(), chunk)
        app0 = conn.exec_driver_sql("SELECT min(id) FROM loan_application").scalar()
        for chunk in chunks(
            {
                "application_id": app0 + k,
                "enterprise_id": first + (k * 7) % n_ent,
                "status": ("open", "planned", "resolved", "closed")[k % 4],
                "opened_at": NOW,
                "opened_on": START + timedelta(days=k % days),
                "remedies": {},
                "resolved_on": START + timedelta(days=k % days + 4) if k % 4 == 2 else None,
                "resolution_workdays": 4 if k % 4 == 2 else None,
            }
            for k in range(n_loans, n_apps)
            if k % 10 == 0
        ):
            conn.execute(t["consultation"].insert(), chunk)
        for chunk in chunks(
            {
                "contract_no": f"C{k:09d}",
                "bank_tenant_id": banks[k % 10],
                "bank_code": f"bank-{k % 10}",
                "enterprise_id": first + (k * 7) % n_ent,
                "application_id": app0 + k,
                "product_code": "luzhidai" if k % 3 else "xingbaodai",
                "product_version_id": version,
                "quote_id": quote,
                "rate_kind": "fixed",
                "spread": Decimal(0),
                "contract_rate": Decimal("3.85"),
                "penalty_markup": Decimal("0.5"),
                "allocation_order": [],
                "principal_limit": Decimal("800000.00"),
                "term_months": 12,
                "method": "等额本金",
                "start_date": START,
                "maturity_date": date(2027, 12, 31),
                "terms": {},
                "status": "active",
                "created_at": NOW,
                "version": 1,
            }
            for k in range(n_loans)
        ):
            conn.execute(t["loan_contract"].insert(), chunk)
        c0 = conn.exec_driver_sql("SELECT min(id) FROM loan_contract").scalar()
        for chunk in chunks(
            {
                "contract_id": c0 + k,
                "amount": Decimal("800000.00"),
                "requested_by_id": user,
                "requested_at": NOW,
                "status": "settled" if k % 20 == 0 else "disbursed",
                "value_date": START + timedelta(days=k % days + 5),
                "term_months": 12,
                "method": "等额本金",
                "outstanding_principal": Decimal("0.00") if k % 20 == 0 else Decimal("600000.00"),
                "classification": CLASSES[k % len(CLASSES)],
            }
            for k in range(n_loans)
        ):
            conn.execute(t["loan_drawdown"].insert(), chunk)
        for v, (at, share) in enumerate(
            (
                (datetime(2026, 10, 15, 2, tzinfo=UTC), 10),
                (datetime(2026, 11, 15, 2, tzinfo=UTC), 10),
            ),
            1,
        ):
            listed = range(v, n_ent, share)
            pub = conn.execute(
                t["whitelist_publication"]
                .insert()
                .values(
                    version=v,
                    status="published",
                    kind="full",
                    run_id=run,
                    catalog_name="xiamen",
                    catalog_version="1",
                    catalog_sha256="0" * 64,
                    as_of=at.date(),
                    basis_at=at,
                    published_at=at,
                    enterprises=len(listed),
                    entries=len(listed) + len(listed) // 2,
                    drafted_at=at,
                    urgent=False,
                )
            ).inserted_primary_key[0]
            for chunk in chunks(
                {
                    "publication_id": pub,
                    "enterprise_id": first + k,
                    "dimension": dim,
                    "level": "A",
                    "level_rank": 0,
                    "points": 90,
                    "run_id": run,
                }
                for j, k in enumerate(listed)
                for dim in (("overall", "brand") if j % 2 == 0 else ("overall",))
            ):
                conn.execute(t["whitelist_entry"].insert(), chunk)
    return {"banks": len(banks)}


def timed(fn: Any, repeat: int) -> tuple[str, Any]:
    """Run ``fn`` ``repeat`` times: "wall X s, CPU Y s, load …" (medians) and its result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    figures = (
        f"wall {statistics.median(walls):.2f} s, CPU {statistics.median(cpus):.2f} s "
        f"(load avg {load})"
    )
    return figures, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--enterprises", type=int, default=1_000_000)
    ap.add_argument("--loans", type=int, default=200_000)
    ap.add_argument("--applications", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--db",
        default="",
        help="keep the SQLite database in this file (loaded once; a later run reuses it)",
    )
    ap.add_argument("--only-dashboard", action="store_true", help="time the dashboard only")
    args = ap.parse_args()

    from fastapi.testclient import TestClient
    from tests.support.people import make_user
    from tests.support.web import login

    from zhixin.accounts.rules import Role
    from zhixin.app import create_app
    from zhixin.config import Mode, Settings
    from zhixin.kit import clock
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.kit.migrate import upgrade
    from zhixin.reports import daily, export, rules, service

    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "bench.sqlite3"
        reuse = path.exists()
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade(engine)
        t0 = time.perf_counter()
        if reuse:
            print(f"reusing {path} (loaded before; migrated to head)")
        else:
            load(engine, args.enterprises, args.applications, args.loans)
            print(
                f"loaded {args.enterprises:,} enterprises, {args.applications:,} applications, "
                f"{args.loans:,} loans in {time.perf_counter() - t0:.1f} s (not timed below)"
            )
        factory = make_sessionmaker(engine)
        clock.today = lambda: date(2026, 12, 7)  # type: ignore[method-assign]
        period = rules.monthly("2026-11")

        if not args.only_dashboard:

            def refresh() -> int:
                from zhixin.reports import listed

                with unit_of_work(factory) as session:
                    first = daily.first_day(session)
                    assert first is not None
                    written = daily.refresh(session, first, date(2026, 12, 7))
                    # the whitelist's conversion, per publication and listed firm
                    return written + listed.refresh(session, first, date(2026, 12, 7), whole=True)

            figures, rows = timed(refresh, 1)
            print(f"daily facts, every day (the nightly batch's refresh): {figures}; {rows:,} rows")

            def monthly() -> service.Report:
                with unit_of_work(factory) as session:
                    return service.build(session, period, service.Scope())

            figures, report = timed(monthly, args.repeat)
            print(f"monthly report 2026-11 (every section, SQLite): {figures}  [target ≤ 20 s]")
            for t in report.tables[:1]:
                print(f"  {t.title}: 合计 {t.rows[-1]}")
            figures, _ = timed(lambda: export.workbook(report).to_bytes(), args.repeat)
            print(f"  its XLSX written: {figures}")

        settings = Settings(mode=Mode.test, database_url=url, secret_key="b" * 40)
        if not reuse:
            make_user(factory, "bench-zhuanban", Role.task_force, tenant_code="taskforce")
        with TestClient(create_app(settings)) as client:
            login(client, "bench-zhuanban")
            # in-process (TestClient): the first request after the app started, then warm
            figures, resp = timed(lambda: client.get("/reports"), 1)
            assert resp.status_code == 200, resp.text[:300]
            print(
                "dashboard GET /reports (month to date, first paint, SQLite, in-process), "
                f"first request: {figures}  [target ≤ 1 s]"
            )
            if args.repeat > 1:
                figures, _ = timed(lambda: client.get("/reports"), args.repeat)
                print(f"  then the median of {args.repeat}: {figures}")


if __name__ == "__main__":
    main()
