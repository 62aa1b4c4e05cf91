"""AUC, KS, PSI/CSI thresholds and the calibration table (pure), against hand-worked numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhixin.risk import metrics


def test_auc_ks_gini_by_hand() -> None:
    y = [0, 0, 1, 1]
    p = [0.1, 0.4, 0.35, 0.8]
    # defaulter/non-defaulter pairs ranked right: (0.35>0.1), (0.8>0.1), (0.8>0.4) of 4
    assert metrics.auc(y, p) == pytest.approx(0.75)
    assert metrics.gini(y, p) == pytest.approx(0.5)
    # descending: 0.8(bad) 0.4(good) 0.35(bad) 0.1(good): |bad − good| = .5, 0, .5, 0
    assert metrics.ks(y, p) == pytest.approx(0.5)


def test_ties_count_half_and_a_tie_is_one_threshold() -> None:
    assert metrics.auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert metrics.ks([0, 1], [0.5, 0.5]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="违约"):
        metrics.auc([0, 0], [0.1, 0.2])


def test_auc_agrees_with_scikit_learn_on_random_data() -> None:
    from sklearn.metrics import roc_auc_score, roc_curve

    rng = np.random.default_rng(1)
    y = rng.random(2000) < 0.2
    p = np.round(rng.random(2000) * 0.5 + y * 0.2, 2)  # rounded: many ties
    assert metrics.auc(y, p) == pytest.approx(roc_auc_score(y, p))
    fpr, tpr, _ = roc_curve(y, p)
    assert metrics.ks(y, p) == pytest.approx(float(np.max(tpr - fpr)))


def test_psi_and_its_thresholds() -> None:
    stable = metrics.psi([0.5, 0.5], [0.6, 0.4])
    assert stable == pytest.approx(0.1 * math.log(1.2) - 0.1 * math.log(0.8))  # 0.0405
    assert metrics.level(stable) == "stable"
    warn = metrics.psi([0.5, 0.5], [0.7, 0.3])
    assert warn == pytest.approx(0.2 * math.log(1.4) - 0.2 * math.log(0.6))  # 0.1695
    assert metrics.level(warn) == "warn"
    alert = metrics.psi([0.25, 0.25, 0.5], [0.5, 0.25, 0.25])
    assert alert == pytest.approx(0.5 * math.log(2))  # 0.3466
    assert metrics.level(alert) == "alert"
    assert [metrics.level(x) for x in (0.0999, 0.10, 0.2499, 0.25)] == [
        "stable",
        "warn",
        "warn",
        "alert",
    ]
    # an empty bin takes 0.0001, so the index stays finite
    assert metrics.psi([0.5, 0.5], [1.0, 0.0]) == pytest.approx(
        0.5 * math.log(1 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)
    )
    with pytest.raises(ValueError, match="分箱数"):
        metrics.psi([1.0], [0.5, 0.5])


def test_shares_and_score_bands() -> None:
    assert metrics.shares([0, 0, 1, 3], 4) == [0.5, 0.25, 0.0, 0.25]
    edges = metrics.score_edges(np.arange(100, dtype=float), bands=4)
    assert edges == pytest.approx([24.75, 49.5, 74.25])
    assert list(metrics.band_index([0, 24.75, 50, 99], edges)) == [0, 1, 2, 3]


def test_calibration_table() -> None:
    score = [500, 510, 520, 530, 540, 550]
    pd = [0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    y = [1, 1, 0, 1, 0, 0]
    rows = metrics.calibration(y, pd, score, bands=3)
    assert [(r.band, r.score_min, r.score_max, r.count, r.defaults) for r in rows] == [
        (1, 500, 510, 2, 2),
        (2, 520, 530, 2, 1),
        (3, 540, 550, 2, 0),
    ]
    assert [r.observed for r in rows] == [1.0, 0.5, 0.0]
    assert [r.predicted for r in rows] == pytest.approx([0.45, 0.25, 0.075])
