"""PNG charts for files (exports, portraits), drawn with matplotlib's Agg backend offline.

The CJK font is found among the installed system fonts (Debian's fonts-noto-cjk, which
.ci/run installs); without one, the labels fall back to matplotlib's default font.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from zhixin.web.charts import PALETTE, SCALE_NOTE, Axis

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")


@lru_cache(maxsize=1)
def _cjk_family() -> str | None:
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FAMILIES if name in installed), None)


def radar_png(axes: Sequence[Axis], *, title: str = "", dpi: int = 150) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    family = _cjk_family()
    rc: dict[str, Any] = {"font.family": family} if family else {}
    n = len(axes)
    angles = [math.pi / 2 - 2 * math.pi * i / n for i in range(n)]
    fractions = [0.0 if a.maximum <= 0 else min(1.0, max(0.0, a.value / a.maximum)) for a in axes]
    with plt.rc_context(rc):  # type: ignore[arg-type]
        fig = plt.figure(figsize=(4.8, 4.8), dpi=dpi)
        ax = fig.add_subplot(projection="polar")
        ax.set_ylim(0, 1)
        ax.set_yticks([0.25, 0.5, 0.75, 1.0])
        ax.set_yticklabels([])
        ax.set_xticks(angles)
        ax.set_xticklabels([f"{a.label}\n{a.value:g}/{a.maximum:g}" for a in axes], fontsize=10)
        closed = [*angles, angles[0]]
        values = [*fractions, fractions[0]]
        ax.plot(closed, values, color=PALETTE[0], linewidth=2)
        ax.fill(closed, values, color=PALETTE[0], alpha=0.25)
        if title:
            ax.set_title(title, fontsize=12, pad=18)
        fig.text(0.5, 0.01, SCALE_NOTE, ha="center", fontsize=8, color="#66788a")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        plt.close(fig)
    return buf.getvalue()
