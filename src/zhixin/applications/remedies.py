"""Remedies a joint consultation (联合会诊) suggests for a refused application (pure).

Given the refused application, the product decisions over every current product for the same
enterprise (``products.rules.decide``), the evaluation's advice per dimension and the missing
materials, pick: the quality elements that would raise the grade, guarantee products (保证担保)
that could cover the gap, other products the enterprise is eligible for, and materials to
complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from zhixin.products.terms import Decision

GUARANTEE_KIND = "保证担保"


@dataclass(frozen=True)
class ProductOption:
    code: str
    name: str
    bank_name: str
    kind: str
    decision: Decision


@dataclass(frozen=True)
class Suggestion:
    kind: str  # quality / guarantee / product / materials
    title: str
    detail: str
    product_code: str | None = None
    limit: Decimal | None = None
    rate: Decimal | None = None
    covers: bool | None = None  # a product: does its limit cover the gap / the amount


@dataclass(frozen=True)
class Remedies:
    gap: Decimal
    quality: tuple[Suggestion, ...]
    guarantee: tuple[Suggestion, ...]
    products: tuple[Suggestion, ...]
    materials: tuple[Suggestion, ...]

    @property
    def all(self) -> tuple[Suggestion, ...]:
        return self.quality + self.guarantee + self.products + self.materials


KIND_LABELS = {
    "quality": "提升质量信誉等级",
    "guarantee": "引入政府性融资担保",
    "product": "改投其他可准入产品",
    "materials": "补齐申请材料",
}


def gap(amount: Decimal, original: Decision) -> Decimal:
    """What the refused product did not cover: the whole amount when not eligible, else the
    part above its limit (zero when the limit covered the amount)."""
    if not original.eligible:
        return amount
    return max(Decimal(0), amount - original.limit)


def _wan(v: Decimal) -> str:
    return f"{(v / Decimal(10000)).quantize(Decimal('0.01')):,}万元"


def _product(o: ProductOption, kind: str, need: Decimal) -> Suggestion:
    d = o.decision
    covers = d.limit >= need
    enough = "可覆盖" if covers else "不足以覆盖"
    detail = (
        f"{o.bank_name}，{o.kind}，可贷额度 {_wan(d.limit)}（{enough}{_wan(need)}），"
        f"执行利率 {d.rate}%"
    )
    if d.guarantee_fee_rate:
        detail += f"，担保费率 {d.guarantee_fee_rate}%/年"
    if d.fast_lane_days:
        detail += f"，白名单快速通道 {d.fast_lane_days} 个工作日"
    return Suggestion(kind, o.name, detail, o.code, d.limit, d.rate, covers)


def _order(s: Suggestion) -> tuple[int, Decimal, Decimal, str]:
    assert s.limit is not None and s.rate is not None
    return (0 if s.covers else 1, s.rate, -s.limit, s.product_code or "")


def guarantee_options(
    options: Iterable[ProductOption], *, original_code: str, need: Decimal
) -> list[Suggestion]:
    """Eligible guarantee products other than the refused one: those covering the gap first,
    then the cheapest rate, then the largest limit."""
    picked = [
        _product(o, "guarantee", need)
        for o in options
        if o.kind == GUARANTEE_KIND
        and o.decision.eligible
        and o.code != original_code
        and o.decision.limit > 0
    ]
    return sorted(picked, key=_order)


def other_products(
    options: Iterable[ProductOption], *, original_code: str, amount: Decimal
) -> list[Suggestion]:
    """Eligible non-guarantee products other than the refused one, covering the amount first,
    then by rate and limit."""
    picked = [
        _product(o, "product", amount)
        for o in options
        if o.kind != GUARANTEE_KIND
        and o.decision.eligible
        and o.code != original_code
        and o.decision.limit > 0
    ]
    return sorted(picked, key=_order)


def quality_advice(advice: Iterable[tuple[str, str]]) -> list[Suggestion]:
    """(dimension name, advice text) from the evaluation's explanation."""
    return [Suggestion("quality", f"{dim}：提升一级", text) for dim, text in advice if text]


def material_gaps(missing: Iterable[str]) -> list[Suggestion]:
    return [Suggestion("materials", label, "补齐后可重新提交申请") for label in missing]


def suggest(
    *,
    amount: Decimal,
    original_code: str,
    original: Decision,
    options: Sequence[ProductOption],
    advice: Iterable[tuple[str, str]],
    missing_materials: Iterable[str],
) -> Remedies:
    need = gap(amount, original)
    return Remedies(
        gap=need,
        quality=tuple(quality_advice(advice)),
        guarantee=tuple(
            guarantee_options(options, original_code=original_code, need=need or amount)
        ),
        products=tuple(other_products(options, original_code=original_code, amount=amount)),
        materials=tuple(material_gaps(missing_materials)),
    )
