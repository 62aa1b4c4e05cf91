"""What a product makes of an enterprise and a request: eligibility, limit and price (pure).

``decide(product, facts, request, lpr)`` returns a :class:`~zhixin.products.terms.Decision`:

1. **Automatic rules** run first, on the class the enterprise was graded (众商贷: no quality
   penalty in two years and quarterly invoicing growth > 15 % → the class is raised one notch).
   The class after them (``effective_class``) is what eligibility, limit and price read.
2. **Eligibility**: every unmet condition is a reason, in Chinese, with what the product allows
   — whitelist, grade, size, region, age, penalties, titles, amount, term, method, collateral.
3. **Limit** = min(credit part + collateral parts, base cap) + the tranches whose milestone was
   met, at most the product's maximum. The credit part is the base (annual sales × ratio, a fixed
   amount, or the class's tier) × the class's coefficient (额度核定系数); each collateral part is
   its appraised value × the pledge rate of its kind (the first raised rate whose condition holds,
   else the ordinary one). Each part is rounded half-up to the fen once, where it is computed;
   sums and caps of fen amounts stay exact. A request above the limit is refused with the limit.
4. **Rate** = LPR (1-year, 5-year, or by term: over 60 months → 5-year) + spread − discounts.
   Discounts whose condition holds are stacked (sum, or the largest one), the rate cuts of the met
   tranches are added, the total is capped (``max_discount_bp``); the result is held between the
   floor and the cap, then quantized half-up to 4 decimals. Every discount is listed, applied or
   not, with the reason.

The limit is worked out even when the enterprise is not eligible, so the page can show why.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from zhixin.accounts.rules import TenantKind
from zhixin.kit.divisions import region_name
from zhixin.products import text
from zhixin.products.conditions import Check, evaluate
from zhixin.products.limits import compute_limit, pledge_rate
from zhixin.products.pricing import compute_rate, tenor_for
from zhixin.products.schema import Grade, Product
from zhixin.products.terms import Decision, Factor, Facts, QuoteRequest

__all__ = [
    "Check",
    "apply_auto_rules",
    "compute_limit",
    "compute_rate",
    "decide",
    "eligibility_reasons",
    "evaluate",
    "pledge_rate",
    "request_reasons",
    "tenor_for",
]


# -- automatic rules -----------------------------------------------------------------------------


def graded_rank(product: Product, facts: Facts) -> int | None:
    """The enterprise's class rank under this product's catalog (None when not graded there)."""
    if facts.catalog_name is not None and facts.catalog_name != product.catalog:
        return None
    rank = facts.class_rank
    if rank is None or not 1 <= rank <= len(product.levels):
        return None
    return rank


def apply_auto_rules(
    product: Product, facts: Facts, request: QuoteRequest
) -> tuple[int | None, tuple[Factor, ...]]:
    """The class rank after the product's automatic rules, and each rule with its outcome."""
    rank = graded_rank(product, facts)
    out: list[Factor] = []
    for rule in product.auto_rules:
        check = evaluate(product, rule.when, facts, request, rank)
        if not check.met:
            out.append(Factor(rule.code, rule.label, "未触发", check.why(), Decimal(0)))
        elif rank is None:
            reason = check.why() + "；但尚无总体等级，无从上调"
            out.append(Factor(rule.code, rule.label, "未触发", reason, Decimal(0)))
        elif rank == 1:
            reason = check.why() + f"；已是最高等级{text.rank_name(product, 1)}，无需上调"
            out.append(Factor(rule.code, rule.label, "已是最高等级", reason, Decimal(0)))
        else:
            raised = max(1, rank - rule.raise_notches)
            value = f"{text.rank_name(product, rank)} → {text.rank_name(product, raised)}"
            reason = check.why() + f"；等级上调 {rank - raised} 级"
            out.append(Factor(rule.code, rule.label, value, reason, Decimal(rank - raised)))
            rank = raised
    return rank, tuple(out)


# -- eligibility ---------------------------------------------------------------------------------


def _grade_reason(product: Product, grade: Grade, facts: Facts, rank: int | None) -> str | None:
    if grade.overall is not None:
        need = product.rank_of(grade.overall)
        if rank is not None and need is not None and rank <= need:
            return None
    for d in grade.dimensions:
        have = facts.dimension_levels.get(d.dimension)
        need = product.rank_of(d.level)
        have_rank = product.rank_of(have) if have is not None else None
        if have_rank is not None and need is not None and have_rank <= need:
            return None
    wants = []
    if grade.overall is not None:
        wants.append(f"总体等级不低于{text.class_name(product, grade.overall)}")
    for d in grade.dimensions:
        wants.append(
            f"{text.dimension_name(d.dimension)}维度不低于{text.class_name(product, d.level)}"
        )
    if not wants:
        return None
    have_text = (
        f"总体等级为{text.rank_name(product, rank)}" if rank is not None else "尚无总体质量信誉等级"
    )
    return f"{have_text}，本产品要求{'，或'.join(wants)}"


def eligibility_reasons(
    product: Product, facts: Facts, request: QuoteRequest, rank: int | None
) -> list[str]:
    """Every way the enterprise (as it stands) falls outside the product, in Chinese."""
    e = product.eligibility
    reasons: list[str] = []
    if facts.catalog_name is not None and facts.catalog_name != product.catalog:
        reasons.append(
            f"企业的等级评自「{facts.catalog_name}」指标目录，本产品采信「{product.catalog}」"
            "目录的等级"
        )
    if e.whitelisted and not facts.listed:
        reasons.append("未列入质量信誉经营主体白名单（本产品仅面向白名单企业）")
    if e.grade is not None:
        found = _grade_reason(product, e.grade, facts, rank)
        if found:
            reasons.append(found)
    if e.size_classes:
        allowed = text.joined([text.SIZE_LABELS[s] for s in e.size_classes])
        if facts.size_class is None:
            reasons.append(f"未登记企业规模（本产品仅面向{allowed}企业）")
        elif facts.size_class not in e.size_classes:
            size = text.SIZE_LABELS.get(facts.size_class, facts.size_class)
            reasons.append(f"企业规模为{size}，本产品仅面向{allowed}企业")
    if e.regions:
        allowed = text.joined([f"{r.name}（{r.prefix}）" for r in e.regions])
        code = facts.region_code
        if code is None:
            reasons.append(f"未登记注册地行政区划，本产品服务范围：{allowed}")
        elif not any(code.startswith(r.prefix) for r in e.regions):
            name = region_name(code)
            where = f"注册地{name}" if name != code else f"注册地行政区划 {code}"
            reasons.append(f"{where}不在本产品服务范围：{allowed}")
    if e.min_age_months is not None:
        age = facts.age_months
        if age is None:
            reasons.append(f"未登记成立日期（本产品要求成立满 {e.min_age_months} 个月）")
        elif age < e.min_age_months:
            reasons.append(f"成立 {age} 个月，本产品要求成立满 {e.min_age_months} 个月")
    if e.max_quality_penalties_2y is not None and facts.quality_penalties_2y > (
        most := e.max_quality_penalties_2y
    ):
        wants = "近两年无质量类行政处罚" if most == 0 else f"近两年质量类行政处罚不超过 {most} 次"
        reasons.append(f"近两年有 {facts.quality_penalties_2y} 次质量类行政处罚，本产品要求{wants}")
    if e.titles_any and not set(e.titles_any) & facts.titles:
        reasons.append(f"未持有本产品要求的称号（{'或'.join(e.titles_any)}）")
    return reasons


def request_reasons(product: Product, request: QuoteRequest) -> list[str]:
    """The amount, term and method against the product's ranges."""
    reasons: list[str] = []
    lo, hi = product.amount.min, product.amount.max
    if request.amount <= 0:
        reasons.append("申请金额须大于 0")
    elif not lo <= request.amount <= hi:
        reasons.append(
            f"申请金额 {text.wan(request.amount)} 不在本产品金额范围"
            f" {text.wan_short(lo)}–{text.wan_short(hi)} 内"
        )
    t = product.term_months
    if not t.min <= request.term_months <= t.max:
        reasons.append(
            f"申请期限 {request.term_months} 个月不在本产品期限范围 {t.min}–{t.max} 个月内"
        )
    if request.method not in product.methods:
        allowed = text.joined([m.value for m in product.methods])
        reasons.append(f"还款方式「{request.method.value}」不适用于本产品（可选：{allowed}）")
    return reasons


# -- the decision --------------------------------------------------------------------------------


def fast_lane(product: Product, facts: Facts, rank: int | None) -> int | None:
    s = product.service
    if s.fast_lane_days is None or not facts.listed:
        return None
    if s.fast_lane_min_class is not None:
        need = product.rank_of(s.fast_lane_min_class)
        if rank is None or need is None or rank > need:
            return None
    return s.fast_lane_days


def decide(
    product: Product, facts: Facts, request: QuoteRequest, lpr: Mapping[str, Decimal]
) -> Decision:
    """Eligibility with every reason, the limit with each factor, the rate with each component."""
    rank, auto = apply_auto_rules(product, facts, request)
    reasons = eligibility_reasons(product, facts, request, rank)
    reasons += request_reasons(product, request)
    limited = compute_limit(product, facts, request, rank)
    reasons += limited.reasons
    in_range = product.amount.min <= request.amount <= product.amount.max
    if in_range and request.amount > limited.limit:
        reasons.append(
            f"申请金额 {text.wan(request.amount)} 超过可贷额度 {text.wan(limited.limit)}"
        )
    priced = compute_rate(product, facts, request, rank, lpr)
    support = product.support
    notes = list(limited.notes)
    subsidy = support.subsidy
    if subsidy is not None and subsidy.condition:
        notes.append(f"贴息前提：{subsidy.condition}")
    if support.risk_compensation:
        notes.append(f"风险补偿：{support.risk_compensation}")
    covenant = product.service.covenant
    return Decision(
        eligible=not reasons,
        reasons=tuple(reasons),
        limit=limited.limit,
        limit_factors=limited.factors,
        lpr_tenor=priced.tenor,
        lpr=priced.lpr,
        rate=priced.rate,
        rate_components=priced.components,
        tranches=limited.tranches,
        guarantee_fee_rate=support.guarantee.fee_rate if support.guarantee else Decimal(0),
        subsidy_rate=subsidy.points if subsidy else Decimal(0),
        subsidy_cap=subsidy.cap if subsidy else None,
        subsidy_months=subsidy.months if subsidy else None,
        fee_waivers=tuple(support.fee_waivers),
        fast_lane_days=fast_lane(product, facts, rank),
        covenant=text.covenant(covenant) if covenant else None,
        holiday_rule=product.service.holiday_rule,
        auto_rules=auto,
        effective_class=product.level_name(rank),
        notes=tuple(notes),
    )


def sees_internal_pricing(tenant_kind: TenantKind | None) -> bool:
    """Whether a user of ``tenant_kind`` may see a product's RAROC inputs (PD, LGD, funding and
    operating cost, capital, hurdle): a bank's users only (``None``: the operator's own
    processes, the CLI). An enterprise — and every other tenant — sees what a borrower is shown,
    on the product and on every quote (issue 15, item 10)."""
    return tenant_kind is None or tenant_kind == TenantKind.bank


def fast_lane_by_score(score: Decimal | None, minimum: Decimal | None) -> bool:
    """``risk_model.use_for: auto_decision``: whether a model score earns the fast lane (at or
    above the product's minimum, inclusive); an enterprise not scored never does."""
    if minimum is None:
        return True
    return score is not None and score >= minimum


# -- a figure implausible for its unit ---------------------------------------------------------

UNIT_SLACK = Decimal(10)  # a figure ten times the product's maximum is not a request: a unit slip


def looks_like_yuan(amount: Decimal, product_max: Decimal) -> bool:
    """Whether ``amount`` (元, read from a figure typed in 万元) is so far above the product's
    maximum that the figure was most likely typed in 元 (1,500,000 万元 for a product of at most
    700 万元): the page asks "您是否输入的是元？" before submitting (issue 21 item 4)."""
    return amount > product_max * UNIT_SLACK
