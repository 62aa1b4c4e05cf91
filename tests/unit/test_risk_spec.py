"""Model specifications and the 专精特新e贷 expert scorecard, as data (pure)."""

from __future__ import annotations

import pytest

from zhixin.risk import spec as specs
from zhixin.risk.features import FEATURES


def test_shipped_specs_validate() -> None:
    assert specs.shipped() == ["enterprise", "german-credit", "zjtx-edai"]
    ent = specs.load_shipped("enterprise")
    assert isinstance(ent, specs.ModelSpec)
    assert all(f.code in FEATURES for f in ent.features)
    # names, trends and units come from the feature table when the file leaves them out
    debt = ent.feature("debt_ratio")
    assert (ent.name_of(debt), ent.trend_of(debt), ent.unit_of(debt)) == (
        "资产负债率",
        "ascending",
        "%",
    )
    german = specs.load_shipped("german-credit")
    assert isinstance(german, specs.ModelSpec)
    codes = {f.code for f in german.features}
    assert "personal_status_and_sex" not in codes and "foreign_worker" not in codes
    assert german.proposal


def test_zjtx_edai_is_fifteen_indicators_in_four_groups_weighted_to_100() -> None:
    card = specs.load_shipped("zjtx-edai")
    assert isinstance(card, specs.ExpertCard)
    assert [(g.name, int(g.weight), len(g.indicators)) for g in card.groups] == [
        ("基础竞争力", 25, 3),
        ("财务竞争力", 25, 4),
        ("创新竞争力", 30, 4),
        ("融资竞争力", 20, 4),
    ]
    assert sum(len(g.indicators) for g in card.groups) == 15
    assert any("提议" in p or "权重" in p for p in card.proposal)


def test_zjtx_edai_scores_an_enterprise_by_hand() -> None:
    spec = specs.load_shipped("zjtx-edai")
    assert isinstance(spec, specs.ExpertCard)
    card = specs.compile_expert(spec)
    features = {
        "years_established": 6.0,  # 5–10 years: 7
        "zjtx_level": 2.0,  # 小巨人: 9
        "quality_class_rank": 2.0,  # 2nd class: 5
        "revenue_growth": 0.2,  # 10–30 %: 5
        "net_margin": 0.08,  # 5–10 %: 5
        "debt_ratio": 0.6,  # 50–70 %: 4
        "tax_burden": 0.02,  # 1–3 %: 3
        "invention_patents": 7.0,  # ≥ 7: 10
        "rd_intensity": 0.04,  # 3–5 %: 4
        "hightech": 1.0,  # 6
        "standards_led": 0.0,  # 0
        "inflow_cv": None,  # no cash-flow data: 0
        "top_counterparty_share": 0.35,  # 30–50 %: 3
        "invoicing_growth": 0.1,  # 0–15 %: 3
        "quality_penalties_2y": 0.0,  # 4
    }
    scored = card.score_one(specs.expert_inputs(spec, features))
    assert scored.score == 7 + 9 + 5 + 5 + 5 + 4 + 3 + 10 + 4 + 6 + 0 + 0 + 3 + 3 + 4  # 68
    assert scored.pd == 0.03  # the band from 55
    assert [r.feature.code for r in scored.reasons] == [
        "inflow_stability",  # lost 6 (missing)
        "standards_led",  # lost 6
        "rd_intensity",  # lost 4
        "quality_class",  # lost 3 (ties broken by code)
    ]
    assert scored.reasons[0].feature.name == "资金流入稳定性（融资竞争力）"


def test_invalid_cards_name_the_path_and_the_problem_in_chinese() -> None:
    spec = specs.load_shipped("zjtx-edai")
    body = spec.model_dump(mode="json")
    body["groups"][0]["weight"] = 30
    with pytest.raises(specs.SpecInvalid) as exc:
        specs.parse(body, "edai.yaml")
    assert any(e.startswith("groups[0]") and "各指标满分之和为 25" in e for e in exc.value.errors)
    body = spec.model_dump(mode="json")
    body["groups"][1]["indicators"][0]["bands"][2]["min"] = -1
    with pytest.raises(specs.SpecInvalid) as exc:
        specs.parse(body, "edai.yaml")
    assert any("严格递增" in e for e in exc.value.errors)
    body = spec.model_dump(mode="json")
    body["indicator_count"] = 16
    with pytest.raises(specs.SpecInvalid, match="应有 16 项指标"):
        specs.parse(body, "edai.yaml")
    with pytest.raises(specs.SpecInvalid, match="YAML"):
        specs.parse_text("a: [", "x.yaml")


def test_content_hash_changes_with_the_content() -> None:
    spec = specs.load_shipped("zjtx-edai")
    body = spec.model_dump(mode="json")
    body["pd_bands"][0]["pd"] = "0.2"
    assert specs.content_hash(specs.parse(body, "x")) != specs.content_hash(spec)
