"""Training on optbinning, and the frozen card that scoring uses (German credit, shipped)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from zhixin.risk import datasets, training
from zhixin.risk import spec as specs


@pytest.fixture(scope="module")
def german() -> pd.DataFrame:
    return datasets.german_credit()


@pytest.fixture(scope="module")
def spec() -> specs.ModelSpec:
    loaded = specs.load_shipped("german-credit")
    assert isinstance(loaded, specs.ModelSpec)
    return loaded


def test_the_shipped_data_is_the_german_credit_set(german: pd.DataFrame) -> None:
    assert german.shape == (1000, 21)
    assert int(german["default"].sum()) == 300
    assert datasets.frame_hash(german) == datasets.frame_hash(datasets.german_credit())
    assert datasets.frame_hash(german) != datasets.frame_hash(german.iloc[1:])


def test_split_is_stratified_and_fixed(german: pd.DataFrame) -> None:
    tr, te = training.split(german, "default")
    assert (len(tr), len(te)) == (700, 300)
    assert (int(tr["default"].sum()), int(te["default"].sum())) == (210, 90)
    tr2, _ = training.split(german, "default")
    assert list(tr.index) == list(tr2.index)


def test_the_frozen_card_scores_exactly_as_optbinning(
    german: pd.DataFrame, spec: specs.ModelSpec
) -> None:
    tr, te = training.split(german, "default")
    fitted = training.fit(spec, tr)
    names = [f.code for f in spec.features]
    score, pd_ = fitted.card.score_table(training.columns_of(te))
    assert np.allclose(score, fitted.scorecard.score(te[names]), atol=1e-9)
    assert np.allclose(pd_, fitted.scorecard.predict_proba(te[names])[:, 1], atol=1e-12)
    one = fitted.card.score_one(te.iloc[0].to_dict())
    assert one.score == pytest.approx(score[0]) and one.pd == pytest.approx(pd_[0])
    # PDO scaling: 20 points double the odds, 600 at 50:1 — score is linear in the log-odds
    logit = np.log(pd_ / (1 - pd_))
    factor = 20 / np.log(2)
    assert np.allclose(score, 600 - factor * np.log(50) - factor * logit, atol=1e-6)
    # the monotonic trends the spec asks for hold in the frozen bins
    for f in fitted.card.features:
        trend = spec.trend_of(spec.feature(f.code))
        rates = [b.event_rate for b in f.bins[: f.regular] if b.event_rate is not None]
        if trend == "ascending":
            assert rates == sorted(rates), f.code
        if trend == "descending":
            assert rates == sorted(rates, reverse=True), f.code
    # the training shares are the CSI baseline: they sum to one
    for f in fitted.card.features:
        assert sum(b.share for b in f.bins) == pytest.approx(1.0)
    assert sum(fitted.card.score_shares) == pytest.approx(1.0)


def test_one_enterprise_at_a_time_scores_exactly_as_optbinning(
    german: pd.DataFrame, spec: specs.ModelSpec
) -> None:
    """What a quote runs (``Card.score_one``: the frozen bins, plain Python) gives, row by row,
    the score and PD of optbinning's own ``Scorecard`` transform — every test row, and again
    on a second call (the card keeps each feature's best bin)."""
    tr, te = training.split(german, "default")
    fitted = training.fit(spec, tr)
    names = [f.code for f in spec.features]
    want_score = fitted.scorecard.score(te[names])
    want_pd = fitted.scorecard.predict_proba(te[names])[:, 1]
    for _ in range(2):
        for i, row in enumerate(te[names].to_dict("records")):
            one = fitted.card.score_one(row)
            assert abs(one.score - want_score[i]) < 1e-9
            assert abs(one.pd - want_pd[i]) < 1e-12
            assert all(p.lost == p.feature.best - p.bin.points >= 0 for p in one.parts)


def test_pipeline_against_optbinning_defaults(german: pd.DataFrame, spec: specs.ModelSpec) -> None:
    c = training.compare_on_german_credit(spec, german)
    assert (c.n_train, c.n_test, c.seed) == (700, 300, 42)
    assert c.baseline_features == 20
    assert "personal_status_and_sex" not in c.features_used
    assert c.pipeline.n == c.baseline.n == 300 and c.pipeline.defaults == 90
    # both are real models on this data (published AUCs on German credit are 0.75–0.80)
    assert 0.75 < c.pipeline.auc < 0.9 and 0.75 < c.baseline.auc < 0.9
    assert 0.35 < c.pipeline.ks < 0.7 and 0.35 < c.baseline.ks < 0.7
    assert c.pipeline.gini == pytest.approx(2 * c.pipeline.auc - 1)


def test_training_on_synthetic_enterprises_learns_the_signal() -> None:
    spec = specs.load_shipped("enterprise")
    assert isinstance(spec, specs.ModelSpec)
    frame = pd.DataFrame(datasets.synthetic_enterprises(8000, seed=3))
    trained = training.train(spec, frame)
    assert trained.test.n == 2400
    assert trained.test.auc > 0.65
    rows = trained.calibration
    assert sum(r.count for r in rows) == 2400
    # the riskiest band defaults more often than the safest
    assert rows[0].observed > rows[-1].observed
    assert {f.code for f in trained.card.features} <= {f.code for f in spec.features}
