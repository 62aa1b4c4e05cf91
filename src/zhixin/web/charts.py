"""Charts as inline SVG, drawn on the server so pages work offline with no script at all.

Written by hand on purpose: a radar of five axes and a bar chart are a few dozen lines of
geometry, and an SVG string needs no JavaScript, no CDN and no font download (the page's own
CJK font renders the labels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

PALETTE = ("#0b5cab", "#e8a317", "#1a7f37", "#b42318", "#7c3aed")


@dataclass(frozen=True)
class Axis:
    label: str
    value: float  # the score drawn
    maximum: float  # the axis's full length: the dimension's highest reachable score
    note: str = ""  # shown under the label, e.g. the level "Ⅱ类"


def _fmt(x: float) -> str:
    return f"{x:.1f}"


SCALE_NOTE = "各轴满刻度 = 该维度可得最高分（标注为 得分/满分）"


def radar_svg(
    axes: Sequence[Axis], *, size: int = 360, title: str = "", note: str = SCALE_NOTE
) -> str:
    """A radar (spider) chart: one polygon of scores over concentric guide rings.

    Each axis runs from 0 to its own ``maximum`` (a score of 20 out of a reachable 20 reaches the
    outer ring); ``note``, written under the plot, says what the full length of an axis is."""
    if len(axes) < 3:
        raise ValueError("a radar chart needs at least three axes")
    cx = cy = size / 2
    radius = size * 0.32
    n = len(axes)

    def point(i: int, fraction: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        return cx + radius * fraction * math.cos(angle), cy + radius * fraction * math.sin(angle)

    pad = size // 5  # room for the labels left and right of the plot
    height = size + (22 if note else 0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{-pad} 0 {size + 2 * pad} {height}" '
        f'width="{size + 2 * pad}" height="{height}" role="img" class="radar" '
        f'aria-label="{escape(title or "雷达图")}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for ring in (0.25, 0.5, 0.75, 1.0):
        pts = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in (point(i, ring) for i in range(n)))
        parts.append(f'<polygon points="{pts}" fill="none" stroke="#d9e2ec" stroke-width="1"/>')
    for i, axis in enumerate(axes):
        x, y = point(i, 1.0)
        parts.append(
            f'<line x1="{_fmt(cx)}" y1="{_fmt(cy)}" x2="{_fmt(x)}" y2="{_fmt(y)}" '
            'stroke="#d9e2ec" stroke-width="1"/>'
        )
        lx, ly = point(i, 1.28)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        parts.append(
            f'<text x="{_fmt(lx)}" y="{_fmt(ly)}" text-anchor="{anchor}" font-size="13" '
            f'fill="#1f2933" class="axis-label">{escape(axis.label)}</text>'
        )
        sub = f"{axis.value:g}/{axis.maximum:g}" + (f" · {axis.note}" if axis.note else "")
        parts.append(
            f'<text x="{_fmt(lx)}" y="{_fmt(ly + 15)}" text-anchor="{anchor}" font-size="11" '
            f'fill="#66788a">{escape(sub)}</text>'
        )
    fractions = [0.0 if a.maximum <= 0 else max(0.0, min(1.0, a.value / a.maximum)) for a in axes]
    pts = " ".join(
        f"{_fmt(x)},{_fmt(y)}" for x, y in (point(i, f) for i, f in enumerate(fractions))
    )
    parts.append(
        f'<polygon points="{pts}" fill="{PALETTE[0]}" fill-opacity="0.25" '
        f'stroke="{PALETTE[0]}" stroke-width="2" class="score"/>'
    )
    for i, f in enumerate(fractions):
        x, y = point(i, f)
        parts.append(f'<circle cx="{_fmt(x)}" cy="{_fmt(y)}" r="3" fill="{PALETTE[0]}"/>')
    if note:
        parts.append(
            f'<text x="{_fmt(cx)}" y="{_fmt(height - 6)}" text-anchor="middle" font-size="11" '
            f'fill="#66788a" class="scale-note">{escape(note)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(
    bars: Sequence[tuple[str, int]],
    *,
    width: int = 520,
    height: int = 220,
    title: str = "",
    color: str = PALETTE[0],
) -> str:
    """A vertical bar chart of counts with the value above each bar."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="bars" '
        f'aria-label="{escape(title or "柱状图")}">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    if not bars:
        parts.append(
            f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#66788a">'
            "暂无数据</text></svg>"
        )
        return "".join(parts)
    top, bottom, left = 20, 40, 10
    plot_h = height - top - bottom
    slot = (width - 2 * left) / len(bars)
    peak = max(v for _, v in bars) or 1
    for i, (label, value) in enumerate(bars):
        h = plot_h * value / peak
        x = left + i * slot + slot * 0.15
        w = slot * 0.7
        y = top + plot_h - h
        parts.append(
            f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(w)}" height="{_fmt(h)}" '
            f'fill="{color}"><title>{escape(label)}：{value:,}</title></rect>'
        )
        parts.append(
            f'<text x="{_fmt(x + w / 2)}" y="{_fmt(y - 4)}" text-anchor="middle" '
            f'font-size="11" fill="#1f2933">{value:,}</text>'
        )
        parts.append(
            f'<text x="{_fmt(x + w / 2)}" y="{_fmt(height - bottom + 16)}" '
            f'text-anchor="middle" font-size="12" fill="#1f2933">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
