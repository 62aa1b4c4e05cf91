"""The limit (可贷额度) a product grants (pure).

Limit = min(credit part + collateral parts, base cap) + the tranches whose milestone was met, at
most the product's maximum. The credit part is the base (annual sales × ratio, a fixed amount, or
the class's tier) × the class's coefficient (额度核定系数); each collateral part is its appraised
value × the pledge rate of its kind (the first raised rate whose condition holds, else the
ordinary one). Each part is rounded half-up to the fen once, where it is computed; sums and caps
of fen amounts stay exact. Parts of a combination are shown with their share of the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from zhixin.products import text
from zhixin.products.conditions import evaluate
from zhixin.products.schema import Pledge, Product
from zhixin.products.terms import CollateralKind, Factor, Facts, QuoteRequest, Tranche


@dataclass(frozen=True)
class LimitResult:
    limit: Decimal
    factors: tuple[Factor, ...]
    reasons: tuple[str, ...]
    notes: tuple[str, ...]
    tranches: tuple[Tranche, ...]


def pledge_rate(
    product: Product,
    pledge: Pledge,
    facts: Facts,
    request: QuoteRequest,
    rank: int | None,
) -> tuple[Decimal, str]:
    """The pledge rate that applies to ``pledge`` and why."""
    misses = []
    for raised in pledge.raised:
        check = evaluate(product, raised.when, facts, request, rank)
        if check.met:
            return raised.rate, (
                f"{check.why()} → 质押率 {text.pct(raised.rate)}（常规 {text.pct(pledge.rate)}）"
            )
        misses.append(check.why())
    if misses:
        return (
            pledge.rate,
            f"未满足提高质押率的条件（{'；'.join(misses)}），按常规 {text.pct(pledge.rate)}",
        )
    return pledge.rate, f"{pledge.kind.value}常规抵质押率"


def _credit_part(
    product: Product, facts: Facts, request: QuoteRequest, rank: int | None
) -> tuple[Decimal, list[Factor], list[str]]:
    base = product.limit.base
    if base is None:
        return Decimal(0), [], []
    factors: list[Factor] = []
    reasons: list[str] = []
    if base.kind == "sales":
        ratio = base.sales_ratio or Decimal(0)
        sales = request.annual_sales
        if sales is None:
            reasons.append("本产品按上年度销售收入核定额度，请提供上年度销售收入")
            amount = Decimal(0)
            why = f"未提供上年度销售收入（基础额度 = 销售收入 × {text.pct(ratio)}）"
        else:
            amount = text.fen(sales * ratio / text.HUNDRED)
            why = f"上年度销售收入 {text.wan(sales)} × {text.pct(ratio)}"
    elif base.kind == "fixed":
        amount = base.amount or Decimal(0)
        why = "本产品固定基础额度"
    else:
        tiers = {product.rank_of(t.level): t.amount for t in base.tiers}
        if rank is None:
            amount, why = Decimal(0), "尚无总体等级，没有分档额度"
        else:
            amount = tiers.get(rank, Decimal(0))
            why = f"{text.rank_name(product, rank)}企业的分档额度"
    factors.append(Factor("base", "基础额度", text.wan(amount), why, amount))
    if not product.limit.coefficients:
        return amount, factors, reasons
    coefficients = {product.rank_of(c.level): c.factor for c in product.limit.coefficients}
    if rank is None:
        factors.append(
            Factor("coefficient", "额度核定系数", "×1", "尚无总体等级，不调整", Decimal(1))
        )
        return amount, factors, reasons
    coefficient = coefficients[rank]
    credit = text.fen(amount * coefficient)
    factors.append(
        Factor(
            "coefficient",
            "额度核定系数",
            f"×{text.plain(coefficient)}",
            f"{text.rank_name(product, rank)}企业的额度核定系数",
            coefficient,
        )
    )
    factors.append(
        Factor(
            "credit",
            "信用额度",
            text.wan(credit),
            f"{text.wan(amount)} × {text.plain(coefficient)}",
            credit,
        )
    )
    return credit, factors, reasons


def _collateral_parts(
    product: Product, facts: Facts, request: QuoteRequest, rank: int | None
) -> tuple[list[tuple[CollateralKind, Decimal]], list[Factor], list[str], list[str]]:
    accepted = {p.kind: p for p in product.limit.collateral}
    values: dict[CollateralKind, Decimal] = {}
    notes: list[str] = []
    for c in request.collateral:
        if c.kind not in accepted:
            if accepted:
                notes.append(
                    f"押品「{c.kind.value}」不在本产品接受范围"
                    f"（可接受：{text.joined([k.value for k in accepted])}），未计入额度"
                )
            else:
                notes.append(f"本产品为{product.kind}，押品「{c.kind.value}」不计入额度")
            continue
        values[c.kind] = values.get(c.kind, Decimal(0)) + c.value
    parts: list[tuple[CollateralKind, Decimal]] = []
    factors: list[Factor] = []
    reasons: list[str] = []
    for kind, pledge in accepted.items():
        if kind not in values:
            continue
        rate, why = pledge_rate(product, pledge, facts, request, rank)
        value = values[kind]
        part = text.fen(value * rate / text.HUNDRED)
        factors.append(
            Factor(f"pledge_rate:{kind.name}", f"{kind.value}抵质押率", text.pct(rate), why, rate)
        )
        factors.append(
            Factor(
                f"collateral:{kind.name}",
                f"{kind.value}押品额度",
                text.wan(part),
                f"评估价值 {text.wan(value)} × 抵质押率 {text.pct(rate)}",
                part,
            )
        )
        parts.append((kind, part))
    if accepted and product.kind in ("质押", "组合") and not parts:
        kinds = text.joined([k.value for k in accepted])
        reasons.append(f"本产品须提供押品（可接受：{kinds}）及其评估价值")
    return parts, factors, reasons, notes


def compute_limit(
    product: Product, facts: Facts, request: QuoteRequest, rank: int | None
) -> LimitResult:
    credit, factors, reasons = _credit_part(product, facts, request, rank)
    parts, c_factors, c_reasons, notes = _collateral_parts(product, facts, request, rank)
    factors += c_factors
    reasons += c_reasons
    named: list[tuple[str, str, Decimal]] = []
    if product.limit.base is not None:
        named.append(("credit", "信用部分", credit))
    named += [(k.name, f"{k.value}押品部分", v) for k, v in parts]
    subtotal = sum((v for _, _, v in named), Decimal(0))
    if len([v for _, _, v in named if v > 0]) > 1:
        factors.append(
            Factor(
                "subtotal",
                "组合额度合计",
                text.wan(subtotal),
                " + ".join(f"{label} {text.wan(v)}" for _, label, v in named),
                subtotal,
            )
        )
        for code, label, v in named:
            share = (v / subtotal * text.HUNDRED).quantize(text.FEN)
            factors.append(
                Factor(
                    f"share:{code}",
                    f"{label}占比",
                    text.pct(share),
                    f"{text.wan(v)} ÷ 合计 {text.wan(subtotal)}",
                    share,
                )
            )
    cap = product.limit.cap if product.limit.cap is not None else product.amount.max
    limit = subtotal
    if subtotal > cap:
        factors.append(
            Factor(
                "cap",
                "基础授信上限",
                text.wan(cap),
                f"核定额度 {text.wan(subtotal)} 超过本产品基础授信上限，按上限核定",
                cap,
            )
        )
        limit = cap
    tranches: list[Tranche] = []
    for spec in product.tranches:
        met = spec.milestone in request.milestones_met
        label = product.milestone_label(spec.milestone)
        tranches.append(Tranche(spec.milestone, label, spec.amount, spec.rate_cut_bp, met))
        if met:
            limit += spec.amount
            factors.append(
                Factor(
                    f"tranche:{spec.milestone}",
                    "动态增信额度",
                    "+" + text.wan(spec.amount),
                    f"已达成里程碑「{label}」",
                    spec.amount,
                )
            )
    if limit > product.amount.max:
        factors.append(
            Factor(
                "max",
                "单户最高额度",
                text.wan(product.amount.max),
                f"额度 {text.wan(limit)} 超过本产品单户最高金额，按最高金额核定",
                product.amount.max,
            )
        )
        limit = product.amount.max
    factors.append(Factor("limit", "可贷额度", text.wan(limit), "以上各项核定的结果", limit))
    return LimitResult(limit, tuple(factors), tuple(reasons), tuple(notes), tuple(tranches))
