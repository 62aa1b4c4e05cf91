"""The price a product gives (pure): LPR + spread − discounts, capped, floored.

The LPR is the 1-year one, the 5-year-and-over one, or chosen by term (over 60 months → 5-year).
Discounts whose condition holds are stacked (sum, or the largest one), the rate cuts of the met
tranches are added, the total is capped (``max_discount_bp``); the result is held between the
floor and the cap, then quantized half-up to 4 decimals. Every discount is listed, applied or
not, with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from zhixin.products import text
from zhixin.products.conditions import evaluate
from zhixin.products.schema import AUTO_TENOR_MONTHS, Product
from zhixin.products.terms import Factor, Facts, QuoteRequest

TENOR_NAMES = {"1y": "1年期", "5y": "5年期以上"}


def tenor_for(product: Product, term_months: int) -> str:
    tenor = product.pricing.lpr_tenor
    if tenor == "auto":
        return "5y" if term_months > AUTO_TENOR_MONTHS else "1y"
    return tenor


@dataclass(frozen=True)
class RateResult:
    tenor: str
    lpr: Decimal
    rate: Decimal
    components: tuple[Factor, ...]


def compute_rate(
    product: Product,
    facts: Facts,
    request: QuoteRequest,
    rank: int | None,
    lpr: Mapping[str, Decimal],
) -> RateResult:
    p = product.pricing
    tenor = tenor_for(product, request.term_months)
    if tenor not in lpr:
        raise ValueError(f"缺少{TENOR_NAMES[tenor]} LPR")
    base = lpr[tenor]
    why_tenor = f"{request.on.isoformat()} 适用的{TENOR_NAMES[tenor]} LPR"
    if p.lpr_tenor == "auto":
        over = request.term_months > AUTO_TENOR_MONTHS
        why_tenor += f"（期限 {request.term_months} 个月{'超过' if over else '不超过'} 5 年）"
    parts = [
        Factor(
            "lpr", f"贷款市场报价利率（{TENOR_NAMES[tenor]} LPR）", text.pct4(base), why_tenor, base
        ),
        Factor(
            "spread",
            "加点",
            text.bp(p.spread_bp),
            "本产品在 LPR 基础上的加点",
            Decimal(p.spread_bp),
        ),
    ]
    applied: list[tuple[str, int]] = []
    for d in p.discounts:
        check = evaluate(product, d.when, facts, request, rank)
        code = f"discount:{d.code}"
        if check.met:
            applied.append((d.label, d.bp))
            parts.append(Factor(code, d.label, text.bp(-d.bp), check.why(), Decimal(-d.bp)))
        else:
            parts.append(Factor(code, d.label, "未适用", check.why()))
    if p.stacking == "max" and applied:
        label, stacked = max(applied, key=lambda a: a[1])
        if len(applied) > 1:
            parts.append(
                Factor(
                    "stacking",
                    "叠加规则",
                    text.bp(-stacked),
                    f"多项优惠不叠加，取最大一项「{label}」",
                    Decimal(-stacked),
                )
            )
    else:
        stacked = sum(b for _, b in applied)
    cuts = 0
    for spec in product.tranches:
        if spec.rate_cut_bp and spec.milestone in request.milestones_met:
            cuts += spec.rate_cut_bp
            label = product.milestone_label(spec.milestone)
            parts.append(
                Factor(
                    f"tranche:{spec.milestone}",
                    "动态增信降息",
                    text.bp(-spec.rate_cut_bp),
                    f"已达成里程碑「{label}」",
                    Decimal(-spec.rate_cut_bp),
                )
            )
    total = stacked + cuts
    if p.max_discount_bp is not None and total > p.max_discount_bp:
        parts.append(
            Factor(
                "discount_cap",
                "优惠封顶",
                text.bp(-p.max_discount_bp),
                f"优惠合计 {total}bp 超过本产品上限 {p.max_discount_bp}bp，"
                f"按 {p.max_discount_bp}bp 计",
                Decimal(-p.max_discount_bp),
            )
        )
        total = p.max_discount_bp
    rate = base + Decimal(p.spread_bp - total) / text.HUNDRED
    computed = rate
    if p.floor is not None and rate < p.floor:
        parts.append(
            Factor(
                "floor",
                "最低执行利率",
                text.pct4(p.floor),
                f"计算利率 {text.pct4(computed)} 低于本产品最低执行利率，"
                f"按 {text.pct4(p.floor)} 执行",
                p.floor,
            )
        )
        rate = p.floor
    if p.cap is not None and rate > p.cap:
        parts.append(
            Factor(
                "cap",
                "最高执行利率",
                text.pct4(p.cap),
                f"计算利率 {text.pct4(computed)} 高于本产品最高执行利率，"
                f"按 {text.pct4(p.cap)} 执行",
                p.cap,
            )
        )
        rate = p.cap
    rate = text.q4(rate)
    sign = "+" if p.spread_bp >= 0 else "−"
    formula = f"LPR {text.pct4(base)} {sign} 加点 {abs(p.spread_bp)}bp"
    if total:
        formula += f" − 优惠 {total}bp"
    formula += f" = {text.pct4(computed)}"
    if rate != text.q4(computed):
        formula += f"，按{'最低' if rate > computed else '最高'}执行利率 {text.pct4(rate)}"
    parts.append(Factor("rate", "执行利率", text.pct4(rate), formula, rate))
    return RateResult(tenor, base, rate, tuple(parts))
