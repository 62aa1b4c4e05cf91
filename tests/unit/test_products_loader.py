"""Product files: shipped ones validate, every error carries its path, the schema is published."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from zhixin.products import describe, loader
from zhixin.products.loader import ProductInvalid
from zhixin.products.schema import Product

W = Decimal(10_000)


def _raw(code: str) -> dict[str, Any]:
    text = resources.files(loader.DATA_PACKAGE).joinpath(f"{code}.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _errors(data: object) -> list[str]:
    with pytest.raises(ProductInvalid) as exc:
        loader.parse(data, "test.yaml")
    return exc.value.errors


def test_json_schema_is_published_and_current() -> None:
    path = Path(str(resources.files(loader.DATA_PACKAGE).joinpath(loader.SCHEMA_FILE)))
    fresh = loader.json_schema()
    stale = not path.exists() or path.read_text("utf-8") != fresh
    if stale:
        path.write_text(fresh, encoding="utf-8")
    assert not stale, "product.schema.json was stale and has been regenerated: commit it"
    schema = json.loads(fresh)
    assert schema["title"] == "质量贷产品配置 / zhixin product"
    assert "eligibility" in schema["required"]
    # descriptions are in Chinese for the people who write product files
    assert schema["properties"]["kind"]["description"] == "纯信用 / 质押 / 保证担保 / 组合"


def test_every_shipped_product_validates_under_its_file_name() -> None:
    codes = loader.shipped()
    assert codes == sorted(
        [
            "kechuang-edai",
            "kechuangdai",
            "luzhidai",
            "luzhidai-sd",
            "quzhou-zuhedai",
            "xingbaodai",
            "yongzhidai",
            "zhichanzhixin",
            "zhongshangdai",
            "zhuanjingtexin-edai",
        ]
    )
    names = set()
    for code in codes:
        loaded = loader.load_shipped(code)
        p = loaded.product
        assert p.code == code
        assert p.seeds and all(s.says for s in p.seeds)
        assert p.proposals, f"{code} says nothing about what is the project's proposal"
        names.add(p.name)
        assert len(loaded.sha256) == 64
    assert {
        "鹭质贷",
        "知产质信贷",
        "甬质贷",
        "鲁质贷",
        "众商贷",
        "专精特新e贷",
        "科创E贷",
        "科创贷",
        "兴保贷",
    } <= names


def test_named_banks_are_the_tenant_codes_the_platform_uses() -> None:
    assert loader.load("luzhidai").bank_code == "bank-xmrcb"
    assert loader.load("zhuanjingtexin-edai").bank_code == "bank-icbc-xm"
    assert loader.load("zhichanzhixin").bank_code == "bank-jjccb"
    assert loader.load("yongzhidai").bank_code == "bank-nbbank"


def test_levels_are_filled_from_the_catalog_and_checked_when_given() -> None:
    assert loader.load("yongzhidai").levels == ["一级", "二级", "三级", "四级", "五级"]
    data = _raw("luzhidai")
    data["levels"] = ["Ⅰ类", "Ⅱ类"]
    assert _errors(data) == [
        "levels: 与目录「xiamen」的等级不一致（应为 Ⅰ类、Ⅱ类、Ⅲ类，或省略由校验程序填入）"
    ]
    data["levels"] = ["Ⅰ类", "Ⅱ类", "Ⅲ类"]
    assert loader.parse(data).sha256 == loader.load_shipped("luzhidai").sha256


def test_money_is_written_as_people_write_it() -> None:
    p = loader.load("yongzhidai")
    assert p.amount.min == 10 * W and p.amount.max == Decimal(500_000_000)  # 10万, 5亿
    data = _raw("luzhidai")
    data["amount"] = {"min": "1,200.50", "max": "700万元"}
    p2 = loader.parse(data).product
    assert p2.amount.min == Decimal("1200.50") and p2.amount.max == 700 * W
    data["amount"] = {"min": "十万", "max": "700.0000001万"}
    errors = _errors(data)
    assert any(e.startswith("amount.min:") for e in errors)
    assert any(
        e.startswith("amount.max:") for e in errors
    )  # 7,000,000.001 yuan is finer than the fen


def test_schema_errors_give_their_path() -> None:
    data = _raw("luzhidai")
    data["pricing"]["spread_bp"] = "many"
    del data["eligibility"]
    data["methods"] = ["分期乱还"]
    data["pricing"]["discounts"][0]["when"] = {}
    errors = _errors(data)
    assert any(e.startswith("pricing.spread_bp:") for e in errors)
    assert any(e.startswith("eligibility:") for e in errors)
    assert any(e.startswith("methods[0]:") for e in errors)
    assert any(e.startswith("pricing.discounts[0].when:") and "至少给出一项" in e for e in errors)


def test_cross_reference_errors_are_all_reported_with_their_paths() -> None:
    data = _raw("luzhidai")
    data["pricing"]["discounts"][0]["when"] = {"class_in": ["Ⅳ类"]}
    data["pricing"]["discounts"][1]["when"] = {"class_at_least": 4}
    data["pricing"]["discounts"][3]["when"] = {"award_any": ["诺贝尔奖"]}
    data["eligibility"]["titles_any"] = ["小巨人企业"]
    data["eligibility"]["grade"]["dimensions"] = [{"dimension": "luck", "level": 1}]
    data["tranches"][0]["milestone"] = "moonshot"
    data["limit"]["base"]["tiers"].pop()
    data["limit"]["collateral"] = [{"kind": "专利", "rate": 30}]
    data["amount"] = {"min": "800万", "max": "700万"}
    data["raroc"]["pd"] = [1, 2]
    data["service"]["fast_lane_min_class"] = "Ⅴ类"
    errors = _errors(data)
    expected = [
        "eligibility.grade.dimensions[0].dimension: 未知的维度 'luck'"
        "（可选：credit、management、brand、infrastructure、innovation）",
        "eligibility.titles_any[0]: '小巨人企业' 不是称号类别（可选：",
        "amount: 起贷金额不能高于单户最高金额",
        "limit.base.tiers: 分档额度须覆盖目录的全部等级，缺少：Ⅲ类",
        "limit.collateral: 纯信用产品不接受押品",
        "pricing.discounts[0].when.class_in[0]: 未知的等级 'Ⅳ类'"
        "（目录「xiamen」的等级：Ⅰ类、Ⅱ类、Ⅲ类；也可写名次 1–3）",
        "pricing.discounts[1].when.class_at_least: 等级名次 4 超出范围"
        "（目录「xiamen」共 3 个等级，1 为最高）",
        "pricing.discounts[3].when.award_any[0]: '诺贝尔奖' 不是奖项类别（可选：",
        "tranches[0].milestone: 未定义的里程碑 'moonshot'",
        "service.fast_lane_min_class: 未知的等级 'Ⅴ类'",
        "raroc.pd: 须按等级由高到低给出 3 个违约概率（Ⅰ类、Ⅱ类、Ⅲ类）",
    ]
    for want in expected:
        assert any(e.startswith(want) for e in errors), (want, errors)
    assert len(errors) == len(expected)


def test_unknown_catalog_and_kind_rules() -> None:
    data = _raw("xingbaodai")
    data["catalog"] = "atlantis"
    data["levels"] = ["一级"]
    errors = _errors(data)
    assert errors[0].startswith("catalog: 未知的指标目录 'atlantis'（可选：")
    data = _raw("xingbaodai")
    del data["support"]["guarantee"]
    assert _errors(data) == ["support.guarantee: 保证担保类产品须给出担保机构、担保比例与担保费率"]
    data = _raw("zhichanzhixin")
    data["limit"]["collateral"] = []
    assert _errors(data) == ["limit.collateral: 质押类产品须列出接受的押品及质押率"]
    data = _raw("quzhou-zuhedai")
    data["limit"]["collateral"] = data["limit"]["collateral"][:1]
    assert _errors(data) == ["limit: 组合贷款至少由两部分组成（信用额度与押品，或两类以上押品）"]
    data = _raw("luzhidai")
    data["support"]["guarantee"] = {
        "guarantor": "某担保",
        "coverage": 80,
        "fee_rate": 1,
        "fee_base": "loan",
        "fee_balance": "original",
        "fee_period": "yearly",
    }
    assert _errors(data) == ["support.guarantee: 只有保证担保或组合类产品可设担保"]
    data = _raw("zhichanzhixin")
    data["limit"]["collateral"][0]["raised"][0]["rate"] = 20
    assert _errors(data) == ["limit.collateral[0].raised[0].rate: 提高后的质押率须高于常规质押率"]
    data = _raw("yongzhidai")
    data["limit"]["coefficients"].pop(0)
    data["limit"]["base"] = {"kind": "sales"}
    assert _errors(data) == [
        "limit.base.sales_ratio: 按销售收入核定（kind: sales）须给出大于 0 的比例",
        "limit.coefficients: 额度核定系数须覆盖目录的全部等级，缺少：一级",
    ]


def test_a_changed_body_is_a_new_version_and_the_same_body_keeps_its_hash() -> None:
    first = loader.load_shipped("luzhidai")
    again = loader.parse(copy.deepcopy(first.body))
    assert again.sha256 == first.sha256
    changed = copy.deepcopy(first.body)
    changed["pricing"]["spread_bp"] = 250
    assert loader.parse(changed).sha256 != first.sha256
    # a stored body reads back as the same product
    assert loader.from_body(first.body) == first.product


def test_a_file_that_does_not_exist_or_is_not_yaml(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        loader.load("no-such-product")
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: [unclosed", encoding="utf-8")
    with pytest.raises(ProductInvalid) as exc:
        loader.load(bad)
    assert exc.value.errors[0].startswith("(文件): YAML 格式错误")
    good = tmp_path / "mine.yaml"
    good.write_text(
        resources.files(loader.DATA_PACKAGE).joinpath("luzhidai.yaml").read_text("utf-8"),
        encoding="utf-8",
    )
    assert isinstance(loader.load(good), Product)


def test_sections_say_everything_in_chinese() -> None:
    p = loader.load("zhichanzhixin")
    by_code = {s.code: s for s in describe.sections(p)}
    assert list(by_code) == [
        "basics",
        "eligibility",
        "terms",
        "limit",
        "pricing",
        "service",
        "offer",
        "loan",
    ]
    assert by_code["offer"].lines[0] == "利率类型：浮动利率"
    # no loan: section in the file: the book's defaults, said
    assert by_code["loan"].lines == [
        "产品未载明贷后条款：不可续贷；一律受托支付；还款冲抵顺序 罚息 → 复利 → 利息 → 本金"
    ]
    stated = {s.code: s for s in describe.sections(loader.load("luzhidai"))}["loan"].lines
    assert stated[:3] == [
        "授信额度：循环使用（还款后额度恢复）；有效期自签约日起 12 个月",
        "无还本续贷：可办理",
        "还款冲抵顺序：罚息 → 复利 → 利息 → 本金",
    ]
    assert stated[3].startswith("自主支付：单笔不超过 100.00万元")
    assert "逾期罚息：执行利率上浮 50%；不能按期支付的利息按罚息利率计收复利" in (
        by_code["offer"].lines
    )
    assert "其他费用：不收取其他费用" in by_code["offer"].lines
    assert by_code["limit"].lines[0] == (
        "专利：评估价值 × 抵质押率 30%；总体等级为Ⅰ类，且有效发明专利不少于 3 件时提高到 60%"
    )
    assert (
        "优惠「“软硬结合”双增信优惠（融资成本降低1.2个百分点）」：总体等级为Ⅰ类，"
        "且有效发明专利不少于 3 件 → 减 120bp" in by_code["pricing"].lines
    )
    p = loader.load("zhongshangdai")
    auto = next(s for s in describe.sections(p) if s.code == "auto_rules")
    assert auto.lines == [
        "零质量处罚且开票高增长，等级自动上调：近两年无质量类行政处罚，"
        "且季度开票额同比增长高于 15% → 等级上调 1 级"
    ]
    text = describe.as_text(loader.load("quzhou-zuhedai"))
    assert "依据：绍兴金融监管分局 2024 年公开报道" in text and "2660万元" in text
    assert ".txt" not in text


def test_best_rate_is_the_lowest_the_product_can_give() -> None:
    from datetime import date

    p = loader.load("luzhidai")
    on = date(2025, 6, 30)
    # on LPR 3.00: 3.00 + 2.40 − 1.20 (every discount and the tranche cut, capped) = 4.20
    assert describe.best_rate(p, {"1y": Decimal("3.00"), "5y": Decimal("3.50")}, on) == Decimal(
        "4.20"
    )
    # on LPR 1.00: 1.00 + 2.40 − 1.20 = 2.20 → floor 2.73
    assert describe.best_rate(p, {"1y": Decimal("1.00"), "5y": Decimal("1.50")}, on) == Decimal(
        "2.73"
    )


def test_the_offer_terms_are_required_and_consistent() -> None:
    data = _raw("luzhidai")
    del data["offer"]
    assert _errors(data) == [
        "offer: 须给出报价条款：利率类型、重定价、计息规则、逾期罚息、提前还款、其他费用、"
        "报价有效期（随借随还产品另给预计使用率）"
    ]
    data = _raw("luzhidai")
    del data["offer"]["repricing"]
    del data["offer"]["expected_utilisation"]
    data["offer"]["fees"] = [
        {"code": "mgmt", "label": "账户管理费", "basis": "fixed", "rate": 1},
        {"code": "mgmt", "label": "承诺费", "basis": "yearly"},
    ]
    assert _errors(data) == [
        "offer.repricing: 浮动利率须给出重定价周期与重定价日",
        "offer.expected_utilisation: 提供随借随还的产品须给出预计平均使用率（%）",
        "offer.fees[1]: 费用代码 'mgmt' 重复",
        "offer.fees[0]: 固定金额的费用（basis: fixed）只给出大于 0 的 amount",
        "offer.fees[1]: 按比例收取的费用（basis: once / yearly）只给出大于 0 的 rate",
    ]
    data = _raw("quzhou-zuhedai")  # no 随借随还
    data["offer"]["repricing"] = {"cycle_months": 6, "anchor": "january_1"}
    data["offer"]["expected_utilisation"] = 50
    assert _errors(data) == [
        "offer.repricing.cycle_months: 每年 1 月 1 日重定价须配合 12 个月的周期",
        "offer.expected_utilisation: 只有提供随借随还的产品才给出预计使用率",
    ]
    data = _raw("zhongshangdai")  # fixed
    data["offer"]["repricing"] = {"cycle_months": 12, "anchor": "anniversary"}
    assert _errors(data) == ["offer.repricing: 固定利率不重定价，请删去 repricing"]
    # the schema bounds what a file may state: 罚息 30–50 %, one convention per method family
    data = _raw("luzhidai")
    data["offer"]["overdue"]["markup"] = 60
    data["offer"]["interest"]["amortising"] = "act_360"
    data["service"]["holiday_rule"] = "none"
    errors = _errors(data)
    assert [e.split(":")[0] for e in errors] == [
        "service.holiday_rule",
        "offer.interest.amortising",
        "offer.overdue.markup",
    ]


def test_the_guarantee_fee_basis_is_stated_in_the_file() -> None:
    data = _raw("xingbaodai")
    for name in ("fee_base", "fee_balance", "fee_period"):
        del data["support"]["guarantee"][name]
    assert _errors(data) == [
        "support.guarantee.fee_base: "
        "须写明担保费的计费金额：loan 贷款全额 / guaranteed 担保责任部分",
        "support.guarantee.fee_balance: "
        "须写明担保费按 original 原始金额 / outstanding 未偿本金 计收",
        "support.guarantee.fee_period: 须写明担保费 yearly 每年预收 / upfront 放款时一次收取",
    ]
    # a stored version from before the basis was stated still reads (as the old convention)
    body = copy.deepcopy(loader.load_full("xingbaodai").body)
    del body["offer"]
    for name in ("fee_base", "fee_balance", "fee_period"):
        del body["support"]["guarantee"][name]
    old = loader.from_body(body)
    g = old.support.guarantee
    assert g is not None and (g.fee_base, g.fee_balance, g.fee_period) == (
        "loan",
        "original",
        "yearly",
    )
    assert old.offer is None


def test_risk_model_block_names_a_shipped_spec_and_its_uses() -> None:
    loaded = loader.load("zhuanjingtexin-edai")
    assert loaded.risk_model is not None
    assert (loaded.risk_model.code, loaded.risk_model.use_for) == (
        "zjtx-edai",
        ["raroc", "auto_decision"],
    )
    assert loaded.risk_model.fast_lane_min_score == Decimal(55)
    text = describe.as_text(loaded)
    assert "【风险模型】" in text and "模型：zjtx-edai" in text and "最低 55 分" in text

    data = _raw("zhuanjingtexin-edai")
    data["risk_model"] = {"code": "credit-magic", "use_for": ["auto_decision"]}
    del data["raroc"]
    errors = _errors(data)
    assert errors[0].startswith("risk_model.code: 未知的模型规格 'credit-magic'（可选：")
    assert "enterprise" in errors[0] and "zjtx-edai" in errors[0]
    assert (
        "risk_model.fast_lane_min_score: 用于 auto_decision 须给出走绿色通道的最低模型评分"
        in errors
    )

    data = _raw("luzhidai")
    data["risk_model"] = {"code": "enterprise", "use_for": ["raroc"], "fast_lane_min_score": 600}
    del data["raroc"]
    errors = _errors(data)
    assert "risk_model.use_for: 用于 RAROC 须同时给出 raroc 测算参数（LGD、资金成本等）" in errors
    assert "risk_model.fast_lane_min_score: 只在 use_for 含 auto_decision 时使用" in errors

    data = _raw("luzhidai")
    data["risk_model"] = {"code": "enterprise", "use_for": ["raroc", "rocket"]}
    assert any(e.startswith("risk_model.use_for[1]:") for e in _errors(data))


def test_a_total_score_the_catalog_cannot_reach_is_refused_with_its_path() -> None:
    """Issue 18 item 4: the Xiamen total tops at 86 points (its own scale, not percent)."""
    data = _raw("zhichanzhixin")
    data["pricing"]["discounts"][0]["when"] = {"total_score_above": 86}
    data["limit"]["collateral"][0]["raised"][0]["when"] = {"total_score_above": 85}
    errors = _errors(data)
    assert errors == [
        "pricing.discounts[0].when.total_score_above: 总分高于 86 分不可达：目录「xiamen」的总分"
        "满分为 86 分（本目录自己的分数，非百分制；见 zhixin catalog show）"
    ]
