"""The portrait as a one-page A4 PDF, drawn with matplotlib's PDF backend.

Chinese text is embedded as a subset of the system's Noto Sans CJK font (Debian package
``fonts-noto-cjk``) with a ToUnicode map, so the text can be searched and extracted
(``pdftotext``). The page is a single matplotlib figure: it cannot spill onto a second page;
long sections are cut to a line budget with "另有 N 项".
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from typing import Any

from zhixin.catalog.service import catalog_title
from zhixin.errors import ServiceUnavailable
from zhixin.kit.divisions import region_name
from zhixin.portrait.service import Portrait

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
A4 = (8.27, 11.69)  # inches
LEFT = 0.06
LINE = 0.0165  # figure fraction per 9-point line
COLOUR = "#1f5fa8"


class FontMissing(ServiceUnavailable):
    pass


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of an installed CJK font; a clear error naming the package otherwise."""
    from matplotlib import font_manager

    for attempt in range(2):
        installed = {f.name for f in font_manager.fontManager.ttflist}
        for name in CJK_FAMILIES:
            if name in installed:
                return name
        if attempt == 0:
            # matplotlib keeps its font list in a cache (~/.cache/matplotlib) built the first time
            # it ran; a font package installed after that is not in it. Add the files directly.
            for path in _cjk_font_files():
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
    raise FontMissing(
        "生成 PDF 需要中文字体，但系统中未找到（Noto Sans CJK SC 等）。"
        "请安装 Debian 软件包 fonts-noto-cjk：apt-get install -y fonts-noto-cjk"
    )


def _cjk_font_files() -> list[str]:
    """CJK font files under the usual system font folders, Noto first."""
    import glob

    found: list[str] = []
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        for pattern in ("**/NotoSansCJK*.tt[cf]", "**/NotoSansSC*.[ot]tf", "**/wqy-zenhei*.tt[cf]"):
            found.extend(sorted(glob.glob(f"{root}/{pattern}", recursive=True)))
    return found


def _width(text: str) -> float:
    """Display width in full-width characters (ASCII counts half)."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text)


def wrap(text: str, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for ch in text:
        if _width(current + ch) > width:
            lines.append(current)
            current = ch
        else:
            current += ch
    if current or not lines:
        lines.append(current)
    return lines


def _budget(items: list[str], width: float, max_lines: int) -> list[str]:
    """Wrapped lines of ``items`` (bulleted), at most ``max_lines``, with a remainder note."""
    out: list[str] = []
    for i, item in enumerate(items):
        wrapped = wrap(item, width)
        wrapped = ["· " + wrapped[0]] + ["  " + w for w in wrapped[1:]]
        if len(out) + len(wrapped) > max_lines - (1 if i < len(items) - 1 else 0):
            out.append(f"……另有 {len(items) - i} 项，详见平台质量画像页面")
            break
        out.extend(wrapped)
    return out


def _radar(fig: Any, portrait: Portrait, rect: tuple[float, float, float, float]) -> None:
    dims = portrait.dimensions
    ax = fig.add_axes(rect, projection="polar")
    n = max(len(dims), 1)
    angles = [(math.pi / 2 - 2 * math.pi * i / n) % (2 * math.pi) for i in range(n)]
    fractions = [0.0 if d.cap <= 0 else min(1.0, max(0.0, d.points / d.cap)) for d in dims]
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0])
    ax.set_yticklabels([])
    ax.set_xticks(angles[: len(dims)])
    ax.set_xticklabels([f"{d.name}\n{d.points}/{d.cap}" for d in dims], fontsize=8)
    if dims:
        closed = [*angles, angles[0]]
        values = [*fractions, fractions[0]]
        ax.plot(closed, values, color=COLOUR, linewidth=1.8)
        ax.fill(closed, values, color=COLOUR, alpha=0.25)
    ax.set_thetalim(0, 2 * math.pi)  # ticks must not narrow the circle to a wedge


def render(portrait: Portrait) -> bytes:
    """One A4 page: identity, grade, radar, levels, elements, warnings, advice, trend."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family = cjk_font()
    ident = portrait.identity
    ex = portrait.result
    # Names and record references are text a person typed: never mathtext ("$x$" would be set
    # as maths and an unbalanced "$\\" would raise), never TeX.
    rc: dict[str, Any] = {
        "font.family": family,
        "pdf.fonttype": 42,
        "axes.unicode_minus": False,
        "text.parse_math": False,
        "text.usetex": False,
    }
    with plt.rc_context(rc):  # type: ignore[arg-type]
        fig = plt.figure(figsize=A4)
        y = 0.955

        def text(s: str, *, size: float = 9, x: float = LEFT, bold: bool = False) -> None:
            fig.text(x, y, s, fontsize=size, weight="bold" if bold else "normal", va="top")

        text(f"{ident.name} · 质量画像", size=16, bold=True)
        y -= 0.03
        text(
            f"统一社会信用代码 {ident.uscc}　主体类型 {ident.kind}"
            f"　规模 {ident.size_class or '—'}　区划 {region_name(ident.region_code) or '—'}"
            f"　状态 {ident.status}",
            size=8.5,
        )
        y -= 0.02
        if ex is None:
            text("尚无质量信誉评价结果。", size=11)
            y -= 0.03
        else:
            text(
                f"质量信誉评价：总分 {ex.total_score}"
                f"　总体等级 {ex.overall_level_name or '未达等级'}"
                f"　{'已入选' if ex.listed else '未入选'}白名单（{ex.entries} 家次）"
                f"　目录 {catalog_title(ex.catalog_name, ex.catalog_version)}"
                f"　评价基准日 {ex.as_of.isoformat()}",
                size=9,
            )
            y -= 0.015
            _radar(fig, portrait, (0.09, y - 0.29, 0.34, 0.23))
            # levels per dimension, right of the radar
            ly = y - 0.01
            fig.text(0.56, ly, "各维度等级", fontsize=11, weight="bold", va="top", color=COLOUR)
            ly -= 0.026
            for d in portrait.dimensions:
                mark = "（入选）" if d.listed else ""
                fig.text(
                    0.56,
                    ly,
                    f"{d.name}：{d.level_name}　{d.points}/{d.cap} 分{mark}",
                    fontsize=10,
                    va="top",
                )
                ly -= 0.022
            if portrait.trend:
                ly -= 0.008
                fig.text(0.56, ly, "历次评价", fontsize=11, weight="bold", va="top", color=COLOUR)
                ly -= 0.024
                for t in portrait.trend[-6:]:
                    fig.text(
                        0.56,
                        ly,
                        f"{t.as_of.isoformat()}　总分 {t.total_score}　{t.overall_level_name}",
                        fontsize=8.5,
                        va="top",
                    )
                    ly -= 0.018
            y -= 0.30

        def section(title: str, items: list[str], max_lines: int) -> None:
            nonlocal y
            text(title, size=11, bold=True)
            fig.texts[-1].set_color(COLOUR)
            y -= 0.022
            for line in _budget(items or ["无"], 58, max_lines):
                text(line, size=9)
                y -= LINE

        held = []
        if ex is not None:
            for dim in ex.dimensions:
                for e in dim.elements:
                    line = f"[{dim.name}] {e.name}（{e.level_name}，{e.points} 分）"
                    if portrait.evidence and e.records:
                        refs = "；".join(
                            " ".join(str(v) for v in (r.subtype or r.title, r.ref, r.year) if v)
                            or f"记录 #{r.id}"
                            for r in e.records[:3]
                        )
                        line += f" 依据：{refs}"
                    held.append(line)
        section("持有要素", held, 18)
        y -= 0.01
        warned = [w.text for w in portrait.warnings]
        if not portrait.evidence:
            warned = ["记录明细与预警须经企业授权后可见"]
        if portrait.disputes_open:
            warned.insert(
                0, f"该企业有 {portrait.disputes_open} 件异议正在处理中，结果可能随之变化"
            )
        section("预警", warned, 6)
        y -= 0.01
        section("如何提升等级", portrait.advice or ["各维度均已达到最高等级"], 9)
        fig.text(
            LEFT,
            0.03,
            f"质信 · 质量融资增信平台　生成日期 {portrait.today.isoformat()}"
            "　本画像依据平台汇集的质量要素记录生成，仅用于质量融资增信用途",
            fontsize=7,
            color="#666666",
        )
        buf = io.BytesIO()
        fig.savefig(buf, format="pdf")
        plt.close(fig)
    return buf.getvalue()
