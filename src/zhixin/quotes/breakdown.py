"""A quote's parts as the API shows them: grade, request, schedule, costs and RAROC.

``costs`` prices the schedule for the borrower: the guarantee fee and the interest subsidy
(amounts from :mod:`zhixin.quotes.rules`), the 年化利率 of the flows before subsidy and the
effective annual cost after it, each line with the reason it is there. Never touches the database.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from zhixin.catalog import service as catalogs
from zhixin.errors import NotFound
from zhixin.products.schema import Product
from zhixin.products.terms import Decision, Factor, Facts, QuoteRequest
from zhixin.quotes import raroc as raroc_check
from zhixin.quotes import rules
from zhixin.quotes import schedule as schedules
from zhixin.quotes.schemas import (
    CollateralIn,
    CostOut,
    FactorOut,
    GradeOut,
    InstalmentOut,
    PaymentOut,
    RarocOut,
    RequestOut,
    ScheduleOut,
)


def factor(f: Factor) -> FactorOut:
    return FactorOut(code=f.code, label=f.label, value=f.value, reason=f.reason, amount=f.amount)


def factors(fs: tuple[Factor, ...] | list[Factor]) -> list[FactorOut]:
    return [factor(f) for f in fs]


@lru_cache(maxsize=32)
def _dimension_names(catalog: str) -> dict[str, str]:
    try:
        return {d.code: d.name for d in catalogs.get(catalog).catalog.dimensions}
    except NotFound:  # a catalog no longer shipped: codes are shown as they are
        return {}


def grade(facts: Facts, decision: Decision) -> GradeOut:
    names = _dimension_names(facts.catalog_name) if facts.catalog_name else {}
    return GradeOut(
        dimension_names={d: names.get(d, d) for d in facts.dimension_levels},
        listed=facts.listed,
        whitelist_version=facts.whitelist_version,
        evaluation_run_id=facts.evaluation_run_id,
        catalog_name=facts.catalog_name,
        overall_class=facts.overall_class,
        class_rank=facts.class_rank,
        effective_class=decision.effective_class,
        dimension_levels=dict(facts.dimension_levels),
        total_score=facts.total_score,
        valid_invention_patents=facts.valid_invention_patents,
        titles=sorted(facts.titles),
        awards=sorted(facts.awards),
        quality_penalties_2y=facts.quality_penalties_2y,
    )


def request_out(request: QuoteRequest) -> RequestOut:
    return RequestOut(
        amount=request.amount,
        term_months=request.term_months,
        method=request.method.value,
        on=request.on,
        annual_sales=request.annual_sales,
        collateral=[CollateralIn(kind=c.kind, value=c.value) for c in request.collateral],
        milestones_met=sorted(request.milestones_met),
        invoicing_growth=request.invoicing_growth,
    )


def schedule_out(
    sched: schedules.Schedule, request: QuoteRequest, rate: Decimal, rule: str
) -> ScheduleOut:
    items = [
        InstalmentOut(
            number=i.number,
            due=i.due,
            days=i.days,
            opening=i.opening,
            principal=i.principal,
            interest=i.interest,
            payment=i.payment,
            closing=i.closing,
        )
        for i in sched.instalments
    ]
    return ScheduleOut(
        amount=sum((i.principal for i in sched.instalments), Decimal(0)),
        method=request.method.value,
        rate=rate,
        start=request.on,
        maturity=items[-1].due if items else request.on,
        holiday_rule=rule,
        instalments=items,
        total_principal=sched.total_principal,
        total_interest=sched.total_interest,
        total_payment=sched.total_payment,
    )


def payments(ps: list[rules.Payment]) -> list[PaymentOut]:
    return [
        PaymentOut(number=p.number, on=p.on, days=p.days, base=p.base, amount=p.amount) for p in ps
    ]


def costs(sched: schedules.Schedule, decision: Decision, amount: Decimal, start: date) -> CostOut:
    periods = [
        rules.Period(
            number=i.number,
            start=i.due - timedelta(days=i.days),
            due=i.due,
            days=i.days,
            opening=i.opening,
            interest=i.interest,
        )
        for i in sched.instalments
    ]
    maturity = periods[-1].due if periods else start
    fees = rules.guarantee_fees(
        amount=amount, fee_rate=decision.guarantee_fee_rate, start=start, maturity=maturity
    )
    subs = rules.subsidies(
        periods,
        points=decision.subsidy_rate,
        start=start,
        months=decision.subsidy_months,
        cap=decision.subsidy_cap,
    )
    fee_total = sum((f.amount for f in fees), Decimal(0))
    sub_total = sum((s.amount for s in subs), Decimal(0))
    interest = sched.total_interest
    before = schedules.flows_of(sched, fees=[(f.on, f.amount) for f in fees])
    after = schedules.flows_of(
        sched, fees=[(f.on, f.amount) for f in fees] + [(s.on, -s.amount) for s in subs]
    )
    apr = schedules.annualised_rate(before)
    apr_after = schedules.annualised_rate(after) if subs else apr
    effective = interest + fee_total - sub_total
    lines = [
        FactorOut(
            code="interest",
            label="利息合计",
            value=rules.yuan_exact(interest),
            reason=(
                f"执行利率 {rules.pct(decision.rate)}，按实际天数/360 计息，共 {len(periods)} 期"
            ),
            amount=interest,
        )
    ]
    if fees:
        lines.append(
            FactorOut(
                code="guarantee_fee",
                label="担保费",
                value=rules.yuan_exact(fee_total),
                reason=(
                    f"担保费率 {rules.pct(decision.guarantee_fee_rate)}/年 × 贷款金额 "
                    f"{rules.yuan(amount)} × 实际天数/360，每个担保年度初预付，共 {len(fees)} 次"
                ),
                amount=fee_total,
            )
        )
    if subs:
        span = f"放款后 {decision.subsidy_months} 个月内" if decision.subsidy_months else "贷款期内"
        cap = (
            f"，封顶 {rules.yuan(decision.subsidy_cap)}" if decision.subsidy_cap is not None else ""
        )
        lines.append(
            FactorOut(
                code="subsidy",
                label="财政贴息",
                value="−" + rules.yuan_exact(sub_total),
                reason=(
                    f"贴息 {rules.pct(decision.subsidy_rate)}（百分点）× 各期期初本金 × "
                    f"{span}的实际天数/360，不超过当期利息{cap}；于各期还款日到账"
                ),
                amount=-sub_total,
            )
        )
    lines.append(
        FactorOut(
            code="effective_cost",
            label="综合融资成本",
            value=rules.yuan_exact(effective),
            reason="利息 + 担保费 − 财政贴息",
            amount=effective,
        )
    )
    lines.append(
        FactorOut(
            code="annualised_rate",
            label="年化利率",
            value=rules.pct(apr),
            reason=(
                "借款人实际现金流（放款、每期还本付息、担保费）的内部收益率，"
                "按实际天数/360 年化，未扣除财政贴息"
            ),
            amount=apr,
        )
    )
    if subs:
        lines.append(
            FactorOut(
                code="effective_annual_rate",
                label="贴息后年化综合成本",
                value=rules.pct(apr_after),
                reason="同上，并计入各期到账的财政贴息",
                amount=apr_after,
            )
        )
    return CostOut(
        total_interest=interest,
        guarantee_fee=fee_total,
        subsidy=sub_total,
        effective_cost=effective,
        annualised_rate=apr,
        effective_annual_rate=apr_after,
        guarantee_fees=payments(fees),
        subsidies=payments(subs),
        factors=lines,
    )


def raroc(product: Product, facts: Facts, decision: Decision) -> RarocOut | None:
    config = product.raroc
    if config is None:
        return None
    result = raroc_check.check(
        raroc_check.RarocInput(
            rate=decision.rate,
            funding_cost=config.funding_cost,
            operating_cost=config.operating_cost,
            pd=config.pd_for(facts.class_rank),
            lgd=config.lgd,
            capital_ratio=config.capital_ratio,
            hurdle=config.hurdle,
        )
    )
    return RarocOut(
        expected_loss=result.expected_loss,
        risk_adjusted_return=result.risk_adjusted_return,
        raroc=result.raroc,
        hurdle=result.hurdle,
        clears=result.clears,
        factors=factors(result.factors),
    )
