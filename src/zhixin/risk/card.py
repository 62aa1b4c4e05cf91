"""A frozen scorecard (pure, numpy): the bins and points a model was approved with, and scoring.

A model in the registry is stored as this structure (JSON), not as a pickled Python object: the
bins optbinning found (split points of a numerical feature, groups of categories), each bin's
points on the PDO scale, its contribution to the log-odds of default (coefficient × WoE), its
share of the training sample (the baseline of the feature's CSI) and its training default rate.
Scoring is a lookup: a value's bin (``searchsorted`` on the splits), the bin's points summed over
the features. A table of a million enterprises is scored column by column, never row by row.

Bins follow optbinning's layout: the regular bins in order, then *special* (values declared
special; none are used here) and *missing* (no value, or a category never seen in training: as
optbinning does, WoE 0, i.e. the sample's average risk).

PD:

- a *trained* card (logistic regression on WoE): ``PD = 1 / (1 + exp(−(intercept + Σ logit)))``,
  exactly the estimator's ``predict_proba``; with PDO scaling the total score is a straight line
  in those log-odds (score = offset − factor × ln(PD/(1−PD)), factor = PDO / ln 2);
- an *expert* card (points set by hand, e.g. 专精特新e贷): PD from the card's band table (the
  highest band whose lower score bound the score reaches).

Reason codes (拒绝/降分原因): for each feature, the points it lost against the best regular bin of
that feature; the features that lost most, largest first, are the reasons the score is lower —
the "points below maximum" method used for adverse-action notices.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

NUMERICAL = "numerical"
CATEGORICAL = "categorical"
REASONS = 4  # reason codes returned with a score
MIN_LOST = 0.005  # points; below this a feature did not lower the score

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Bin:
    label: str  # as shown: "< 55.0%", "[1.20, 1.80)", "≥ 3", "有限责任公司、个体", "缺失"
    points: float
    logit: float = 0.0  # coefficient × WoE: this bin's part of the log-odds of default
    share: float = 0.0  # share of the training sample in this bin (CSI baseline)
    event_rate: float | None = None  # training default rate of the bin


@dataclass(frozen=True)
class CardFeature:
    code: str
    name: str  # Chinese
    dtype: str  # numerical / categorical
    bins: tuple[Bin, ...]  # regular bins, then special, then missing
    splits: tuple[float, ...] = ()  # numerical: bin i holds splits[i-1] <= x < splits[i]
    groups: tuple[tuple[str, ...], ...] = ()  # categorical: the categories of each regular bin
    unit: str = ""  # "%" when the value is a share shown as a percentage

    @property
    def regular(self) -> int:
        return len(self.bins) - 2

    @property
    def missing(self) -> int:
        return len(self.bins) - 1

    @cached_property
    def best(self) -> float:
        """The points of the feature's best regular bin (worked out once per card)."""
        return max(b.points for b in self.bins[: self.regular])

    def index(self, values: Sequence[Any] | npt.NDArray[Any]) -> IntArray:
        """The bin of each value (vectorised)."""
        if self.dtype == NUMERICAL:
            x = np.asarray(values, dtype=np.float64)
            idx = np.searchsorted(np.asarray(self.splits, dtype=np.float64), x, side="right")
            idx[np.isnan(x)] = self.missing
            return idx.astype(np.intp)
        lookup = {c: i for i, g in enumerate(self.groups) for c in g}
        arr = np.asarray(values, dtype=object)
        uniques, inverse = np.unique(arr.astype(str), return_inverse=True)
        mapped = np.array([lookup.get(u, self.missing) for u in uniques], dtype=np.intp)
        out = mapped[inverse.reshape(-1)]
        none = np.array([v is None or (isinstance(v, float) and math.isnan(v)) for v in arr])
        if none.any():
            out[none] = self.missing
        return out

    def index_one(self, value: Any) -> int:
        if self.dtype == NUMERICAL:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return self.missing
            return bisect.bisect_right(self.splits, float(value))
        if value is None:
            return self.missing
        for i, g in enumerate(self.groups):
            if str(value) in g:
                return i
        return self.missing


@dataclass(frozen=True)
class PdBand:
    min_score: float
    pd: float


@dataclass(frozen=True)
class Card:
    """A scorecard as approved: features with frozen bins, and how a score becomes a PD."""

    code: str  # the model's code: enterprise, zjtx-edai, german-credit
    name: str
    kind: str  # trained / expert
    features: tuple[CardFeature, ...]
    intercept: float | None = None  # trained cards: log-odds intercept of the regression
    pd_bands: tuple[PdBand, ...] = ()  # expert cards: score band → PD
    scaling: Mapping[str, float] = field(default_factory=dict)  # pdo, odds, points
    score_edges: tuple[float, ...] = ()  # PSI baseline: inner edges of the score bands
    score_shares: tuple[float, ...] = ()  # PSI baseline: share of the training sample per band

    # -- scoring a table -------------------------------------------------------------------

    def indexes(self, columns: Mapping[str, Any]) -> dict[str, IntArray]:
        """The bin of every row, feature by feature (a column may be absent: all missing)."""
        n = _rows(columns)
        out = {}
        for f in self.features:
            col = columns.get(f.code)
            if col is None:
                out[f.code] = np.full(n, f.missing, dtype=np.intp)
            else:
                out[f.code] = f.index(col)
        return out

    def score_table(self, columns: Mapping[str, Any]) -> tuple[FloatArray, FloatArray]:
        """Scores and PDs of every row of a table given as columns (arrays)."""
        idx = self.indexes(columns)
        n = _rows(columns)
        score = np.zeros(n, dtype=np.float64)
        logit = np.full(n, self.intercept or 0.0, dtype=np.float64)
        for f in self.features:
            i = idx[f.code]
            score += np.array([b.points for b in f.bins], dtype=np.float64)[i]
            if self.kind == "trained":
                logit += np.array([b.logit for b in f.bins], dtype=np.float64)[i]
        return score, self._pd(score, logit)

    def _pd(self, score: FloatArray, logit: FloatArray) -> FloatArray:
        if self.kind == "trained":
            return 1.0 / (1.0 + np.exp(-logit))
        mins = np.array([b.min_score for b in self.pd_bands], dtype=np.float64)
        pds = np.array([b.pd for b in self.pd_bands], dtype=np.float64)
        order = np.argsort(mins)
        pos = np.searchsorted(mins[order], score, side="right") - 1
        return pds[order][np.clip(pos, 0, len(pds) - 1)]

    # -- scoring one enterprise ------------------------------------------------------------

    def score_one(self, values: Mapping[str, Any]) -> Scored:
        """One enterprise's score, PD, each feature's points and the reason codes.

        Plain Python over the card's tuples (no array set-up), for the 2 ms a quote may spend.
        """
        parts = []
        total = 0.0
        logit = self.intercept or 0.0
        for f in self.features:
            value = values.get(f.code)
            i = f.index_one(value)
            b = f.bins[i]
            total += b.points
            logit += b.logit
            parts.append(Part(f, value, i, b, f.best - b.points))
        pd = 1.0 / (1.0 + math.exp(-logit)) if self.kind == "trained" else self._band_pd(total)
        ranked = sorted(
            (p for p in parts if p.lost >= MIN_LOST), key=lambda p: (-p.lost, p.feature.code)
        )
        return Scored(score=total, pd=pd, parts=tuple(parts), reasons=tuple(ranked[:REASONS]))

    def _band_pd(self, score: float) -> float:
        bands = sorted(self.pd_bands, key=lambda b: b.min_score)
        found = bands[0].pd
        for b in bands:
            if score >= b.min_score:
                found = b.pd
        return found

    # -- (de)serialising -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "intercept": self.intercept,
            "pd_bands": [[b.min_score, b.pd] for b in self.pd_bands],
            "scaling": dict(self.scaling),
            "score_edges": list(self.score_edges),
            "score_shares": list(self.score_shares),
            "features": [
                {
                    "code": f.code,
                    "name": f.name,
                    "dtype": f.dtype,
                    "unit": f.unit,
                    "splits": list(f.splits),
                    "groups": [list(g) for g in f.groups],
                    "bins": [[b.label, b.points, b.logit, b.share, b.event_rate] for b in f.bins],
                }
                for f in self.features
            ],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Card:
        return cls(
            code=d["code"],
            name=d["name"],
            kind=d["kind"],
            intercept=d.get("intercept"),
            pd_bands=tuple(PdBand(float(a), float(b)) for a, b in d.get("pd_bands", ())),
            scaling=dict(d.get("scaling", {})),
            score_edges=tuple(float(x) for x in d.get("score_edges", ())),
            score_shares=tuple(float(x) for x in d.get("score_shares", ())),
            features=tuple(
                CardFeature(
                    code=f["code"],
                    name=f["name"],
                    dtype=f["dtype"],
                    unit=f.get("unit", ""),
                    splits=tuple(float(x) for x in f.get("splits", ())),
                    groups=tuple(tuple(str(c) for c in g) for g in f.get("groups", ())),
                    bins=tuple(
                        Bin(str(b[0]), float(b[1]), float(b[2]), float(b[3]), b[4])
                        for b in f["bins"]
                    ),
                )
                for f in d["features"]
            ),
        )


@dataclass(frozen=True)
class Part:
    feature: CardFeature
    value: Any
    bin_index: int
    bin: Bin
    lost: float  # points below the feature's best regular bin

    @property
    def missing(self) -> bool:
        return self.bin_index == self.feature.missing

    def reason(self) -> str:
        """The Chinese sentence a borrower is owed for this factor."""
        if self.missing:
            return (
                f"未提供“{self.feature.name}”数据（按缺失处理），较该项最优档少 {self.lost:.1f} 分"
            )
        return (
            f"“{self.feature.name}”为 {shown_value(self.feature, self.value)}"
            f"（所在档：{self.bin.label}），较该项最优档少 {self.lost:.1f} 分"
        )


@dataclass(frozen=True)
class Scored:
    score: float
    pd: float
    parts: tuple[Part, ...]
    reasons: tuple[Part, ...]


def _rows(columns: Mapping[str, Any]) -> int:
    for col in columns.values():
        return len(col)
    return 0


def shown_value(f: CardFeature, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "缺失"
    if f.dtype == CATEGORICAL:
        return str(value)
    return fmt(float(value), f.unit)


def fmt(x: float, unit: str = "") -> str:
    if unit == "%":
        return f"{x * 100:.1f}%"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.2f}" if abs(x) >= 1 else f"{x:.3f}"


def numeric_labels(splits: Sequence[float], unit: str = "") -> list[str]:
    """Chinese labels of the regular bins of a numerical feature: "< a", "[a, b)", "≥ b"."""
    if not splits:
        return ["全部"]
    labels = [f"< {fmt(splits[0], unit)}"]
    labels += [f"[{fmt(a, unit)}, {fmt(b, unit)})" for a, b in itertools.pairwise(splits)]
    labels.append(f"≥ {fmt(splits[-1], unit)}")
    return labels


def with_baseline(card: Card, columns: Mapping[str, Any], bands: int = 10) -> Card:
    """``card`` with the PSI/CSI baseline taken from a population (the training sample, or for an
    expert card a reference population): score bands of equal size and each bin's share."""
    from dataclasses import replace

    from zhixin.risk import metrics

    scores, _ = card.score_table(columns)
    edges = metrics.score_edges(scores, bands)
    shares = metrics.shares(metrics.band_index(scores, edges), len(edges) + 1)
    idx = card.indexes(columns)
    features = tuple(
        replace(
            f,
            bins=tuple(
                replace(b, share=s)
                for b, s in zip(f.bins, metrics.shares(idx[f.code], len(f.bins)), strict=True)
            ),
        )
        for f in card.features
    )
    return replace(card, features=features, score_edges=tuple(edges), score_shares=tuple(shares))
