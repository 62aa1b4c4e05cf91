"""The published whitelist as a list people use: search by name or USCC, filter by region,
industry, dimension and level on the server, a page at a time; and its statistics agree with
the headline — 家次 per dimension sum to the version's 家次, distinct enterprises to its 家
(issue 21 item 2). Counts are computed here independently from the entries."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.web import login
from zhixin.accounts import service as accounts
from zhixin.demo.loader import DEMO_PASSWORD, load_demo
from zhixin.enterprises.models import Enterprise
from zhixin.kit.db import unit_of_work
from zhixin.whitelist import reports, service
from zhixin.whitelist.models import WhitelistEntry, WhitelistPublication

pytestmark = pytest.mark.slow
Demo = tuple[WhitelistPublication, list[tuple[Any, ...]]]


def _entries(factory: sessionmaker[Session]) -> Demo:
    with unit_of_work(factory) as s:
        # Xiamen's list (the demo also publishes Ningbo's and Shandong's)
        pub = s.scalars(
            select(WhitelistPublication).where(WhitelistPublication.catalog_name == "xiamen")
        ).one()
        rows = s.execute(
            select(
                WhitelistEntry.enterprise_id,
                WhitelistEntry.dimension,
                WhitelistEntry.level,
                Enterprise.name,
                Enterprise.uscc,
                Enterprise.region_code,
                Enterprise.industry_code,
            )
            .join(Enterprise, Enterprise.id == WhitelistEntry.enterprise_id)
            .where(WhitelistEntry.publication_id == pub.id)
        ).all()
        s.expunge(pub)
    return pub, [tuple(r) for r in rows]


@pytest.fixture
def demo(factory: sessionmaker[Session], tmp_path: Path) -> Demo:
    assert load_demo(factory, enterprises=150, voucher_dir=tmp_path).loaded
    return _entries(factory)


def test_statistics_agree_with_the_headline(factory: sessionmaker[Session], demo: Demo) -> None:
    pub, rows = demo
    assert len(rows) > 10
    # the headline: 家次 = entries, 家 = distinct enterprises
    assert pub.entries == len(rows)
    assert pub.enterprises == len({r[0] for r in rows})
    # several dimensions per enterprise: the two differ, and that is what the labels say
    assert pub.entries > pub.enterprises
    by_dim = Counter(r[1] for r in rows)
    with unit_of_work(factory) as s:
        actor = accounts.principal_for(s, accounts.user_by_username(s, "regulator"))  # type: ignore[arg-type]
        stats = reports.statistics(s, actor=actor, publication_id=pub.id)
    assert {r.key: r.entries for r in stats["dimension"]} == dict(by_dim)
    totals = reports.totals(stats)
    for by in reports.STAT_KEYS:
        assert totals[by] == pub.entries, by  # every table's 家次 sums to the headline
    # per dimension an enterprise is listed once: 家次 = 家 in each row
    assert all(r.entries == r.enterprises for r in stats["dimension"])
    # by level an enterprise may count in several rows: the column sum can exceed the headline
    assert sum(r.enterprises for r in stats["level"]) >= pub.enterprises


def _search(factory: sessionmaker[Session], version: int, **where: str) -> tuple[list, int]:
    with unit_of_work(factory) as s:
        actor = accounts.principal_for(s, accounts.user_by_username(s, "xmrcb-officer"))  # type: ignore[arg-type]
        return service.search_entries(
            s,
            actor=actor,
            version=version,
            where=service.EntryFilter(**where),
            page=1,
            per_page=1000,
        )


def test_search_and_filters_match_an_independent_count(
    factory: sessionmaker[Session], demo: Demo
) -> None:
    pub, rows = demo
    assert pub.version is not None
    eid, dim, level, name, uscc, region, industry = rows[len(rows) // 2]
    fragment = name[2:6]
    cases = {
        "q=name": ({"q": fragment}, [r for r in rows if fragment in r[3]]),
        "q=uscc": ({"q": uscc}, [r for r in rows if r[4] == uscc]),
        "q=uscc prefix": (
            {"q": uscc[:10].lower()},
            [r for r in rows if r[4].startswith(uscc[:10])],
        ),
        "region": ({"region": region}, [r for r in rows if r[5] == region]),
        "city": ({"region": "3502"}, [r for r in rows if (r[5] or "").startswith("3502")]),
        "industry": ({"industry": industry[0]}, [r for r in rows if r[6][0] == industry[0]]),
        "dimension": ({"dimension": dim}, [r for r in rows if r[1] == dim]),
        "level": ({"level": level}, [r for r in rows if r[2] == level]),
        "together": (
            {"dimension": dim, "level": level, "industry": industry[0]},
            [r for r in rows if r[1] == dim and r[2] == level and r[6][0] == industry[0]],
        ),
        "nothing": ({"q": "不存在的名称%_"}, []),
    }
    for label, (where, expected) in cases.items():
        items, total = _search(factory, pub.version, **where)
        assert total == len(expected), label
        assert sorted((i.enterprise_id, i.dimension) for i in items) == sorted(
            (r[0], r[1]) for r in expected
        ), label
    assert eid in {i.enterprise_id for i in _search(factory, pub.version, q=uscc)[0]}


def test_the_page_filters_pages_and_names(app: FastAPI, demo: Demo) -> None:
    pub, rows = demo
    dim = rows[0][1]
    with TestClient(app) as client:
        login(client, "regulator", DEMO_PASSWORD)
        page = client.get(f"/whitelist/publications/{pub.id}").text
        assert f"共 {pub.entries:,} 家次" in page
        assert "入选家次 · 按维度" in page  # chart titles
        assert "经营主体（家，不重复）" in page
        assert page.count(f"<th>{pub.entries:,}</th>") == len(reports.STAT_KEYS)  # 合计 rows
        n = sum(1 for r in rows if r[1] == dim)
        filtered = client.get(f"/whitelist/publications/{pub.id}", params={"dimension": dim})
        assert f"符合条件 {n:,} 家次" in filtered.text
        assert re.search(rf'<option value="{dim}" selected>[^<a-z]+</option>', filtered.text)
        # the next page keeps the filter
        small = client.get(f"/whitelist/publications/{pub.id}", params={"page": 2})
        assert small.status_code == 200
        bad = client.get(f"/whitelist/publications/{pub.id}", params={"region": "厦门"})
        assert bad.status_code == 422


def test_the_run_page_counts_what_the_whitelist_lists(
    factory: sessionmaker[Session], demo: Demo
) -> None:
    """The 1,797 vs 1,770 of issue 21: the run page summed the dimensions at a whitelist level,
    gated enterprises' included; 入选 now counts the dimensions listed, as the whitelist does,
    and says how many more reached a level but were held back."""
    from zhixin.evaluation import overview
    from zhixin.evaluation.models import EvaluationDimension

    pub, rows = demo
    with unit_of_work(factory) as s:
        actor = accounts.principal_for(s, accounts.user_by_username(s, "regulator"))  # type: ignore[arg-type]
        ov = overview.run_overview(s, actor=actor, run_id=pub.run_id)
        at_levels = s.execute(
            select(func.count()).where(
                EvaluationDimension.run_id == pub.run_id,
                EvaluationDimension.level.in_(["I", "II", "III"]),
                EvaluationDimension.enterprise_id.in_(
                    select(Enterprise.id).where(Enterprise.region_code.like("3502%"))
                ),
            )
        ).scalar_one()
    # the demo regulator's run page counts its jurisdiction (3502 厦门市), and says so
    assert ov.region_prefix == "3502"
    mine = [r for r in rows if (r[5] or "").startswith("3502")]
    assert sum(d.listed for d in ov.dimensions) == len(mine)
    assert sum(d.listed + d.held_back for d in ov.dimensions) == at_levels
    by_dim = Counter(r[1] for r in mine)
    assert {d.code: d.listed for d in ov.dimensions if d.listed} == dict(by_dim)
