"""Pricing a quote: the repayment schedule, fees, subsidy and offer terms at the decided rate,
the milestones checked, the product's risk model (champion, score, PD, reasons; the fast lane),
patents pledged by valuation counted at their effective value, and the guarantee fee on the
basis a registered guarantee product declares. Never commits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission
from zhixin.errors import Forbidden, Invalid
from zhixin.lending.money import fen
from zhixin.lending.schedule import build_schedule
from zhixin.products import rules as product_rules
from zhixin.products.schema import Guarantee, Product
from zhixin.products.terms import (
    Decision,
    Facts,
    Method,
    QuoteRequest,
)
from zhixin.quotes import breakdown
from zhixin.quotes.access import Requester, SystemActor
from zhixin.quotes.schemas import (
    CostOut,
    ModelReasonOut,
    OfferOut,
    RiskModelOut,
    ScheduleOut,
)
from zhixin.risk import scoring
from zhixin.risk import service as risk
from zhixin.risk import valuation as valuations
from zhixin.risk.features import QualityFacts
from zhixin.support import service as support
from zhixin.workdays import service as workdays

# -- the schedule ------------------------------------------------------------------------


@dataclass(frozen=True)
class Priced:
    schedule: ScheduleOut
    costs: CostOut
    offer: OfferOut | None
    notes: list[str]


def price(
    session: Session, product: Product, decision: Decision, amount: Decimal, request: QuoteRequest
) -> Priced:
    """The schedule at the decided rate and what it costs; a revolving line is scheduled on
    the principal the product expects to be drawn (line × expected utilisation)."""
    line = utilisation = None
    principal = amount
    if request.method == Method.revolving:
        utilisation = breakdown.utilisation_of(product) or Decimal(100)
        line, principal = amount, fen(amount * utilisation / 100)
    try:
        sched = build_schedule(
            principal=principal,
            annual_rate=decision.rate,
            start=request.on,
            term_months=request.term_months,
            method=request.method,
            holiday_rule="preceding" if decision.holiday_rule == "preceding" else "following",
            calendar=workdays.calendar(session),
        )
    except ValueError as exc:  # the lending core's refusals are in Chinese
        raise Invalid(f"无法生成还款计划：{exc}") from exc
    notes = []
    if sched.weekends_only:
        notes.append(
            f"{min(sched.weekends_only)} 年起节假日安排尚未公布，该部分还款日只避开周末"
            "（遇周六、周日调整），未考虑法定节假日"
        )
    return Priced(
        schedule=breakdown.schedule_out(sched, line_amount=line, utilisation=utilisation),
        costs=breakdown.costs(
            product, decision, sched, amount, line_amount=line, utilisation=utilisation
        ),
        offer=breakdown.offer(product, decision, sched, request.on),
        notes=notes,
    )


def check_milestones(product: Product, request: QuoteRequest) -> None:
    known = {m.code for m in product.milestones}
    unknown = sorted(request.milestones_met - known)
    if unknown:
        offered = "、".join(f"{m.code}（{m.label}）" for m in product.milestones)
        raise Invalid(
            f"「{product.name}」没有里程碑 {'、'.join(unknown)}"
            + (f"；本产品的里程碑：{offered}" if offered else "；本产品未设里程碑")
        )


# -- the product's risk model ----------------------------------------------------------------

NO_CHAMPION_NOTE = (
    "模型“{code}”没有在用版本（须先训练并经另一人批准上线）：本次未做模型评分，"
    "RAROC 按等级的违约概率表测算"
)
NOT_SCORED_NOTE = (
    "模型评分只在银行用户或企业本人测算时进行（须读取企业授权的明细数据）：本次未做模型评分，"
    "RAROC 按等级的违约概率表测算"
)


def score(
    session: Session, actor: Requester, product: Product, facts: Facts
) -> tuple[RiskModelOut | None, list[str]]:
    """The product's risk model on the enterprise, under its consent: the champion's version,
    score, PD and reasons; or None with a note saying why not.

    No champion: the quote goes on with the class table and says so (a product cannot stop
    quoting because a model version was retired). A bank user without the enterprise's consent:
    refused (403 ``no_consent``), as the model's features are its detailed data. The operator's
    process and roles that do not score (the task force) quote on the class table, noted."""
    m = product.risk_model
    if m is None:
        return None, []
    champion = risk.champion_ref(session, m.code)
    if champion is None:
        return None, [NO_CHAMPION_NOTE.format(code=m.code)]
    if isinstance(actor, SystemActor) or not actor.can(Permission.risk_score):
        return None, [NOT_SCORED_NOTE]
    # the grade the quote priced on (the published run as of the quote date), not the engine
    # run again: the model and the product read the same grade; its gate count is not kept
    # with a published grade, so that feature is missing (its own bin)
    quality = (
        None
        if facts.class_rank is None and facts.total_score is None
        else QualityFacts(
            class_rank=facts.class_rank,
            total_score=facts.total_score,
            dimensions_graded=len(facts.dimension_levels),
            elements_held=len(facts.elements_held),
            gates_failed=None,
        )
    )
    gathered = scoring.features_of(
        session, actor=actor, enterprise_id=facts.enterprise_id, as_of=facts.on, quality=quality
    )
    result = risk.model_pd(session, model_code=m.code, features=gathered.values, champion=champion)
    return (
        RiskModelOut(
            code=result.model_code,
            version=result.model_version,
            model_id=result.model_id,
            use_for=list(m.use_for),
            score=result.score,
            pd=result.pd,
            reasons=[ModelReasonOut.model_validate(r.model_dump()) for r in result.reasons],
        ),
        [],
    )


def fast_lane(
    product: Product, model: RiskModelOut | None, days: int | None
) -> tuple[int | None, list[str]]:
    """``auto_decision``: the fast lane only for a model score at or above the product's
    minimum; an enterprise the model did not score goes the ordinary way."""
    m = product.risk_model
    if m is None or "auto_decision" not in m.use_for or days is None:
        return days, []
    if product_rules.fast_lane_by_score(
        None if model is None else model.score, m.fast_lane_min_score
    ):
        return days, []
    why = "未做模型评分" if model is None else f"模型评分低于 {m.fast_lane_min_score} 分"
    return None, [f"绿色通道须模型评分不低于 {m.fast_lane_min_score} 分：本次{why}，按一般流程审批"]


def collateral(
    session: Session, actor: Requester, enterprise_id: int, request: QuoteRequest
) -> QuoteRequest:
    """Patents pledged by valuation id take the valuation's effective value (to the fen)."""
    if not any(c.valuation_id is not None for c in request.collateral):
        return request
    principal = None if isinstance(actor, SystemActor) else actor
    if principal is not None and not principal.can(Permission.patent_value):
        raise Forbidden("只有银行客户经理可引用知识产权估值作为押品")
    items = []
    for c in request.collateral:
        if c.valuation_id is not None:
            row = valuations.for_collateral(
                session, actor=principal, valuation_id=c.valuation_id, enterprise_id=enterprise_id
            )
            c = replace(c, value=fen(row.effective_value))
        items.append(c)
    return replace(request, collateral=tuple(items))


def registered_guarantee(product: Product, backing: support.QuoteSupport) -> Product:
    """The product as the quote prices it: where a registered guarantee product names the loan
    product, the guarantee fee is charged on the basis that product declares (fee_base,
    fee_balance, fee_period) and its coverage — not on the product file's estimate, which
    stands only where no guarantee product is registered (one source of truth with support)."""
    basis = backing.fee_basis
    if basis is None or backing.fee_rate is None or backing.coverage is None:
        return product
    g = Guarantee.model_validate(
        {
            "guarantor": backing.guarantor
            or (product.support.guarantee.guarantor if product.support.guarantee else "担保机构"),
            "coverage": backing.coverage,
            "fee_rate": backing.fee_rate,
            "fee_base": basis.fee_base,
            "fee_balance": basis.fee_balance,
            "fee_period": basis.fee_period,
        }
    )
    return product.model_copy(
        update={"support": product.support.model_copy(update={"guarantee": g})}
    )
