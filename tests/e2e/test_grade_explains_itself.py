"""The grade explains itself (issue 21 item 6): each radar axis runs to the highest score the
catalog lets that dimension reach (not its nominal cap of 100, which made 0–20 scores a dot), the
chart says so, the explanation page shows how the total adds up and which overall class rule it
meets, and the advice appears once."""

from __future__ import annotations

import math
import re
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.e2e.test_evaluation_pages import _seed
from tests.support.people import make_user
from tests.support.web import login
from zhixin.accounts.rules import Role
from zhixin.catalog import service as catalogs
from zhixin.web.charts import SCALE_NOTE


def _expected_maxima() -> dict[str, int]:
    """Computed here from the catalog file's elements: Σ each element's best points, capped."""
    catalog = catalogs.get("xiamen").catalog
    best = dict.fromkeys((d.code for d in catalog.dimensions), 0)
    for e in catalog.elements:
        tier_points = [e.points if t.points is None else t.points for t in e.tiers]
        best[e.dimension] += max([e.points, *tier_points] if not e.tiers else tier_points)
    return {d.code: min(best[d.code], d.cap) for d in catalog.dimensions}


def _score_points(svg: str) -> list[tuple[float, float]]:
    poly = re.search(r'<polygon points="([^"]+)"[^>]*class="score"', svg)
    assert poly
    return [(float(x), float(y)) for x, y in (p.split(",") for p in poly.group(1).split())]


def test_radar_axes_use_each_dimensions_reachable_maximum(
    app: FastAPI, factory: sessionmaker[Session]
) -> None:
    own, _other = _seed(factory)
    make_user(factory, "reg", Role.regulator)
    make_user(factory, "firm", Role.enterprise, enterprise_id=own)
    maxima = _expected_maxima()
    # the point of the fix: the xiamen catalog's dimensions cannot reach their nominal cap
    assert any(
        m < d.cap
        for m, d in zip(maxima.values(), catalogs.get("xiamen").catalog.dimensions, strict=True)
    )
    with TestClient(app) as reg:
        csrf = login(reg, "reg")
        made = reg.post(
            "/evaluation/runs",
            data={"csrf_token": csrf, "catalog": "xiamen", "as_of": "2025-06-30"},
            follow_redirects=False,
        )
        run_url = made.headers["location"]
        run_id = int(run_url.rsplit("/", 1)[1])
        ex = reg.get(f"/api/v1/evaluation/runs/{run_id}/enterprises/{own}").json()
        dims = ex["dimensions"]
        assert any(d["points"] > 0 for d in dims)

        size = 420  # the downloadable SVG's size
        svg = reg.get(f"{run_url}/enterprises/{own}/radar.svg").text
        cx = cy = size / 2
        radius = size * 0.32
        expected = []
        for i, d in enumerate(dims):
            fraction = min(1.0, d["points"] / maxima[d["code"]])
            angle = -math.pi / 2 + 2 * math.pi * i / len(dims)
            expected.append(
                (
                    round(cx + radius * fraction * math.cos(angle), 1),
                    round(cy + radius * fraction * math.sin(angle), 1),
                )
            )
        assert _score_points(svg) == expected
        for d in dims:
            assert f"{d['points']}/{maxima[d['code']]}" in svg  # 得分/满分 under each label
        assert SCALE_NOTE in svg and "可得最高分" in svg

        page = reg.get(f"{run_url}/enterprises/{own}").text
        assert SCALE_NOTE in page
        # why the total is what it is
        total = Decimal(ex["total_score"])
        catalog = catalogs.get("xiamen").catalog
        weights = {d.code: d.weight for d in catalog.dimensions}
        assert sum(Decimal(d["points"]) * weights[d["code"]] / 100 for d in dims) == total
        why = page[page.index('id="why"') :]
        assert "总分 = Σ 维度得分 × 权重 ÷ 100" in why
        for d in dims:
            part = (Decimal(d["points"]) * weights[d["code"]] / 100).quantize(Decimal("0.01"))
            assert f"{d['points']} / {maxima[d['code']]}" in why and str(part) in why
        assert f"本目录满分 {catalog.reachable_total()} 分" in why
        # how the overall class follows: each rule, best first, and the outcome
        for o in catalog.overall:
            assert f"总分 ≥ {o.min_score}" in why
        assert f"总体等级为{ex['overall_level_name']}" in why or "未达等级" in why
        # the advice appears once on the page
        for d in dims:
            if d["advice"]:
                assert page.count(d["advice"]["text"]) == 1, d["advice"]["text"]
        assert any(d["advice"] for d in dims)

    with TestClient(app) as firm:
        login(firm, "firm")
        home = firm.get("/").text
        assert SCALE_NOTE in home
        # the enterprise reaches the explanation from its own page
        link = f'href="/evaluation/runs/{run_id}/enterprises/{own}" id="why-link"'
        assert link in home
        explained = firm.get(f"/evaluation/runs/{run_id}/enterprises/{own}")
        assert explained.status_code == 200 and "总分 = Σ 维度得分 × 权重 ÷ 100" in explained.text
        for d in dims:
            assert f"{d['points']}/{maxima[d['code']]}" in home
            if d["advice"]:
                assert home.count(d["advice"]["text"]) == 1
