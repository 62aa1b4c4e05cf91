"""Products decide eligibility, limit and price: every number here is worked out by hand.

LPR used throughout unless a test says otherwise: 1-year 3.00 %, 5-year-and-over 3.50 %
(the LPR in force since 2025-05-20). ``W`` is 万元 (10,000 yuan).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhixin.products import loader, rules
from zhixin.products.schema import Product
from zhixin.products.terms import (
    Collateral,
    CollateralKind,
    Decision,
    Facts,
    Method,
    QuoteRequest,
)

D = Decimal
W = Decimal(10_000)
ON = date(2025, 6, 30)
LPR = {"1y": D("3.00"), "5y": D("3.50")}

# a registered area inside each product's service area
REGION = {
    "luzhidai": "350203",
    "zhichanzhixin": "360402",
    "yongzhidai": "330203",
    "luzhidai-sd": "371102",
    "zhongshangdai": "420106",
    "zhuanjingtexin-edai": "350206",
    "kechuang-edai": "350104",
    "kechuangdai": "350102",
    "xingbaodai": "330602",
    "quzhou-zuhedai": "330802",
}


def product(code: str) -> Product:
    return loader.load(code)


def variant(code: str, change: Callable[[dict[str, Any]], object]) -> Product:
    """A shipped product with one change, validated like a file."""
    data = copy.deepcopy(loader.load_shipped(code).body)
    change(data)
    return loader.parse(data, f"{code} (variant)").product


def facts(p: Product, rank: int | None, **kw: Any) -> Facts:
    base: dict[str, Any] = {
        "enterprise_id": 1,
        "uscc": "91350200MA2Y000000",
        "name": "甲科技有限公司",
        "size_class": "小",
        "region_code": REGION[p.code],
        "established_on": date(2015, 3, 1),
        "on": ON,
        "listed": True,
        "whitelist_version": 3,
        "evaluation_run_id": 7,
        "catalog_name": p.catalog,
        "overall_class": p.level_name(rank),
        "class_rank": rank,
        "total_score": D("50.00"),
        # 专精特新e贷 is for 专精特新 enterprises only
        "titles": frozenset({"专精特新中小企业"})
        if p.code == "zhuanjingtexin-edai"
        else frozenset(),
    }
    base.update(kw)
    return Facts(**base)


def request(amount: Decimal, term: int = 12, method: Method = Method.equal_instalment, **kw: Any):  # type: ignore[no-untyped-def]
    return QuoteRequest(amount=amount, term_months=term, method=method, on=ON, **kw)


def decide(p: Product, f: Facts, r: QuoteRequest, lpr: dict[str, Decimal] = LPR) -> Decision:
    return rules.decide(p, f, r, lpr)


def factor(d: Decision, code: str) -> rules.Factor:
    found = [x for x in d.limit_factors + d.rate_components + d.auto_rules if x.code == code]
    assert found, f"no factor {code}: {[x.code for x in d.limit_factors + d.rate_components]}"
    return found[0]


# -- every shipped product, every class of its catalog ------------------------------------------

PATENT_2000 = (Collateral(CollateralKind.patent, 2000 * W),)
QUZHOU = (  # the seed's loan: plant 3,800万 × 70 % + patent 3,680万 × 50 %
    Collateral(CollateralKind.plant, 3800 * W),
    Collateral(CollateralKind.patent, 3680 * W),
)
REVOLVING = Method.revolving

CASES: list[tuple[str, int, dict[str, Any], Decimal, Decimal]] = [
    # 鹭质贷: tier 500/300/150万; LPR 3.00 + 240bp − class discount 50 / 30 / 10bp
    ("luzhidai", 1, {"amount": 100 * W}, 500 * W, D("3.00") + D("2.40") - D("0.50")),  # 4.90
    ("luzhidai", 2, {"amount": 100 * W}, 300 * W, D("3.00") + D("2.40") - D("0.30")),  # 5.10
    ("luzhidai", 3, {"amount": 100 * W}, 150 * W, D("3.00") + D("2.40") - D("0.10")),  # 5.30
    # 知产质信贷: patent 2,000万 × 30 % (score 50 is not > 80) = 600万;
    # LPR 3.00 + 150bp − class 20 / 10 / 0bp
    ("zhichanzhixin", 1, {"amount": 100 * W, "collateral": PATENT_2000}, 600 * W, D("4.30")),
    ("zhichanzhixin", 2, {"amount": 100 * W, "collateral": PATENT_2000}, 600 * W, D("4.40")),
    ("zhichanzhixin", 3, {"amount": 100 * W, "collateral": PATENT_2000}, 600 * W, D("4.50")),
    # 甬质贷: sales 1亿 × 30 % = 3,000万 × 1.5 / 1.3 / 1.1 / 1.0 / 0.8;
    # LPR 3.00 + 120bp − 60 / 45 / 30 / 15 / 0bp
    (
        "yongzhidai",
        1,
        {"amount": 100 * W, "annual_sales": 10000 * W},
        3000 * W * D("1.5"),
        D("3.60"),
    ),
    (
        "yongzhidai",
        2,
        {"amount": 100 * W, "annual_sales": 10000 * W},
        3000 * W * D("1.3"),
        D("3.75"),
    ),
    (
        "yongzhidai",
        3,
        {"amount": 100 * W, "annual_sales": 10000 * W},
        3000 * W * D("1.1"),
        D("3.90"),
    ),
    (
        "yongzhidai",
        4,
        {"amount": 100 * W, "annual_sales": 10000 * W},
        3000 * W * D("1.0"),
        D("4.05"),
    ),
    (
        "yongzhidai",
        5,
        {"amount": 100 * W, "annual_sales": 10000 * W},
        3000 * W * D("0.8"),
        D("4.20"),
    ),
    # 鲁质贷: tier 1,500/800/300万; LPR 3.00 + 200bp − layers (20 each at or above Ⅲ/Ⅱ/Ⅰ)
    ("luzhidai-sd", 1, {"amount": 100 * W}, 1500 * W, D("3.00") + D("2.00") - D("0.60")),  # 4.40
    ("luzhidai-sd", 2, {"amount": 100 * W}, 800 * W, D("3.00") + D("2.00") - D("0.40")),  # 4.60
    ("luzhidai-sd", 3, {"amount": 100 * W}, 300 * W, D("3.00") + D("2.00") - D("0.20")),  # 4.80
    # 众商贷: tier 200/120/60万; LPR 3.00 + 300bp − 80 / 40 / 0bp
    ("zhongshangdai", 1, {"amount": 50 * W, "method": REVOLVING}, 200 * W, D("5.20")),
    ("zhongshangdai", 2, {"amount": 50 * W, "method": REVOLVING}, 120 * W, D("5.60")),
    ("zhongshangdai", 3, {"amount": 50 * W, "method": REVOLVING}, 60 * W, D("6.00")),
    # 专精特新e贷: sales 3,000万 × 20 % = 600万 × 1.5 / 1.2 / 1.0; LPR 3.00 + 30bp − 40 / 20 / 0
    (
        "zhuanjingtexin-edai",
        1,
        {"amount": 100 * W, "annual_sales": 3000 * W, "method": REVOLVING},
        900 * W,
        D("2.90"),
    ),
    (
        "zhuanjingtexin-edai",
        2,
        {"amount": 100 * W, "annual_sales": 3000 * W, "method": REVOLVING},
        720 * W,
        D("3.10"),
    ),
    (
        "zhuanjingtexin-edai",
        3,
        {"amount": 100 * W, "annual_sales": 3000 * W, "method": REVOLVING},
        600 * W,
        D("3.30"),
    ),
    # 科创E贷: sales 1,000万 × 30 % = 300万 × 1.2 / 1.0 / 0.8; LPR 3.00 + 100bp − 30 / 15 / 0
    ("kechuang-edai", 1, {"amount": 100 * W, "annual_sales": 1000 * W}, 360 * W, D("3.70")),
    ("kechuang-edai", 2, {"amount": 100 * W, "annual_sales": 1000 * W}, 300 * W, D("3.85")),
    ("kechuang-edai", 3, {"amount": 100 * W, "annual_sales": 1000 * W}, 240 * W, D("4.00")),
    # 科创贷: sales 5,000万 × 40 % = 2,000万 × 1.5 / 1.2 / 1.0; LPR 3.00 + 80bp − 30 / 15 / 0
    (
        "kechuangdai",
        1,
        {"amount": 500 * W, "annual_sales": 5000 * W, "term": 36},
        3000 * W,
        D("3.50"),
    ),
    (
        "kechuangdai",
        2,
        {"amount": 500 * W, "annual_sales": 5000 * W, "term": 36},
        2400 * W,
        D("3.65"),
    ),
    (
        "kechuangdai",
        3,
        {"amount": 500 * W, "annual_sales": 5000 * W, "term": 36},
        2000 * W,
        D("3.80"),
    ),
    # 兴保贷: tier 1,000/800/500/300/100万; LPR 3.00 + 100bp − 40 / 30 / 20 / 10 / 0
    ("xingbaodai", 1, {"amount": 100 * W}, 1000 * W, D("3.60")),
    ("xingbaodai", 2, {"amount": 100 * W}, 800 * W, D("3.70")),
    ("xingbaodai", 3, {"amount": 100 * W}, 500 * W, D("3.80")),
    ("xingbaodai", 4, {"amount": 100 * W}, 300 * W, D("3.90")),
    ("xingbaodai", 5, {"amount": 100 * W}, 100 * W, D("4.00")),
    # 衢州组合贷: 3,800万 × 70 % + 3,680万 × 50 % = 2,660万 + 1,840万 = 4,500万;
    # LPR 3.00 + 90bp − 30 / 20 / 10 / 0 / 0
    (
        "quzhou-zuhedai",
        1,
        {"amount": 4500 * W, "collateral": QUZHOU, "term": 36},
        4500 * W,
        D("3.60"),
    ),
    (
        "quzhou-zuhedai",
        2,
        {"amount": 4500 * W, "collateral": QUZHOU, "term": 36},
        4500 * W,
        D("3.70"),
    ),
    (
        "quzhou-zuhedai",
        3,
        {"amount": 4500 * W, "collateral": QUZHOU, "term": 36},
        4500 * W,
        D("3.80"),
    ),
    (
        "quzhou-zuhedai",
        4,
        {"amount": 4500 * W, "collateral": QUZHOU, "term": 36},
        4500 * W,
        D("3.90"),
    ),
    (
        "quzhou-zuhedai",
        5,
        {"amount": 4500 * W, "collateral": QUZHOU, "term": 36},
        4500 * W,
        D("3.90"),
    ),
]


def test_every_shipped_product_and_every_class_of_its_catalog_is_worked_by_hand() -> None:
    covered: dict[str, set[int]] = {}
    for code, rank, *_ in CASES:
        covered.setdefault(code, set()).add(rank)
    assert set(covered) == set(loader.shipped())
    for code, ranks in covered.items():
        assert ranks == set(range(1, len(product(code).levels) + 1)), code


@pytest.mark.parametrize(("code", "rank", "req", "limit", "rate"), CASES)
def test_listed_enterprise_of_each_class_gets_the_hand_worked_limit_and_rate(
    code: str, rank: int, req: dict[str, Any], limit: Decimal, rate: Decimal
) -> None:
    p = product(code)
    d = decide(p, facts(p, rank), request(**req))
    assert d.eligible, d.reasons
    assert d.reasons == ()
    assert d.limit == limit
    assert d.rate == rate
    assert d.rate.as_tuple().exponent == -4  # quantized to 4 decimals
    assert d.lpr_tenor == "1y" and d.lpr == D("3.00")
    assert d.effective_class == p.levels[rank - 1]
    assert factor(d, "limit").amount == limit
    assert factor(d, "rate").value == f"{rate:.4f}%"


# -- 鹭质贷 ------------------------------------------------------------------------------------


def test_luzhidai_class_1_is_the_seed_case_lpr_plus_190bp_with_its_factors() -> None:
    p = product("luzhidai")
    d = decide(p, facts(p, 1), request(500 * W))
    assert d.eligible and d.limit == 500 * W
    # 3.00 + 2.40 − 0.50 = 4.90 = LPR + 190bp
    assert d.rate == D("3.00") + D("1.90")
    assert [(f.code, f.value) for f in d.rate_components] == [
        ("lpr", "3.0000%"),
        ("spread", "+240bp"),
        ("discount:class-1", "-50bp"),
        ("discount:class-2", "未适用"),
        ("discount:class-3", "未适用"),
        ("discount:quality-award", "未适用"),
        ("discount:zhuanjingtexin", "未适用"),
        ("rate", "4.9000%"),
    ]
    assert factor(d, "rate").reason == "LPR 3.0000% + 加点 240bp − 优惠 50bp = 4.9000%"
    assert factor(d, "discount:class-1").reason == "总体等级为Ⅰ类"
    assert factor(d, "discount:class-2").reason == "总体等级为Ⅰ类，不是Ⅱ类"
    assert factor(d, "base").value == "500.00万元"
    assert factor(d, "base").reason == "Ⅰ类企业的分档额度"
    assert d.fast_lane_days == 4
    assert d.tranches[0].met is False and d.tranches[0].amount == 200 * W


def test_luzhidai_discount_cap_binds_with_every_discount_and_the_milestone() -> None:
    p = product("luzhidai")
    f = facts(p, 1, awards=frozenset({"政府质量奖"}), titles=frozenset({"专精特新小巨人"}))
    r = request(650 * W, milestones_met=frozenset({"tech-breakthrough"}))
    d = decide(p, f, r)
    # discounts 50 + 40 + 30 = 120bp, tranche cut 20bp → 140bp, capped at 120bp
    # 3.00 + 2.40 − 1.20 = 4.20
    assert d.rate == D("4.20")
    cap = factor(d, "discount_cap")
    assert cap.value == "-120bp" and "优惠合计 140bp 超过本产品上限 120bp" in cap.reason
    # base tier 500万 + the tranche 200万 = 700万 (the product maximum)
    assert d.limit == 500 * W + 200 * W
    assert factor(d, "tranche:tech-breakthrough").value == "+200.00万元"
    assert d.tranches[0].met is True and d.tranches[0].rate_cut_bp == 20
    assert d.eligible


def test_luzhidai_floor_binds_when_the_lpr_is_low() -> None:
    p = product("luzhidai")
    f = facts(p, 1, awards=frozenset({"中国质量奖"}), titles=frozenset({"专精特新小巨人"}))
    r = request(100 * W, milestones_met=frozenset({"tech-breakthrough"}))
    d = decide(p, f, r, {"1y": D("1.50"), "5y": D("2.00")})
    # 1.50 + 2.40 − 1.20 (capped from 1.40) = 2.70 < floor 2.73
    assert d.rate == D("2.7300")
    assert factor(d, "discount_cap").amount == D(-120)
    floor = factor(d, "floor")
    assert floor.value == "2.7300%" and "计算利率 2.7000% 低于本产品最低执行利率" in floor.reason
    assert factor(d, "rate").reason.endswith("= 2.7000%，按最低执行利率 2.7300%")


def test_request_above_the_limit_is_refused_with_the_limit_named() -> None:
    p = product("luzhidai")
    d = decide(p, facts(p, 2), request(400 * W))
    assert not d.eligible
    assert d.reasons == ("申请金额 400.00万元 超过可贷额度 300.00万元",)
    assert d.limit == 300 * W


def test_collateral_on_a_pure_credit_product_is_noted_not_counted() -> None:
    p = product("luzhidai")
    r = request(100 * W, collateral=(Collateral(CollateralKind.plant, 1000 * W),))
    d = decide(p, facts(p, 3), r)
    assert d.limit == 150 * W and d.eligible
    assert d.notes[0] == "本产品为纯信用，押品「厂房」不计入额度"


def test_a_grade_from_another_catalog_is_not_this_products_grade() -> None:
    p = product("luzhidai")
    d = decide(p, facts(p, 1, catalog_name="ningbo"), request(100 * W))
    assert not d.eligible
    assert d.reasons[0] == "企业的等级评自「ningbo」指标目录，本产品采信「xiamen」目录的等级"
    assert d.effective_class is None and d.limit == 0


# -- 知产质信贷: the pledge-rate switch ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rank", "patents", "pledge", "limit", "rate"),
    [
        # Ⅰ类 (the source's 质量信用分 > 80: the Xiamen total tops at 86 points, so the product
        # reads it as 优秀) and 3 patents ≥ 3: 2,000万 × 60 % = 1,200万; 3.00 + 1.50 − 1.20 − 0.20
        (1, 3, "60%", 2000 * W * D("0.6"), D("3.10")),
        # Ⅱ类 is not Ⅰ类: 2,000万 × 30 % = 600万; 3.00 + 1.50 − 0.10
        (2, 3, "30%", 2000 * W * D("0.3"), D("4.40")),
        # 2 patents are fewer than 3
        (1, 2, "30%", 2000 * W * D("0.3"), D("4.30")),
    ],
)
def test_zhichanzhixin_patent_pledge_rate_switches_from_30_to_60(
    rank: int, patents: int, pledge: str, limit: Decimal, rate: Decimal
) -> None:
    p = product("zhichanzhixin")
    f = facts(p, rank, valid_invention_patents=patents)
    d = decide(p, f, request(500 * W, collateral=PATENT_2000))
    assert d.eligible, d.reasons
    assert factor(d, "pledge_rate:patent").value == pledge
    assert factor(d, "collateral:patent").amount == limit
    assert d.limit == limit and d.rate == rate


def test_zhichanzhixin_reasons_for_the_ordinary_rate_and_the_cap_at_3000() -> None:
    p = product("zhichanzhixin")
    f = facts(p, 2, valid_invention_patents=2)
    d = decide(p, f, request(500 * W, collateral=PATENT_2000))
    assert factor(d, "pledge_rate:patent").reason == (
        "未满足提高质押率的条件（总体等级为Ⅱ类，不是Ⅰ类；有效发明专利 2 件，不足 3 件），按常规 30%"
    )
    f = facts(p, 1, valid_invention_patents=5)
    d = decide(p, f, request(3000 * W, collateral=(Collateral(CollateralKind.patent, 6000 * W),)))
    # 6,000万 × 60 % = 3,600万, capped at the product's 3,000万
    assert factor(d, "collateral:patent").amount == 3600 * W
    assert factor(d, "cap").value == "3,000.00万元"
    assert d.limit == 3000 * W and d.eligible


def test_a_pledge_product_without_collateral_is_refused() -> None:
    p = product("zhichanzhixin")
    d = decide(p, facts(p, 1), request(100 * W))
    assert d.limit == 0
    assert d.reasons == (
        "本产品须提供押品（可接受：专利、商标）及其评估价值",
        "申请金额 100.00万元 超过可贷额度 0.00万元",
    )


# -- the Quzhou combination loan ------------------------------------------------------------------


def test_quzhou_combination_loan_reproduces_the_seed_4500_with_1840_from_patents() -> None:
    p = product("quzhou-zuhedai")
    d = decide(p, facts(p, 2), request(4500 * W, term=36, collateral=QUZHOU))
    assert d.eligible
    assert factor(d, "collateral:plant").amount == 2660 * W  # 3,800万 × 70 %
    assert factor(d, "collateral:patent").amount == 1840 * W  # 3,680万 × 50 %
    assert factor(d, "subtotal").amount == 4500 * W
    share = factor(d, "share:patent")
    # 1,840 / 4,500 = 0.408888… → 40.89 %
    assert share.value == "40.89%" and share.amount == D("40.89")
    assert factor(d, "share:plant").value == "59.11%"
    assert d.limit == 4500 * W


def test_unaccepted_collateral_is_left_out_with_a_note() -> None:
    p = product("zhichanzhixin")
    r = request(100 * W, collateral=(*PATENT_2000, Collateral(CollateralKind.plant, 500 * W)))
    d = decide(p, facts(p, 1), r)
    assert d.limit == 600 * W
    assert d.notes == ("押品「厂房」不在本产品接受范围（可接受：专利、商标），未计入额度",)


# -- 众商贷: the automatic rule -------------------------------------------------------------------


def _zhongshang(rank: int, *, growth: Decimal | None, penalties: int) -> Decision:
    p = product("zhongshangdai")
    f = facts(p, rank, quality_penalties_2y=penalties)
    return decide(p, f, request(50 * W, method=REVOLVING, invoicing_growth=growth))


def test_zhongshang_raises_the_class_one_notch_when_both_conditions_hold() -> None:
    d = _zhongshang(2, growth=D("16"), penalties=0)
    assert d.effective_class == "Ⅰ类"
    rule = d.auto_rules[0]
    assert rule.value == "Ⅱ类 → Ⅰ类"
    assert rule.reason == "近两年无质量类行政处罚；季度开票额增长 16% > 15%；等级上调 1 级"
    # priced and limited as Ⅰ类: 200万, 3.00 + 3.00 − 0.80 = 5.20
    assert d.limit == 200 * W and d.rate == D("5.20")
    d = _zhongshang(3, growth=D("30.5"), penalties=0)
    assert d.effective_class == "Ⅱ类" and d.limit == 120 * W and d.rate == D("5.60")


@pytest.mark.parametrize(
    ("growth", "penalties", "why"),
    [
        (D("15"), 0, "季度开票额增长 15%，未高于 15%"),
        (D("20"), 1, "近两年有 1 次质量类行政处罚"),
        (None, 0, "未提供季度开票额增长（须高于 15%）"),
    ],
)
def test_zhongshang_keeps_the_class_unless_both_hold(
    growth: Decimal | None, penalties: int, why: str
) -> None:
    d = _zhongshang(2, growth=growth, penalties=penalties)
    assert d.effective_class == "Ⅱ类"
    assert d.auto_rules[0].value == "未触发" and d.auto_rules[0].reason == why
    assert d.limit == 120 * W and d.rate == D("5.60")


def test_zhongshang_top_class_stays_top() -> None:
    d = _zhongshang(1, growth=D("40"), penalties=0)
    assert d.effective_class == "Ⅰ类" and d.auto_rules[0].value == "已是最高等级"
    assert d.rate == D("5.20")


# -- refusals list every reason --------------------------------------------------------------------


def test_a_refusal_lists_every_reason_with_what_the_product_allows() -> None:
    p = product("zhuanjingtexin-edai")
    f = facts(
        p,
        None,
        listed=False,
        size_class="大",
        region_code="330203",
        established_on=date(2024, 9, 1),
        quality_penalties_2y=2,
        titles=frozenset({"高新技术企业"}),
    )
    d = decide(p, f, request(2000 * W, term=24, method=Method.equal_principal))
    assert not d.eligible
    assert d.reasons == (
        "未列入质量信誉经营主体白名单（本产品仅面向白名单企业）",
        "尚无总体质量信誉等级，本产品要求总体等级不低于Ⅲ类",
        "企业规模为大型，本产品仅面向中型、小型、微型企业",
        "注册地宁波市海曙区不在本产品服务范围：厦门市（3502）",
        "成立 9 个月，本产品要求成立满 24 个月",
        "近两年有 2 次质量类行政处罚，本产品要求近两年无质量类行政处罚",
        "未持有本产品要求的称号（专精特新中小企业或专精特新小巨人）",
        "申请金额 2,000.00万元 不在本产品金额范围 10万元–1,000万元 内",
        "申请期限 24 个月不在本产品期限范围 1–12 个月内",
        "还款方式「等额本金」不适用于本产品（可选：随借随还、按月付息到期还本）",
        "本产品按上年度销售收入核定额度，请提供上年度销售收入",
    )
    assert d.fast_lane_days is None and d.effective_class is None


def test_missing_registration_facts_are_reasons_too() -> None:
    p = product("luzhidai")
    f = facts(p, 2, size_class=None, region_code=None, established_on=None)
    d = decide(p, f, request(100 * W))
    assert d.reasons == (
        "未登记企业规模（本产品仅面向中型、小型、微型企业）",
        "未登记注册地行政区划，本产品服务范围：厦门市（3502）",
        "未登记成立日期（本产品要求成立满 12 个月）",
    )


def test_a_class_too_low_is_named_with_the_class_required() -> None:
    def stricter(data: dict[str, Any]) -> None:
        data["eligibility"]["grade"] = {
            "overall": 2,
            "dimensions": [{"dimension": "innovation", "level": "Ⅰ类"}],
        }

    p = variant("luzhidai", stricter)
    d = decide(p, facts(p, 3, dimension_levels={"innovation": "Ⅱ类"}), request(100 * W))
    assert d.reasons == ("总体等级为Ⅲ类，本产品要求总体等级不低于Ⅱ类，或质量创新维度不低于Ⅰ类",)
    # a dimension at the level asked for is enough
    d = decide(p, facts(p, 3, dimension_levels={"innovation": "Ⅰ类"}), request(100 * W))
    assert d.eligible


# -- 专精特新e贷, 鲁质贷, 甬质贷, 兴保贷: floor, layers, tenor, support ---------------------------


def test_edai_floor_and_discount_cap_bind_together() -> None:
    p = product("zhuanjingtexin-edai")
    f = facts(p, 1, titles=frozenset({"专精特新小巨人"}))
    r = request(100 * W, annual_sales=3000 * W, method=REVOLVING)
    d = decide(p, f, r, {"1y": D("2.20"), "5y": D("2.70")})
    # 40 + 30 = 70bp, capped at 60bp; 2.20 + 0.30 − 0.60 = 1.90 < floor 2.50
    assert factor(d, "discount_cap").value == "-60bp"
    assert d.rate == D("2.50")
    d = decide(p, f, r)
    # on 3.00: 3.00 + 0.30 − 0.60 = 2.70 (only the cap binds)
    assert d.rate == D("2.70")
    # sales 5,000万 × 20 % × 1.5 = 1,500万, capped at 1,000万
    d = decide(p, f, request(100 * W, annual_sales=5000 * W, method=REVOLVING))
    assert factor(d, "credit").amount == 1500 * W and d.limit == 1000 * W


def test_luzhidai_sd_layers_and_the_fast_lane_for_class_1_only() -> None:
    p = product("luzhidai-sd")
    f = facts(p, 1, titles=frozenset({"区域品牌", "专精特新小巨人"}))
    d = decide(p, f, request(100 * W))
    # layers 20 + 20 + 20 + brand 15 + 专精特新 15 = 90bp, capped at 80; 3.00 + 2.00 − 0.80
    assert d.rate == D("4.20") and d.fast_lane_days == 1
    assert decide(p, facts(p, 2), request(100 * W)).fast_lane_days is None
    assert decide(p, facts(p, 1, listed=False), request(100 * W)).fast_lane_days is None


def test_yongzhidai_prices_a_long_loan_on_the_five_year_lpr_and_carries_its_support() -> None:
    p = product("yongzhidai")
    f = facts(p, 1)
    d = decide(p, f, request(100 * W, term=72, annual_sales=10000 * W))
    # term 72 > 60 months → 5-year LPR 3.50 + 1.20 − 0.60 = 4.10
    assert d.lpr_tenor == "5y" and d.lpr == D("3.50") and d.rate == D("4.10")
    d = decide(p, f, request(100 * W, term=60, annual_sales=10000 * W))
    assert d.lpr_tenor == "1y" and d.rate == D("3.60")
    assert (d.subsidy_rate, d.subsidy_cap, d.subsidy_months) == (D(3), 100 * W, 12)
    assert (
        d.covenant
        == "贷款资金不低于30%用于质量升级（设备更新、检验检测、认证、标准研制等），按季检查"
    )
    assert d.fast_lane_days == 5 and d.holiday_rule == "following"
    assert d.notes == (
        "贴息前提：企业将不低于 30% 的贷款用于质量升级，银行联合市场监管局按季核查达标",
        "风险补偿：宁波市质量融资风险补偿基金（据公开资料）",
    )


def test_yongzhidai_reaches_5yi_at_most() -> None:
    p = product("yongzhidai")
    d = decide(p, facts(p, 1), request(100 * W, annual_sales=200_000 * W))
    # 20亿 × 30 % × 1.5 = 9亿 → capped at 5亿
    assert factor(d, "credit").amount == 90_000 * W and d.limit == 50_000 * W


def test_xingbaodai_charges_the_guarantee_fee() -> None:
    p = product("xingbaodai")
    d = decide(p, facts(p, 3), request(300 * W))
    assert d.guarantee_fee_rate == D("0.5") and d.limit == 500 * W and d.fast_lane_days == 3


def test_stacking_max_takes_the_largest_discount() -> None:
    p = variant("luzhidai", lambda data: data["pricing"].update(stacking="max"))
    f = facts(p, 1, awards=frozenset({"政府质量奖"}), titles=frozenset({"专精特新小巨人"}))
    d = decide(p, f, request(100 * W))
    # max(50 class, 40 award, 30 专精特新) = 50 → 3.00 + 2.40 − 0.50
    assert d.rate == D("4.90")
    assert factor(d, "stacking").reason == "多项优惠不叠加，取最大一项「Ⅰ类（优秀）企业优惠」"


def test_rate_cap_holds_the_rate_down() -> None:
    p = variant("zhongshangdai", lambda data: data["pricing"].update(cap="4.00"))
    d = decide(p, facts(p, 3), request(50 * W, method=REVOLVING))
    # 3.00 + 3.00 = 6.00 > cap 4.00
    assert d.rate == D("4.00") and factor(d, "cap").value == "4.0000%"


def test_missing_lpr_tenor_is_an_error_not_a_guess() -> None:
    p = product("yongzhidai")
    with pytest.raises(ValueError, match="5年期以上"):
        decide(p, facts(p, 1), request(100 * W, term=72, annual_sales=W), {"1y": D("3.00")})


# -- properties over every product ----------------------------------------------------------------

CODES = loader.shipped()


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from(CODES),
    rank=st.one_of(st.none(), st.integers(1, 5)),
    listed=st.booleans(),
    amount=st.decimals(min_value=1, max_value=10**9, places=2),
    term=st.integers(1, 130),
    method=st.sampled_from(list(Method)),
    sales=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**10, places=2)),
    patent=st.decimals(min_value=0, max_value=10**9, places=2),
    score=st.decimals(min_value=0, max_value=100, places=2),
    patents=st.integers(0, 10),
    growth=st.one_of(st.none(), st.decimals(min_value=-50, max_value=200, places=1)),
    lpr1=st.decimals(min_value=D("0.5"), max_value=D("6"), places=2),
)
def test_every_decision_is_well_formed(
    code: str,
    rank: int | None,
    listed: bool,
    amount: Decimal,
    term: int,
    method: Method,
    sales: Decimal | None,
    patent: Decimal,
    score: Decimal,
    patents: int,
    growth: Decimal | None,
    lpr1: Decimal,
) -> None:
    p = product(code)
    rank = None if rank is None or rank > len(p.levels) else rank
    f = facts(p, rank, listed=listed, total_score=score, valid_invention_patents=patents)
    r = request(
        amount,
        term=term,
        method=method,
        annual_sales=sales,
        collateral=(Collateral(CollateralKind.patent, patent),),
        invoicing_growth=growth,
    )
    d = decide(p, f, r, {"1y": lpr1, "5y": lpr1 + D("0.5")})
    assert d.eligible == (not d.reasons)
    assert 0 <= d.limit <= p.amount.max
    assert d.limit == d.limit.quantize(D("0.01"))
    assert d.rate.as_tuple().exponent == -4
    if p.pricing.floor is not None:
        assert d.rate >= p.pricing.floor
    if d.eligible:
        assert listed and amount <= d.limit and method in p.methods
    # the rate never rises above LPR + spread unless the floor lifts it
    ceiling = d.lpr + D(p.pricing.spread_bp) / 100
    assert d.rate <= max(ceiling, p.pricing.floor or ceiling)
    assert factor(d, "rate").amount == d.rate


def test_auto_decision_gives_the_fast_lane_from_the_minimum_score_inclusive() -> None:
    from zhixin.products.rules import fast_lane_by_score

    assert fast_lane_by_score(Decimal("55.00"), Decimal(55)) is True
    assert fast_lane_by_score(Decimal("54.99"), Decimal(55)) is False
    assert fast_lane_by_score(None, Decimal(55)) is False  # not scored: the ordinary way
    assert fast_lane_by_score(None, None) is True  # no minimum stated: the product's lane
