"""The names pages show for codes: divisions (GB/T 2260), industries (GB/T 4754), audit actions,
catalogs, grades, sizes and product citations; an unknown code falls back to itself."""

from __future__ import annotations

from zhixin.audit.rules import ACTION_LABELS, action_label
from zhixin.catalog.service import catalog_title
from zhixin.kit.divisions import industry_name, region_name
from zhixin.products import describe, loader
from zhixin.web.templating import TEMPLATES


def test_region_names_from_the_dated_extract() -> None:
    assert region_name("350203") == "厦门市思明区"
    assert region_name("350102") == "福州市鼓楼区"
    assert region_name("3502") == "厦门市"  # a jurisdiction prefix
    assert region_name("35") == "福建省"
    assert region_name("330200") == "宁波市"
    assert region_name("330800") == "衢州市"
    assert region_name("370000") == "山东省"
    assert region_name("999999") == "999999"  # not in the extract: the code
    assert region_name(None) == ""


def test_every_demo_region_has_a_name() -> None:
    from zhixin.demo.reference import _REGIONS

    for code, county, _prefix, _city, _w in _REGIONS:
        assert region_name(code) == county


def test_industry_sections_and_divisions() -> None:
    assert industry_name("C") == "制造业"
    assert industry_name("F") == "批发和零售业"
    assert industry_name("I") == "信息传输、软件和信息技术服务业"
    assert industry_name("M") == "科学研究和技术服务业"
    assert industry_name("C39") == "计算机、通信和其他电子设备制造业"
    assert industry_name("c391") == "计算机、通信和其他电子设备制造业"
    assert industry_name("C99") == "制造业"  # a 大类 outside the extract: its 门类
    assert industry_name("Z") == "Z"
    assert industry_name("") == ""


def test_every_demo_industry_has_its_own_name() -> None:
    from zhixin.demo.reference import _INDUSTRIES, _SHOP_GOODS

    for code in {c for c, _w, _words in _INDUSTRIES} | {c for _g, c in _SHOP_GOODS}:
        assert industry_name(code) != industry_name(code[0]) or code[1:] == ""
        assert not industry_name(code).isascii()


def test_audit_actions_read_in_chinese() -> None:
    assert action_label("application.contract") == "签订借款合同"
    assert action_label("whitelist.publish") == "发布白名单"
    assert action_label("loan.drawdown") == "贷款（loan.drawdown）"
    assert action_label("unheard.of") == "unheard.of"
    assert all(not label.isascii() for label in ACTION_LABELS.values())


def test_catalog_title_and_version() -> None:
    title = "厦门市经营主体质量信誉等级评价指标（鹭质贷）"
    assert catalog_title("xiamen", "2025.1") == f"{title} 2025.1 版"
    assert catalog_title("xiamen") == title
    assert catalog_title("elsewhere", "1") == "elsewhere 1 版"


def test_grades_sizes_and_filters() -> None:
    f = TEMPLATES.env.filters
    assert f["grade"]("III") == "Ⅲ类"
    assert f["grade"]("I") == "Ⅰ类"
    assert f["grade"]("A") == "A"
    assert [f["size"](s) for s in "大中小微"] == ["大型", "中型", "小型", "微型"]
    assert f["region"]("350206") == "厦门市湖里区"
    assert f["industry"]("F52") == "零售业"


def test_product_sources_read_as_citations() -> None:
    for code in loader.shipped():
        product = loader.load_shipped(code).product
        text = describe.as_text(product)
        assert ".txt" not in text, code
        for seed in product.seeds:
            assert describe.citation(seed.file) != seed.file
            assert seed.file in describe.CITATIONS, (code, seed.file)


def test_risk_models_by_name() -> None:
    from zhixin.risk.service import model_name

    assert model_name("zjtx-edai") == "专精特新e贷评分卡"
    assert model_name("enterprise") == "质量融资企业评分卡"
    assert model_name("not-shipped") == "not-shipped"
    assert model_name(None) == ""
