"""How products show numbers and conditions to people (pure): 万元, %, bp, Chinese phrases."""

from __future__ import annotations

from decimal import Decimal

# the one place money and rates are rounded is the lending core's; re-exported for products
from zhixin.lending.money import FEN as FEN
from zhixin.lending.money import HUNDRED as HUNDRED
from zhixin.lending.money import fen as fen
from zhixin.lending.money import q4 as q4
from zhixin.products.schema import CADENCE_LABELS, Condition, Covenant, Product

WAN = Decimal(10_000)


def plain(value: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 30, 40.89, 0.5."""
    text = format(value.normalize(), "f")
    return text


def wan(amount: Decimal) -> str:
    """Yuan shown in 万元 with two decimals and thousands separators: 2,600.00万元."""
    return f"{fen(amount / WAN):,}万元"


def wan_short(amount: Decimal) -> str:
    """A range end as people write it: 500万元, 1,000万元, 5亿元, 30.5万元."""
    if amount >= Decimal(100_000_000) and amount % Decimal(1_000_000) == 0:
        return f"{plain(amount / Decimal(100_000_000))}亿元"
    return f"{(amount / WAN).normalize():,f}万元"


def pct4(rate: Decimal) -> str:
    """An annual rate as contracts write it: 3.0000%."""
    return f"{q4(rate)}%"


def pct(value: Decimal) -> str:
    """A percentage without needless zeros: 60%, 40.89%, 0.5%."""
    return f"{plain(value)}%"


def bp(value: int) -> str:
    """+190bp / -50bp / 0bp."""
    return f"+{value}bp" if value > 0 else f"{value}bp"


def joined(items: list[str] | tuple[str, ...]) -> str:
    return "、".join(items)


def class_name(product: Product, ref: int | str) -> str:
    name = product.level_name(product.rank_of(ref))
    return name if name is not None else str(ref)


def condition(product: Product, when: Condition) -> str:
    """A condition as one Chinese phrase: 总体等级不低于Ⅱ类，且持有称号之一：专精特新小巨人."""
    parts: list[str] = []
    if when.class_at_least is not None:
        name = class_name(product, when.class_at_least)
        best = product.rank_of(when.class_at_least) == 1
        parts.append(f"总体等级为{name}" if best else f"总体等级不低于{name}")
    if when.class_in:
        parts.append("总体等级为" + "或".join(class_name(product, r) for r in when.class_in))
    if when.whitelisted:
        parts.append("已列入白名单")
    if when.award_any:
        parts.append("近五年获" + "或".join(when.award_any))
    if when.title_any:
        parts.append("持有称号：" + "或".join(when.title_any))
    if when.milestone is not None:
        parts.append(f"达成里程碑「{product.milestone_label(when.milestone)}」")
    if when.total_score_above is not None:
        parts.append(f"质量信誉总分高于 {plain(when.total_score_above)} 分")
    if when.min_invention_patents is not None:
        parts.append(f"有效发明专利不少于 {when.min_invention_patents} 件")
    if when.quality_penalties_at_most is not None:
        n = when.quality_penalties_at_most
        parts.append("近两年无质量类行政处罚" if n == 0 else f"近两年质量类行政处罚不超过 {n} 次")
    if when.invoicing_growth_above is not None:
        parts.append(f"季度开票额同比增长高于 {pct(when.invoicing_growth_above)}")
    return "，且".join(parts)


def covenant(c: Covenant) -> str:
    """贷款资金不低于30%用于质量提升（…），按季检查."""
    return f"贷款资金不低于{pct(c.share)}用于{c.use}，{CADENCE_LABELS[c.cadence]}检查"


DIMENSION_NAMES: dict[str, str] = {
    "credit": "质量信用",
    "management": "质量管理",
    "brand": "质量品牌",
    "infrastructure": "质量基础",
    "innovation": "质量创新",
}
SIZE_LABELS: dict[str, str] = {"大": "大型", "中": "中型", "小": "小型", "微": "微型"}


def dimension_name(code: str) -> str:
    return DIMENSION_NAMES.get(code, code)


def rank_name(product: Product, rank: int | None) -> str:
    return product.level_name(rank) or "无等级"
