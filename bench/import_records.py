"""Benchmark: import certification CSVs with ``run_import`` and report rows/s and peak memory.

    python bench/import_records.py --rows 100000 1000000 --db sqlite postgresql
    python bench/import_records.py --rows 100000 --format csv xlsx
    python bench/import_records.py --rows 1000000 --format csv xlsx --files-dir /tmp/zx-import-files

For each size, a CSV of certifications (three per enterprise, listed by enterprise as a
regulator's export is) and the CSV of the enterprises they reference are generated in a
temporary folder (with ``--files-dir DIR``, in DIR, kept and reused by the next run: writing a
1,000,000-row XLSX with openpyxl takes minutes). Each (database, size) run happens in a fresh
child process on a fresh database, so its peak RSS (``ru_maxrss``) is the import's own: the
enterprises are imported first, then the certifications are timed. PostgreSQL runs use
``ZHIXIN_BENCH_POSTGRES_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/zx_bench``; the database is dropped and created
afresh) and are skipped with a note when the server cannot be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("ZHIXIN_MODE", "development")  # no production keys needed for the audit

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/zx_bench"
HEADER = "统一社会信用代码,认证类型,证书编号,认证机构,发证日期,有效期至,证书状态\r\n"
SUBTYPES = ("ISO9001", "ISO14001", "ISO45001", "IATF16949", "GB/T29490")
STATUSES = ("有效", "有效", "有效", "暂停", "过期")


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    from zhixin.enterprises.rules import make_uscc

    n_ent = (rows + 2) // 3
    ent_path, cert_path = folder / f"ent_{rows}.csv", folder / f"cert_{rows}.csv"
    with (
        open(ent_path, "w", encoding="utf-8-sig", newline="") as ent,
        open(cert_path, "w", encoding="utf-8-sig", newline="") as cert,
    ):
        ent.write("统一社会信用代码,名称,主体类型,企业规模,行政区划代码,行业代码,成立日期\r\n")
        cert.write(HEADER)
        line = 0
        for e in range(n_ent):
            uscc = make_uscc(f"9135020{e:010d}")
            ent.write(f"{uscc},示例企业{e}有限公司,企业,小型,350203,C3825,2015-06-0{1 + e % 9}\r\n")
            for k in range(3):
                if line == rows:
                    break
                year = 2019 + (line % 6)
                cert.write(
                    f"{uscc},{SUBTYPES[(e + k) % 5]},{e:07d}Q{k}R0M,中国质量认证中心,"
                    f"{year}-0{1 + line % 9}-1{line % 10},{year + 3}-0{1 + line % 9}-1{line % 10},"
                    f"{STATUSES[line % 5]}\r\n"
                )
                line += 1
    return ent_path, cert_path


def to_xlsx(csv_path: Path) -> Path:
    """The same rows as an .xlsx (openpyxl's write-only mode: what Excel users send)."""
    import csv

    from openpyxl import Workbook

    out = csv_path.with_suffix(".xlsx")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    with open(csv_path, encoding="utf-8-sig", newline="") as f:
        for row in csv.reader(f):
            ws.append(row)
    wb.save(out)
    return out


def fresh_database(url: str) -> str:
    """Drop and create the database named in ``url`` (server backends); return the URL."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from zhixin.kit.db import make_engine

    u = make_url(url)
    admin = make_engine(
        u.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {u.database} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {u.database}"))
    admin.dispose()
    return url


def child(db_url: str, ent_path: Path, cert_path: Path) -> None:
    """One measured run (in its own process): print a JSON line of the figures."""
    import zhixin.accounts.models
    import zhixin.audit.models
    import zhixin.enterprises.models
    import zhixin.intake.models
    import zhixin.records.models  # noqa: F401
    from zhixin.intake.service import run_import
    from zhixin.kit.db import Base, make_engine, make_sessionmaker

    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    t0 = time.perf_counter()
    ent = run_import(factory, kind="enterprise", path=ent_path, filename=ent_path.name)
    t1, c1 = time.perf_counter(), time.process_time()
    cert = run_import(factory, kind="certification", path=cert_path, filename=cert_path.name)
    t2, c2 = time.perf_counter(), time.process_time()
    again = run_import(factory, kind="certification", path=cert_path, filename=cert_path.name)
    t3 = time.perf_counter()
    version = engine.dialect.server_version_info
    print(
        json.dumps(
            {
                "enterprises": ent.inserted,
                "ent_s": t1 - t0,
                "rows": cert.total_rows,
                "inserted": cert.inserted,
                "rejected": cert.rejected,
                "seconds": t2 - t1,
                "cpu_s": c2 - c1,
                "reimport_dups": again.duplicates,
                "reimport_s": t3 - t2,
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "db_version": ".".join(map(str, version or ())) or None,
            }
        )
    )


def machine() -> str:
    import sqlalchemy

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.platform()} | CPU: {cpu} | cores: {os.cpu_count()} | "
        f"Python {platform.python_version()} | SQLAlchemy {sqlalchemy.__version__}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000])
    ap.add_argument("--db", nargs="+", default=["sqlite"], choices=["sqlite", "postgresql"])
    ap.add_argument("--format", nargs="+", default=["csv"], choices=["csv", "xlsx"])
    ap.add_argument("--files-dir", type=Path, help="keep the generated files here and reuse them")
    ap.add_argument("--child", nargs=3, metavar=("URL", "ENT", "CERT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    print(machine())
    print("load average:", Path("/proc/loadavg").read_text().split()[:3])
    with tempfile.TemporaryDirectory(prefix="zx_bench_") as tmp:
        folder = Path(tmp)
        for rows in args.rows:
            t = time.perf_counter()
            files_at = args.files_dir or folder
            files_at.mkdir(parents=True, exist_ok=True)
            ent_path, cert_path = files_at / f"ent_{rows}.csv", files_at / f"cert_{rows}.csv"
            if args.files_dir is None or not (ent_path.is_file() and cert_path.is_file()):
                ent_path, cert_path = generate(files_at, rows)
            size = cert_path.stat().st_size / 2**20
            print(f"\n{rows:,} rows: generated in {time.perf_counter() - t:.1f} s ({size:.0f} MiB)")
            files = {"csv": (ent_path, cert_path)}
            if "xlsx" in args.format:
                ent_x, cert_x = ent_path.with_suffix(".xlsx"), cert_path.with_suffix(".xlsx")
                if args.files_dir is None or not (ent_x.is_file() and cert_x.is_file()):
                    t = time.perf_counter()
                    ent_x, cert_x = to_xlsx(ent_path), to_xlsx(cert_path)
                    print(f"  written as XLSX in {time.perf_counter() - t:.1f} s")
                files["xlsx"] = (ent_x, cert_x)
            for db, fmt in [(d, f) for d in args.db for f in args.format]:
                ent_path, cert_path = files[fmt]
                if db == "sqlite":
                    url = f"sqlite:///{folder / f'bench_{rows}_{fmt}.sqlite3'}"
                else:
                    try:
                        url = fresh_database(
                            os.environ.get("ZHIXIN_BENCH_POSTGRES_URL", PG_DEFAULT)
                        )
                    except Exception as exc:
                        reason = str(exc).splitlines()[0][:160]
                        print(f"  {db:<10} skipped: cannot prepare the database ({reason})")
                        continue
                cmd = [sys.executable, __file__, "--child", url, str(ent_path), str(cert_path)]
                out = subprocess.run(cmd, capture_output=True, text=True, check=False)
                if out.returncode != 0:
                    print(f"  {db:<10} {fmt} FAILED\n{out.stderr[-3000:]}")
                    continue
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"  {db:<10} {r['db_version'] or '':<8} {fmt:<4} "
                    f"certifications: {r['rows']:,} rows in "
                    f"{r['seconds']:.1f} s = {r['rows'] / r['seconds']:,.0f} rows/s "
                    f"(CPU {r['cpu_s']:.1f} s = {r['rows'] / r['cpu_s']:,.0f} rows/CPU-s) "
                    f"(inserted {r['inserted']:,}, rejected {r['rejected']}); "
                    f"re-import {r['reimport_dups']:,} duplicates at "
                    f"{r['rows'] / r['reimport_s']:,.0f} rows/s; "
                    f"enterprises {r['enterprises']:,} at "
                    f"{r['enterprises'] / r['ent_s']:,.0f} rows/s; "
                    f"peak RSS {r['peak_rss_mib']:.0f} MiB"
                )


if __name__ == "__main__":
    main()
