from __future__ import annotations

import re

import pytest

from zhixin.web.charts import Axis, bar_svg, radar_svg


def _score_points(svg: str) -> list[tuple[float, float]]:
    poly = re.search(r'<polygon points="([^"]+)"[^>]*class="score"', svg)
    assert poly
    return [tuple(map(float, p.split(","))) for p in poly.group(1).split()]  # type: ignore[misc]


def test_radar_scales_each_axis_to_its_own_maximum() -> None:
    svg = radar_svg(
        [
            Axis("质量信用", 100, 100),
            Axis("质量管理", 0, 100),
            Axis("质量品牌", 25, 50),
            Axis("质量基础", 200, 100),
            Axis("质量创新", 50, 100),
        ],
        size=400,
    )
    pts = _score_points(svg)
    cx = cy = 200.0
    radius = 400 * 0.32
    dist = [round(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5, 0) for x, y in pts]
    assert dist == [round(radius), 0, round(radius / 2), round(radius), round(radius / 2)]
    assert pts[0] == (200.0, round(200 - radius, 1))  # the first axis points straight up
    assert "质量创新" in svg and "<script" not in svg and "http://www.w3.org/2000/svg" in svg


def test_radar_needs_three_axes_and_escapes_labels() -> None:
    with pytest.raises(ValueError):
        radar_svg([Axis("a", 1, 1), Axis("b", 1, 1)])
    svg = radar_svg([Axis("<x>", 1, 2), Axis("b", 1, 2), Axis("c", 1, 2)])
    assert "<x>" not in svg and "&lt;x&gt;" in svg


def test_bars_are_proportional() -> None:
    svg = bar_svg([("Ⅰ类", 10), ("Ⅱ类", 5), ("未达等级", 0)], width=300, height=200)
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[0] == pytest.approx(2 * heights[1]) and heights[2] == 0
    assert "暂无数据" in bar_svg([])
