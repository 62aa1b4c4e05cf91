"""Decisions about registered models (pure): status, maker-checker promotion, drift warnings.

A model version is registered as a *challenger* (候选) by whoever trained it. Promoting it to
*champion* (在用) — the version products score with — needs a second person: the approver may
not be the one who trained it (maker-checker, 双人复核). The champion it replaces is *retired*
(已退役) in the same step, so each model code has at most one champion at any time.

Drift: the score's PSI and each feature's CSI (see :mod:`.metrics`) are classed stable / warn /
alert at 0.10 and 0.25; a run's level is the worst of them, and every feature at warn or above
is named in the warnings, in Chinese.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zhixin.risk import metrics

CHALLENGER, CHAMPION, RETIRED = "challenger", "champion", "retired"
STATUS_LABELS = {CHALLENGER: "候选", CHAMPION: "在用", RETIRED: "已退役"}
LEVEL_ORDER = {"stable": 0, "warn": 1, "alert": 2}


class PromoteRefused(ValueError):
    """Why a model version may not be promoted (Chinese)."""


def check_promote(*, status: str, trained_by: int | None, approver: int) -> None:
    if status != CHALLENGER:
        raise PromoteRefused(
            f"只有“候选”状态的模型版本可以批准上线，该版本为“{STATUS_LABELS.get(status, status)}”"
        )
    if trained_by is not None and trained_by == approver:
        raise PromoteRefused("模型须由训练人以外的另一人批准上线（双人复核）")


@dataclass(frozen=True)
class Drift:
    psi: float
    psi_level: str
    csi: dict[str, float]
    csi_levels: dict[str, str]
    level: str  # the worst of all
    warnings: tuple[str, ...]


def drift(psi: float, csi: Mapping[str, float], names: Mapping[str, str]) -> Drift:
    psi_level = metrics.level(psi)
    levels = {code: metrics.level(v) for code, v in csi.items()}
    worst = max([psi_level, *levels.values()], key=LEVEL_ORDER.__getitem__)
    warnings = []
    if psi_level != "stable":
        warnings.append(
            f"模型分数 PSI = {psi:.4f}，{metrics.LEVELS[psi_level]}"
            f"（阈值：{metrics.WARN} 需关注，{metrics.ALERT} 显著偏移）"
        )
    for code, v in sorted(csi.items(), key=lambda kv: -kv[1]):
        if levels[code] != "stable":
            warnings.append(
                f"特征“{names.get(code, code)}”CSI = {v:.4f}，{metrics.LEVELS[levels[code]]}"
            )
    return Drift(psi, psi_level, dict(csi), levels, worst, tuple(warnings))
