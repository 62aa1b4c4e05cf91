"""Model metrics and drift (pure, numpy): AUC, KS, Gini, the calibration table, PSI and CSI.

- AUC: the probability that a defaulter has a higher PD than a non-defaulter (ties count half):
  the Mann–Whitney statistic from average ranks. Gini = 2·AUC − 1.
- KS: the largest gap between the cumulative distributions of PD among defaulters and among
  non-defaulters, over every threshold.
- Calibration table: the sample cut into score bands of (about) equal size; each band's count,
  defaults, observed default rate and mean predicted PD.
- PSI (population stability index) of the score and CSI (characteristic stability index) of each
  feature: Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the bins, e = the share in the baseline (the training
  sample), a = the share now. Empty bins take a share of 0.0001 (:data:`FLOOR`) so the sum stays
  finite. Features are compared on their *frozen* bins, the ones the model was approved with.
- Thresholds (the industry's usual ones, stated): below 0.10 stable (稳定); 0.10 up to 0.25 a
  warning (需关注: investigate); 0.25 and above an alert (显著偏移: the model should be reviewed
  or retrained). See :func:`level`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FLOOR = 1e-4
WARN = 0.10
ALERT = 0.25
LEVELS = {"stable": "稳定", "warn": "需关注", "alert": "显著偏移"}

Array = npt.ArrayLike


def _ranks(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """1-based ranks with ties given their average rank."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    avg = ends - (counts - 1) / 2.0
    return avg[inverse.reshape(-1)]


def auc(y: Array, p: Array) -> float:
    yy = np.asarray(y, dtype=bool)
    pp = np.asarray(p, dtype=np.float64)
    n1, n0 = int(yy.sum()), int((~yy).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("AUC 需要同时有违约与未违约样本")
    r = _ranks(pp)
    return float((r[yy].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def gini(y: Array, p: Array) -> float:
    return 2.0 * auc(y, p) - 1.0


def ks(y: Array, p: Array) -> float:
    yy = np.asarray(y, dtype=bool)
    pp = np.asarray(p, dtype=np.float64)
    n1, n0 = int(yy.sum()), int((~yy).sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("KS 需要同时有违约与未违约样本")
    order = np.argsort(-pp, kind="mergesort")
    ps, ys = pp[order], yy[order]
    bad = np.cumsum(ys) / n1
    good = np.cumsum(~ys) / n0
    last_of_tie = np.r_[ps[1:] != ps[:-1], True]  # a threshold lies between distinct values
    return float(np.max(np.abs(bad - good)[last_of_tie]))


@dataclass(frozen=True)
class CalibrationRow:
    band: int  # 1 = the lowest scores (the riskiest)
    score_min: float
    score_max: float
    count: int
    defaults: int
    observed: float  # default rate in the band
    predicted: float  # mean PD in the band


def calibration(y: Array, pd: Array, score: Array, bands: int = 10) -> list[CalibrationRow]:
    yy = np.asarray(y, dtype=bool)
    pp = np.asarray(pd, dtype=np.float64)
    ss = np.asarray(score, dtype=np.float64)
    order = np.argsort(ss, kind="mergesort")
    rows = []
    for i, part in enumerate(np.array_split(order, bands), start=1):
        if len(part) == 0:
            continue
        rows.append(
            CalibrationRow(
                band=i,
                score_min=float(ss[part].min()),
                score_max=float(ss[part].max()),
                count=len(part),
                defaults=int(yy[part].sum()),
                observed=float(yy[part].mean()),
                predicted=float(pp[part].mean()),
            )
        )
    return rows


def score_edges(score: Array, bands: int = 10) -> list[float]:
    """Inner edges of ``bands`` score bands of equal size in ``score`` (the PSI baseline)."""
    ss = np.asarray(score, dtype=np.float64)
    qs = np.quantile(ss, np.linspace(0, 1, bands + 1)[1:-1])
    return [float(x) for x in np.unique(qs)]


def shares(index: Array, bins: int) -> list[float]:
    """The share of rows in each of ``bins`` bins, given each row's bin index."""
    idx = np.asarray(index, dtype=np.intp)
    counts = np.bincount(idx, minlength=bins).astype(np.float64)
    total = counts.sum()
    return [float(c) for c in (counts / total if total else counts)]


def band_index(score: Array, edges: Sequence[float]) -> npt.NDArray[np.intp]:
    return np.searchsorted(np.asarray(edges, dtype=np.float64), np.asarray(score), side="right")


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    if len(expected) != len(actual):
        raise ValueError("PSI 的基准分布与当前分布的分箱数不同")
    e = np.maximum(np.asarray(expected, dtype=np.float64), FLOOR)
    a = np.maximum(np.asarray(actual, dtype=np.float64), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def level(value: float) -> str:
    if value >= ALERT:
        return "alert"
    if value >= WARN:
        return "warn"
    return "stable"
