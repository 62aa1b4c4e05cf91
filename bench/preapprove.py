"""Benchmark: 预授信 — price every enterprise on the whitelist in force for one product.

    python bench/preapprove.py --enterprises 1000000

A fresh SQLite file is migrated (``zhixin.kit.migrate.upgrade``). Set-up (not timed): an
empty published version of the xiamen catalog (``tests.support.grades.publish_grades``), then
``--enterprises`` firms bulk-loaded with Core ``executemany`` (``common.bulk``): the enterprise
(厦门 districts, sizes 小/中/微/大, founded 2000–2019), its evaluation result (classes Ⅰ/Ⅱ/Ⅲ
and some Ⅳ), two dimension levels, one element, and one whitelist entry per listed dimension;
every 50th firm gets a quality penalty two months before the pricing day. Timed, through the
real service in one unit of work (commit included): ``zhixin.demand.preapprove.create_list``
for 鹭质贷 (luzhidai) — read the listed firms' facts column-wise, decide once per distinct fact
combination, store the header and a row per eligible firm. Target: 1,000,000 ≤ 60 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))  # tests.support

from common import bulk, machine  # noqa: E402 - after the path

PRODUCT = "luzhidai"
LEVELS = ["I", "II", "III", "III", "IV"]  # by e % 5; Ⅳ类 is not on the whitelist
DIMS = ["credit", "innovation"]


def bench(n: int) -> None:
    from sqlalchemy import select
    from tests.support.grades import publish_grades

    from zhixin.catalog.loader import load
    from zhixin.demand import preapprove
    from zhixin.enterprises.rules import make_uscc
    from zhixin.kit import clock
    from zhixin.kit.db import make_engine, make_sessionmaker, unit_of_work
    from zhixin.kit.migrate import upgrade
    from zhixin.whitelist.models import WhitelistPublication

    tmp = tempfile.mkdtemp(prefix="zx_preapprove_")
    engine = make_engine(f"sqlite:///{tmp}/bench.db")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    t0 = time.perf_counter()
    publish_grades(factory, catalog="xiamen", grades={})
    with unit_of_work(factory) as s:
        pub = s.scalars(select(WhitelistPublication)).one()
        pub_id, run_id = pub.id, pub.run_id
    cat = load("xiamen").catalog
    dims = [d.code for d in cat.dimensions][: len(DIMS)]
    element = cat.elements[0].code
    listed_levels = set(cat.whitelist_levels)
    rank = {lv.code: i for i, lv in enumerate(cat.levels)}
    now = datetime(2025, 1, 1, tzinfo=UTC)
    penalty_day = clock.today() - timedelta(days=60)
    with engine.begin() as conn:
        bulk(
            conn,
            "enterprise",
            [
                "id",
                "uscc",
                "name",
                "kind",
                "size_class",
                "region_code",
                "established_on",
                "status",
                "created_at",
                "updated_at",
            ],
            (
                (
                    e,
                    make_uscc(f"9135020{e:010d}"),
                    f"示例企业{e}有限公司",
                    "企业",
                    "小中微大"[e % 4],
                    f"3502{e % 6 + 1:02d}",
                    date(2000 + e % 20, 1 + e % 12, 1),
                    "存续",
                    now,
                    now,
                )
                for e in range(1, n + 1)
            ),
        )
        bulk(
            conn,
            "evaluation_result",
            [
                "run_id",
                "enterprise_id",
                "total_score",
                "overall_level",
                "listed",
                "entries",
                "gates_failed",
            ],
            (
                (
                    run_id,
                    e,
                    f"{60 + e % 40}.00",
                    LEVELS[e % 5],
                    LEVELS[e % 5] in listed_levels,
                    2,
                    "[]",
                )
                for e in range(1, n + 1)
            ),
        )
        bulk(
            conn,
            "evaluation_dimension",
            ["run_id", "enterprise_id", "dimension", "level", "points", "listed"],
            (
                (run_id, e, d, LEVELS[(e + i) % 5], 30, LEVELS[(e + i) % 5] in listed_levels)
                for e in range(1, n + 1)
                for i, d in enumerate(dims)
            ),
        )
        bulk(
            conn,
            "evaluation_element",
            ["run_id", "enterprise_id", "element", "level", "points", "measure", "record_ids"],
            ((run_id, e, element, "I", 10, 1, "[]") for e in range(1, n + 1) if e % 3 == 0),
        )
        entries = bulk(
            conn,
            "whitelist_entry",
            [
                "publication_id",
                "enterprise_id",
                "dimension",
                "level",
                "level_rank",
                "points",
                "run_id",
            ],
            (
                (pub_id, e, d, LEVELS[(e + i) % 5], rank[LEVELS[(e + i) % 5]], 30, run_id)
                for e in range(1, n + 1)
                for i, d in enumerate(dims)
                if LEVELS[(e + i) % 5] in listed_levels
            ),
        )
        bulk(
            conn,
            "quality_record",
            [
                "enterprise_id",
                "kind",
                "natural_key",
                "version",
                "content_hash",
                "subtype",
                "event_date",
                "extra",
                "source_system",
                "known_at",
            ],
            (
                (e, "penalty", f"p{e}", 1, "a" * 32, "产品质量", penalty_day, "{}", "bench", now)
                for e in range(50, n + 1, 50)
            ),
        )
    print(machine())
    print(
        f"set-up (not timed) {time.perf_counter() - t0:.1f} s: enterprises {n:,}, "
        f"whitelist entries {entries:,}"
    )
    t = time.perf_counter()
    with unit_of_work(factory) as s:
        header, b = preapprove.create_list(s, product_code=PRODUCT)
    took = time.perf_counter() - t
    print(
        f"preapprove --product {PRODUCT}: listed {b.listed:,}, pre-approved {len(b.rows):,}, "
        f"fast lane {header.fast_lane:,}, combinations decided {b.combinations:,}: "
        f"{took:.1f} s ({b.listed / took:,.0f} firms/s; target 1,000,000 ≤ 60 s)"
    )
    engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--enterprises", type=int, default=1_000_000)
    os.environ.setdefault("ZHIXIN_MODE", "development")
    bench(p.parse_args().enterprises)


if __name__ == "__main__":
    main()
