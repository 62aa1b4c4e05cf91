"""The frozen scorecard (pure): bins, points, PD, reason codes, round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhixin.risk.card import CATEGORICAL, NUMERICAL, Bin, Card, CardFeature, PdBand, numeric_labels

X = CardFeature(
    code="debt_ratio",
    name="资产负债率",
    dtype=NUMERICAL,
    splits=(0.5, 0.7),
    unit="%",
    bins=(
        Bin("< 50.0%", 40.0, logit=-0.5, share=0.4),
        Bin("[50.0%, 70.0%)", 25.0, logit=0.0, share=0.4),
        Bin("≥ 70.0%", 5.0, logit=0.8, share=0.2),
        Bin("特殊值", 20.0),
        Bin("缺失", 20.0, logit=0.1),
    ),
)
C = CardFeature(
    code="region",
    name="地区",
    dtype=CATEGORICAL,
    groups=(("厦门", "泉州"), ("宁波",)),
    bins=(
        Bin("厦门、泉州", 30.0, logit=-0.2),
        Bin("宁波", 18.0, logit=0.3),
        Bin("特殊值", 22.0),
        Bin("缺失", 22.0),
    ),
)
CARD = Card(code="t", name="测试卡", kind="trained", features=(X, C), intercept=-2.0)


def test_bins_of_a_column() -> None:
    assert list(X.index([0.1, 0.5, 0.69, 0.7, 2.0, math.nan])) == [0, 1, 1, 2, 2, 4]
    assert list(C.index(["厦门", "宁波", "泉州", "上海", None])) == [0, 1, 0, 3, 3]
    assert [X.index_one(v) for v in (0.1, 0.5, 0.7, None, math.nan)] == [0, 1, 2, 4, 4]
    assert [C.index_one(v) for v in ("泉州", "宁波", "上海", None)] == [0, 1, 3, 3]


def test_score_and_pd_of_a_table() -> None:
    score, pd = CARD.score_table(
        {"debt_ratio": np.array([0.3, 0.8, np.nan]), "region": np.array(["厦门", "宁波", "x"])}
    )
    assert list(score) == [70.0, 23.0, 42.0]
    logits = [-2.0 - 0.5 - 0.2, -2.0 + 0.8 + 0.3, -2.0 + 0.1 + 0.0]
    assert list(pd) == pytest.approx([1 / (1 + math.exp(-v)) for v in logits])
    # a column that is absent is all missing
    score, _ = CARD.score_table({"debt_ratio": np.array([0.3])})
    assert list(score) == [62.0]


def test_one_enterprise_matches_the_table_and_gives_reasons() -> None:
    one = CARD.score_one({"debt_ratio": 0.8, "region": "宁波"})
    score, pd = CARD.score_table({"debt_ratio": np.array([0.8]), "region": np.array(["宁波"])})
    assert one.score == score[0]
    assert one.pd == pytest.approx(pd[0])
    # debt ratio lost 40 − 5 = 35 points, region 30 − 18 = 12: that order
    assert [(r.feature.code, r.lost) for r in one.reasons] == [
        ("debt_ratio", 35.0),
        ("region", 12.0),
    ]
    assert (
        one.reasons[0].reason() == "“资产负债率”为 80.0%（所在档：≥ 70.0%），较该项最优档少 35.0 分"
    )
    missing = CARD.score_one({"region": "厦门"})
    assert [r.feature.code for r in missing.reasons] == ["debt_ratio"]
    assert missing.reasons[0].reason().startswith("未提供“资产负债率”数据")
    best = CARD.score_one({"debt_ratio": 0.2, "region": "厦门"})
    assert best.reasons == ()


def test_expert_cards_read_pd_from_bands() -> None:
    card = Card(
        code="e",
        name="专家卡",
        kind="expert",
        features=(X,),
        pd_bands=(PdBand(0, 0.1), PdBand(20, 0.05), PdBand(40, 0.01)),
    )
    _, pd = card.score_table({"debt_ratio": np.array([0.8, 0.6, 0.1, np.nan])})
    assert list(pd) == [0.1, 0.05, 0.01, 0.05]
    assert card.score_one({"debt_ratio": 0.6}).pd == 0.05


def test_round_trip_through_json() -> None:
    import json

    again = Card.from_dict(json.loads(json.dumps(CARD.to_dict())))
    assert again == CARD


def test_numeric_labels() -> None:
    assert numeric_labels((0.5, 0.7), "%") == ["< 50.0%", "[50.0%, 70.0%)", "≥ 70.0%"]
    assert numeric_labels((2, 5)) == ["< 2", "[2, 5)", "≥ 5"]
    assert numeric_labels(()) == ["全部"]
