"""A quote's parts as the API shows them: grade, request, schedule, costs, offer terms, RAROC.

``costs`` prices the schedule for the borrower with the lending core (:mod:`zhixin.lending`):
the guarantee fee on the basis the product states, the product's other fees, the interest
subsidy, the 年化利率 of the borrower's flows before subsidy (monthly IRR × 12) and the same
after it, each line with the reason it is there. ``offer`` states the terms a bank's offer must
show (fixed or floating and the repricing, 罚息 and 复利, early repayment, other fees, validity).
Never touches the database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from zhixin.catalog import service as catalogs
from zhixin.errors import NotFound
from zhixin.lending import charges, daycount, irr
from zhixin.lending.money import ZERO, fen, q4
from zhixin.lending.schedule import MONTHLY_RATE_METHODS, Schedule
from zhixin.products import text
from zhixin.products.schema import RATE_TYPE_LABELS, Fee, Offer, Product
from zhixin.products.terms import Decision, Factor, Facts, QuoteRequest
from zhixin.quotes import raroc as raroc_check
from zhixin.quotes import rules
from zhixin.quotes.schemas import (
    CollateralOut,
    CostOut,
    FactorOut,
    FeeOut,
    GradeOut,
    InstalmentOut,
    OfferOut,
    PaymentOut,
    RarocOut,
    RequestOut,
    RiskModelOut,
    ScheduleOut,
)
from zhixin.risk import service as risk


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
        collateral=[
            CollateralOut(kind=c.kind, value=c.value, valuation_id=c.valuation_id)
            for c in request.collateral
        ],
        milestones_met=sorted(request.milestones_met),
        invoicing_growth=request.invoicing_growth,
    )


def utilisation_of(product: Product) -> Decimal | None:
    """The expected utilisation of a revolving line the product states (%), if any."""
    return product.offer.expected_utilisation if product.offer is not None else None


def schedule_out(
    sched: Schedule, *, line_amount: Decimal | None = None, utilisation: Decimal | None = None
) -> ScheduleOut:
    items = [
        InstalmentOut(
            number=i.number,
            due=i.due,
            days=i.days,
            basis=i.basis,
            opening=i.opening,
            principal=i.principal,
            interest=i.interest,
            payment=i.payment,
            closing=i.closing,
        )
        for i in sched.instalments
    ]
    return ScheduleOut(
        amount=sched.amount,
        method=sched.method.value,
        rate=sched.annual_rate,
        start=sched.start,
        maturity=sched.maturity,
        holiday_rule=sched.holiday_rule,
        instalments=items,
        total_principal=sched.total_principal,
        total_interest=sched.total_interest,
        total_payment=sched.total_payment,
        line_amount=line_amount,
        utilisation=utilisation,
        conventions=rules.conventions(sched.method, sched.holiday_rule, sched.weekends_only),
        weekends_only=list(sched.weekends_only),
    )


def payments(ps: list[charges.Charge]) -> list[PaymentOut]:
    return [
        PaymentOut(number=p.number, on=p.on, days=p.days, base=p.base, amount=p.amount) for p in ps
    ]


# -- costs -----------------------------------------------------------------------------------


def _fee_charges(fee: Fee, amount: Decimal, start: date, maturity: date) -> list[charges.Charge]:
    if fee.basis == "fixed":
        return [charges.Charge(1, start, 0, amount, fen(fee.amount or ZERO))]
    rate = fee.rate or ZERO
    if fee.basis == "once":
        return [charges.Charge(1, start, 0, amount, fen(amount * rate / 100))]
    return charges.yearly_charges(
        rate=rate, start=start, maturity=maturity, base_on=lambda _day: amount, period="yearly"
    )


def _fee_reason(fee: Fee) -> str:
    if fee.basis == "fixed":
        return f"放款时收取固定金额 {rules.yuan_exact(fee.amount or ZERO)}"
    if fee.basis == "once":
        return f"放款时按贷款金额的 {text.pct(fee.rate or ZERO)} 一次收取"
    return f"每年初按 贷款金额 × {text.pct(fee.rate or ZERO)} × 实际天数/360 收取"


def other_fees(offer: Offer | None, amount: Decimal, start: date, maturity: date) -> list[FeeOut]:
    """The product's other fees on a loan (or line) of ``amount``, each payment dated."""
    if offer is None:
        return []
    return [
        FeeOut(
            code=fee.code,
            label=fee.label,
            number=c.number,
            on=c.on,
            days=c.days,
            base=c.base,
            amount=c.amount,
        )
        for fee in offer.fees
        for c in _fee_charges(fee, amount, start, maturity)
    ]


def _interest_reason(sched: Schedule, line: Decimal | None, utilisation: Decimal | None) -> str:
    rate, n = text.pct4(sched.annual_rate), len(sched.instalments)
    if sched.method in MONTHLY_RATE_METHODS:
        how = f"执行利率 {rate}，每期按月利率（年利率 ÷ 12）× 期初本金计息，共 {n} 期"
    else:
        how = f"执行利率 {rate}，按日利率（年利率 ÷ 360）× 实际天数计息，按月付息，共 {n} 期"
    if line is not None and utilisation is not None:
        how = (
            f"随借随还：按额度 {rules.yuan(line)} × 产品预计平均使用率 {text.pct(utilisation)} "
            f"= 平均占用 {rules.yuan(sched.amount)} 全期测算；" + how
        )
    return how


def _guarantee_reason(product: Product, decision: Decision, count: int) -> str:
    g = product.support.guarantee
    assert g is not None
    base = "贷款金额"
    if g.fee_base == "guaranteed":
        base = f"担保责任部分（贷款金额 × {text.pct(g.coverage)}）"
    if g.fee_balance == "outstanding":
        base += "的未偿本金"
    when = (
        f"每个担保年度初按该年度实际天数/360 预收，共 {count} 次"
        if g.fee_period == "yearly"
        else "放款时按全期实际天数/360 一次收取"
    )
    return f"担保费率 {rules.pct(decision.guarantee_fee_rate)}/年 × {base}，{when}"


def guarantee_fees(
    product: Product, decision: Decision, sched: Schedule, amount: Decimal
) -> list[charges.Charge]:
    g = product.support.guarantee
    if g is None or decision.guarantee_fee_rate <= 0:
        return []
    return charges.guarantee_fees(
        amount=amount,
        fee_rate=decision.guarantee_fee_rate,
        start=sched.start,
        maturity=sched.term_end,  # the contract's term, not the last payment's holiday move
        coverage=g.coverage,
        fee_base=g.fee_base,
        fee_balance=g.fee_balance,
        fee_period=g.fee_period,
        outstanding=sched.balance_on,
    )


def costs(
    product: Product,
    decision: Decision,
    sched: Schedule,
    amount: Decimal,
    *,
    line_amount: Decimal | None = None,
    utilisation: Decimal | None = None,
) -> CostOut:
    """The borrower's cost of ``sched`` on a loan (or line) of ``amount``."""
    fees = guarantee_fees(product, decision, sched, amount)
    others = other_fees(product.offer, amount, sched.start, sched.term_end)
    subs = charges.subsidies(
        sched.instalments,
        points=decision.subsidy_rate,
        start=sched.start,
        months=decision.subsidy_months,
        cap=decision.subsidy_cap,
    )
    fee_total = sum((f.amount for f in fees), ZERO)
    other_total = sum((f.amount for f in others), ZERO)
    sub_total = sum((s.amount for s in subs), ZERO)
    interest = sched.total_interest
    paid = [(f.on, f.amount) for f in fees] + [(f.on, f.amount) for f in others]
    before = irr.irr(irr.flows_of(sched, fees=paid))
    after = before
    if subs:
        received = [(s.on, -s.amount) for s in subs]
        after = irr.irr(irr.flows_of(sched, fees=paid + received))
    effective = interest + fee_total + other_total - sub_total
    lines = [
        FactorOut(
            code="interest",
            label="利息合计",
            value=rules.yuan_exact(interest),
            reason=_interest_reason(sched, line_amount, utilisation),
            amount=interest,
        )
    ]
    if fees:
        lines.append(
            FactorOut(
                code="guarantee_fee",
                label="担保费",
                value=rules.yuan_exact(fee_total),
                reason=_guarantee_reason(product, decision, len(fees)),
                amount=fee_total,
            )
        )
    offer_fees = product.offer.fees if product.offer is not None else []
    for fee in offer_fees:
        paid_fee = sum((f.amount for f in others if f.code == fee.code), ZERO)
        lines.append(
            FactorOut(
                code=f"fee:{fee.code}",
                label=fee.label,
                value=rules.yuan_exact(paid_fee),
                reason=_fee_reason(fee),
                amount=paid_fee,
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
                    f"贴息 {rules.pct(decision.subsidy_rate)}（百分点）× 各期期初本金，{span}，"
                    f"与利息同一计息规则，不超过当期利息{cap}；于各期还款日到账"
                ),
                amount=-sub_total,
            )
        )
    lines.append(
        FactorOut(
            code="effective_cost",
            label="综合融资成本",
            value=rules.yuan_exact(effective),
            reason="利息 + 担保费 + 其他费用 − 财政贴息",
            amount=effective,
        )
    )
    lines.append(
        FactorOut(
            code="annualised_rate",
            label="年化利率",
            value=rules.pct(before.annual),
            reason=(
                f"{rules.IRR_METHOD}；未扣除财政贴息。按复利折算为 {rules.pct(before.compound)}"
            ),
            amount=before.annual,
        )
    )
    if subs:
        lines.append(
            FactorOut(
                code="effective_annual_rate",
                label="贴息后年化综合成本",
                value=rules.pct(after.annual),
                reason="同上，并计入各期到账的财政贴息",
                amount=after.annual,
            )
        )
    return CostOut(
        total_interest=interest,
        guarantee_fee=fee_total,
        subsidy=sub_total,
        effective_cost=effective,
        annualised_rate=before.annual,
        effective_annual_rate=after.annual,
        guarantee_fees=payments(fees),
        subsidies=payments(subs),
        factors=lines,
        other_fee=other_total,
        other_fees=others,
        compound_annual_rate=before.compound,
        annualised_method=rules.IRR_METHOD,
    )


# -- the offer's terms -----------------------------------------------------------------------


def offer(product: Product, decision: Decision, sched: Schedule, on: date) -> OfferOut | None:
    """The terms the product states, applied to this quote (None for a product without them)."""
    o = product.offer
    if o is None:
        return None
    spread = (decision.rate - decision.lpr) * 100
    tenor = "1年期" if decision.lpr_tenor == "1y" else "5年期以上"
    repricing, dates = None, []
    if o.rate_type == "floating" and o.repricing is not None:
        r = o.repricing
        dates = rules.repricing_dates(
            start=sched.start, maturity=sched.term_end, cycle_months=r.cycle_months, anchor=r.anchor
        )
        day = "放款日在每个周期的对应日" if r.anchor == "anniversary" else "每年 1 月 1 日"
        repricing = (
            f"每 {r.cycle_months} 个月重定价一次，重定价日为{day}；重定价日起执行当日适用的"
            f"{tenor} LPR（最近一次公布）{_spread(spread)}（合同加点 = 本次执行利率 − 本次 LPR，"
            "合同期内不变）"
        )
        repricing += (
            f"；本笔期限内的重定价日：{'、'.join(d.isoformat() for d in dates)}"
            if dates
            else "；本笔期限内不重定价"
        )
    penalty = daycount.penalty_rate(contract_rate=decision.rate, markup=o.overdue.markup)
    overdue = (
        f"逾期本金自逾期之日起按罚息利率 {text.pct4(penalty)}（执行利率 × (1 + "
        f"{text.pct(o.overdue.markup)})）按日计收罚息"
    )
    overdue += "；不能按期支付的利息按罚息利率计收复利" if o.overdue.compound else "；不计收复利"
    return OfferOut(
        rate_type=o.rate_type,
        rate_type_label=RATE_TYPE_LABELS[o.rate_type],
        spread_bp=q4(spread),
        repricing=repricing,
        repricing_dates=dates,
        penalty_markup=o.overdue.markup,
        penalty_rate=penalty,
        overdue=overdue,
        prepayment=_prepayment(o),
        fees=[f"{fee.label}：{_fee_reason(fee)}" for fee in o.fees],
        validity_days=o.validity_days,
        valid_until=rules.valid_until(on, o.validity_days),
    )


def _spread(bp: Decimal) -> str:
    """+120bp / −50bp / +12.5bp."""
    shown = format(abs(bp).normalize(), "f")
    return f"{'−' if bp < 0 else '+'} {shown}bp"


def _prepayment(o: Offer) -> str:
    p = o.prepayment
    if not p.allowed:
        return "不允许提前还款"
    line = "允许提前还款"
    if p.notice_days:
        line += f"，须提前 {p.notice_days} 个工作日申请"
    if p.fee_rate == 0:
        return line + "，不收违约金；提前偿还部分自还款日起不再计息"
    line += f"，按提前偿还本金的 {text.pct(p.fee_rate)} 收取违约金"
    if p.fee_free_after_months:
        line += f"（放款满 {p.fee_free_after_months} 个月后免收）"
    return line


# -- RAROC -----------------------------------------------------------------------------------


def raroc(
    product: Product,
    facts: Facts,
    decision: Decision,
    model: RiskModelOut | None = None,
) -> RarocOut | None:
    """The RAROC check: PD from the product's class table, or — when ``model`` scored the
    enterprise for RAROC — the model's PD (a fraction, shown as a percentage)."""
    config = product.raroc
    if config is None:
        return None
    if model is not None and model.pd is not None and "raroc" in model.use_for:
        pd = model.pd * 100
        source = FactorOut(
            code="pd_source",
            label="违约概率来源",
            value=f"模型 {risk.model_name(model.code)} 第 {model.version} 版",
            reason=f"模型评分 {model.score}，违约概率 {model.pd * 100}%（代替按等级的违约概率表）",
            amount=pd,
        )
    else:
        pd = config.pd_for(facts.class_rank)
        label = product.level_name(facts.class_rank) if facts.class_rank else None
        source = FactorOut(
            code="pd_source",
            label="违约概率来源",
            value="按等级的违约概率表",
            reason=f"{label or '无等级'}：{pd}%",
            amount=pd,
        )
    result = raroc_check.check(
        raroc_check.RarocInput(
            rate=decision.rate,
            funding_cost=config.funding_cost,
            operating_cost=config.operating_cost,
            pd=pd,
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
        factors=[source, *factors(result.factors)],
    )
