"""Model registry rules (pure): maker-checker promotion and drift warnings."""

from __future__ import annotations

import pytest

from zhixin.risk import rules


def test_promotion_needs_a_second_person_and_a_challenger() -> None:
    rules.check_promote(status=rules.CHALLENGER, trained_by=1, approver=2)
    rules.check_promote(status=rules.CHALLENGER, trained_by=None, approver=2)  # trained by cli
    with pytest.raises(rules.PromoteRefused, match="另一人"):
        rules.check_promote(status=rules.CHALLENGER, trained_by=7, approver=7)
    with pytest.raises(rules.PromoteRefused, match="“在用”"):
        rules.check_promote(status=rules.CHAMPION, trained_by=1, approver=2)
    with pytest.raises(rules.PromoteRefused, match="“已退役”"):
        rules.check_promote(status=rules.RETIRED, trained_by=1, approver=2)


def test_drift_is_the_worst_level_and_names_each_feature() -> None:
    d = rules.drift(
        0.05, {"debt_ratio": 0.12, "inflow_cv": 0.31, "roa": 0.01}, {"debt_ratio": "资产负债率"}
    )
    assert d.psi_level == "stable"
    assert d.csi_levels == {"debt_ratio": "warn", "inflow_cv": "alert", "roa": "stable"}
    assert d.level == "alert"
    assert d.warnings == (
        "特征“inflow_cv”CSI = 0.3100，显著偏移",
        "特征“资产负债率”CSI = 0.1200，需关注",
    )
    calm = rules.drift(0.12, {}, {})
    assert calm.level == "warn"
    assert calm.warnings == ("模型分数 PSI = 0.1200，需关注（阈值：0.1 需关注，0.25 显著偏移）",)
    assert rules.drift(0.0, {"x": 0.0}, {}).warnings == ()
