"""Quotes (测算/报价): a product's decision for an enterprise on a date, priced and scheduled.

``quote`` runs: the product's current version → the enterprise's facts under the product's
catalog (:mod:`zhixin.quotes.facts`) → the LPR in force on the quote date → the product's
decision (eligibility, limit, rate, support, service) → for an eligible enterprise the
repayment schedule at the decided rate, the guarantee fee, the other fees and the interest
subsidy (the lending core, :mod:`zhixin.lending`), the 年化利率 of the borrower's flows before
subsidy and after it, and the offer's terms (:mod:`zhixin.quotes.breakdown`) → the product's
risk model when its file names one (the champion's version, score, PD and reasons, under the
enterprise's consent) → the optional RAROC check (PD from the model or the class table) → one
stored ``quote`` row, audited.

Choices:
- Not eligible: the reasons, the limit and the rate as the product worked them out are shown;
  no schedule, no 年化利率 and no offer terms (nothing is offered).
- Asking more than the limit: the product's rules refuse it (a reason names the limit); should
  a product ever call such a request eligible, the schedule is drawn up for the limit and a note
  says so.
- 随借随还: the line is the amount asked; the schedule and the cost are on the line × the
  product's expected utilisation, drawn for the whole term.
- A milestone the product does not define is an error (``Invalid``), not silently ignored.
- Who may quote: an enterprise user for its own enterprise only (another enterprise is a 404,
  as if it did not exist); bank users and the task force for any enterprise; a system process
  (the CLI) as :data:`SYSTEM`. Who may read a stored quote: the enterprise it is for; the
  tenant that made it; the bank whose product it prices; the task force; anyone else gets 404.
- Internal pricing stays internal: the RAROC check (PD, LGD, funding cost, hurdle) is stored
  with the quote but shown only to bank users and the CLI (:func:`view_for`); an enterprise —
  and the task force — see what a borrower is shown, on every path (API, page, XLSX).
- A product's risk model (``risk_model`` in its file): no champion → the class table, with a
  note (quoting does not stop because a version was retired); a bank user without the
  enterprise's consent → 403 ``no_consent``; the CLI and the task force are not scored (note).
  ``auto_decision``: the fast lane only for a score at or above the product's minimum. Score
  and PD are internal pricing (:func:`view_for`); the version and the reasons are shown to all.
- A patent pledged by valuation id counts at the valuation's effective value (the officer's
  override when there is one); only the bank that valued it may cite it.
- Holidays: due dates move off non-working days by the product's rule on the working-day
  calendar; from the first year nobody has published (chinese-calendar and the operator's
  calendar both silent) they avoid weekends only, and the quote says so.

Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.enterprises import service as enterprises
from zhixin.enterprises.rules import InvalidUSCC, normalise_uscc
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import RawJSON, utcnow
from zhixin.lending.money import fen
from zhixin.lending.schedule import build_schedule
from zhixin.lpr import service as lpr
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.schema import Guarantee, Product
from zhixin.products.terms import (
    Collateral,
    CollateralKind,
    Decision,
    Facts,
    Method,
    QuoteRequest,
)
from zhixin.quotes import breakdown, rules
from zhixin.quotes import repository as repo
from zhixin.quotes.facts import gather
from zhixin.quotes.models import Quote
from zhixin.quotes.schemas import (
    CostOut,
    EnterpriseRef,
    ModelReasonOut,
    OfferOut,
    ProductRef,
    QuoteIn,
    QuoteOut,
    RiskModelOut,
    ScheduleOut,
    ServiceOut,
    SupportOut,
    TrancheOut,
)
from zhixin.risk import scoring
from zhixin.risk import service as risk
from zhixin.risk import valuation as valuations
from zhixin.risk.features import QualityFacts
from zhixin.support import service as support
from zhixin.workdays import service as workdays

NOT_FOUND = "未找到该测算记录 / quote not found"
NOT_FOUND_ENTERPRISE = "未找到该经营主体 / enterprise not found"


@dataclass(frozen=True)
class SystemActor:
    """A process acting for the operator (the ``zhixin quote`` command): no user, no tenant."""

    name: str = "cli"


SYSTEM = SystemActor()
Requester = Principal | SystemActor


# -- who may quote and read ------------------------------------------------------------------


def _may_quote(actor: Requester, enterprise_id: int) -> None:
    if isinstance(actor, SystemActor):
        return
    if not actor.can(Permission.quote_run):
        raise Forbidden("无权进行产品测算")
    if actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id != enterprise_id:
        raise NotFound(NOT_FOUND_ENTERPRISE)


def _may_read(session: Session, actor: Requester, q: Quote) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if not actor.can(Permission.quote_run):
        raise Forbidden("无权查看测算结果")
    kind = actor.tenant_kind
    if kind == TenantKind.enterprise:
        return actor.enterprise_id == q.enterprise_id
    if kind == TenantKind.taskforce:
        return True
    if q.tenant_id == actor.tenant_id:
        return True
    return kind == TenantKind.bank and accounts.tenant_code(session, actor.tenant_id) == q.bank_code


def resolve_enterprise(session: Session, *, enterprise_id: int | None, uscc: str | None) -> int:
    """The enterprise id of a request that names it by id or by 统一社会信用代码."""
    uscc = (uscc or "").strip() or None
    if enterprise_id is not None and uscc is not None:
        raise Invalid("请只给出 enterprise_id 或 uscc 之一（经营主体 ID 或统一社会信用代码）")
    if enterprise_id is not None:
        return enterprise_id
    if uscc is None:
        raise Invalid("请给出 enterprise_id 或 uscc（经营主体 ID 或统一社会信用代码）")
    try:
        code = normalise_uscc(uscc)
    except InvalidUSCC as exc:
        raise Invalid(str(exc)) from exc
    found = enterprises.id_by_uscc(session, code)
    if found is None:
        raise NotFound(NOT_FOUND_ENTERPRISE)
    return found


# -- the schedule ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Priced:
    schedule: ScheduleOut
    costs: CostOut
    offer: OfferOut | None
    notes: list[str]


def _price(
    session: Session, product: Product, decision: Decision, amount: Decimal, request: QuoteRequest
) -> _Priced:
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
    return _Priced(
        schedule=breakdown.schedule_out(sched, line_amount=line, utilisation=utilisation),
        costs=breakdown.costs(
            product, decision, sched, amount, line_amount=line, utilisation=utilisation
        ),
        offer=breakdown.offer(product, decision, sched, request.on),
        notes=notes,
    )


def _check_milestones(product: Product, request: QuoteRequest) -> None:
    known = {m.code for m in product.milestones}
    unknown = sorted(request.milestones_met - known)
    if unknown:
        offered = "、".join(f"{m.code}（{m.label}）" for m in product.milestones)
        raise Invalid(
            f"「{product.name}」没有里程碑 {'、'.join(unknown)}"
            + (f"；本产品的里程碑：{offered}" if offered else "；本产品未设里程碑")
        )


# -- who sees internal pricing ---------------------------------------------------------------


def sees_internal_pricing(actor: Requester) -> bool:
    """Whether ``actor`` may see the bank's RAROC check (PD, LGD, funding cost, hurdle): bank
    users and the operator's processes; an enterprise — and everyone else — sees what a
    borrower is shown."""
    return product_rules.sees_internal_pricing(
        None if isinstance(actor, SystemActor) else actor.tenant_kind
    )


def _has_internal(out: QuoteOut) -> bool:
    return out.raroc is not None or (
        out.risk_model is not None
        and (out.risk_model.pd is not None or out.risk_model.score is not None)
    )


def view_for(actor: Requester, out: QuoteOut) -> QuoteOut:
    """``out`` as ``actor`` may see it: unless a bank's user, without the RAROC check and
    without the model's score and PD (the model's version and reasons stay: a borrower is owed
    them)."""
    if not _has_internal(out) or sees_internal_pricing(actor):
        return out
    update: dict[str, object] = {"raroc": None}
    if out.risk_model is not None:
        update["risk_model"] = out.risk_model.model_copy(update={"score": None, "pd": None})
    return out.model_copy(update=update)


# -- the product's risk model ----------------------------------------------------------------

NO_CHAMPION_NOTE = (
    "模型“{code}”没有在用版本（须先训练并经另一人批准上线）：本次未做模型评分，"
    "RAROC 按等级的违约概率表测算"
)
NOT_SCORED_NOTE = (
    "模型评分只在银行用户或企业本人测算时进行（须读取企业授权的明细数据）：本次未做模型评分，"
    "RAROC 按等级的违约概率表测算"
)


def _score(
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


def _fast_lane(
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


def _collateral(
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


# -- quoting ---------------------------------------------------------------------------------


def quote(
    session: Session,
    *,
    actor: Requester,
    product_code: str,
    enterprise_id: int,
    request: QuoteRequest,
    store: bool = True,
) -> QuoteOut:
    """Quote ``product_code`` for ``enterprise_id``; stored and audited unless ``store=False``."""
    out, version_id = _quote(session, actor, product_code, enterprise_id, request)
    if store:
        out = _store(session, actor, out, version_id=version_id)[0]
    return view_for(actor, out)


def quote_json(
    session: Session,
    *,
    actor: Requester,
    product_code: str,
    enterprise_id: int,
    request: QuoteRequest,
) -> str:
    """Quote and store, as :func:`quote`; the stored quote as JSON (what the API answers).

    The text is the one stored, with the new id and time put in front: the same text as
    ``model_dump_json`` of :func:`quote`'s answer (``id`` and ``created_at`` are the model's
    first fields), rendered once, before the insert takes the database's write lock.
    """
    out, version_id = _quote(session, actor, product_code, enterprise_id, request)
    stored, body = _store(session, actor, out, version_id=version_id)
    if sees_internal_pricing(actor) or not _has_internal(stored):
        return body
    return view_for(actor, stored).model_dump_json()


def _registered_guarantee(product: Product, backing: support.QuoteSupport) -> Product:
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


def _quote(
    session: Session,
    actor: Requester,
    product_code: str,
    enterprise_id: int,
    request: QuoteRequest,
) -> tuple[QuoteOut, int]:
    """The quote, not stored, and the id of the product version it was made under."""
    _may_quote(actor, enterprise_id)
    request = replace(request, amount=fen(request.amount))
    version, product = products.current(session, product_code)
    _check_milestones(product, request)
    request = _collateral(session, actor, enterprise_id, request)
    facts = gather(session, enterprise_id, request.on, product.catalog)
    rates = lpr.rates_on(session, request.on)
    decision = product_rules.decide(
        product, facts, request, {"1y": rates.one_year, "5y": rates.five_year}
    )
    # public support as registered (support.for_quote: the guarantee products and subsidy
    # policies naming this product) replaces the product file's estimate — one source of truth
    backing = support.for_quote(session, product_code=product.code, rate=decision.rate)
    if backing is not None:
        decision = replace(
            decision,
            guarantee_fee_rate=(
                backing.fee_rate if backing.fee_rate is not None else decision.guarantee_fee_rate
            ),
            subsidy_rate=(
                backing.subsidy_points
                if backing.subsidy_points is not None
                else decision.subsidy_rate
            ),
            subsidy_cap=None if backing.subsidy_points is not None else decision.subsidy_cap,
            notes=(*decision.notes, *backing.notes),
        )
        product = _registered_guarantee(product, backing)
    model, model_notes = _score(session, actor, product, facts)
    lane, lane_notes = _fast_lane(product, model, decision.fast_lane_days)
    notes = [*decision.notes, *model_notes, *lane_notes]
    typed = any(
        c.valuation_id is None and c.kind == CollateralKind.patent for c in request.collateral
    )
    if typed and any(p.kind == CollateralKind.patent for p in product.limit.collateral):
        notes.append("专利价值为手填，未引用知识产权估值（可在请求中给出估值 ID）")
    if rates.stale:
        notes.append(
            f"LPR 表最近一期为 {rates.effective_on.isoformat()}，可能尚未录入最新报价，请核对"
        )
    priced: _Priced | None = None
    if decision.eligible:
        amount = request.amount
        if amount > decision.limit:
            amount = decision.limit
            notes.append(
                f"申请金额 {rules.yuan(request.amount)} 超过可贷额度，还款计划按可贷额度 "
                f"{rules.yuan(amount)} 测算"
            )
        if amount > 0:
            priced = _price(session, product, decision, amount, request)
            notes.extend(priced.notes)
    out = QuoteOut(
        enterprise=EnterpriseRef(id=facts.enterprise_id, uscc=facts.uscc, name=facts.name),
        product=ProductRef(
            code=product.code,
            name=product.name,
            version_id=version.id,
            bank_code=product.bank_code,
            bank_name=product.bank_name,
        ),
        request=breakdown.request_out(request),
        grade=breakdown.grade(facts, decision),
        eligible=decision.eligible,
        reasons=list(decision.reasons),
        limit=fen(decision.limit),
        limit_factors=breakdown.factors(decision.limit_factors),
        lpr_tenor=decision.lpr_tenor,
        lpr=decision.lpr,
        lpr_effective_on=rates.effective_on,
        rate=decision.rate,
        rate_components=breakdown.factors(decision.rate_components),
        tranches=[
            TrancheOut(
                milestone=t.milestone,
                label=t.label,
                amount=fen(t.amount),
                rate_cut_bp=t.rate_cut_bp,
                met=t.met,
            )
            for t in decision.tranches
        ],
        support=SupportOut(
            guarantee_fee_rate=decision.guarantee_fee_rate,
            subsidy_rate=decision.subsidy_rate,
            subsidy_cap=None if decision.subsidy_cap is None else fen(decision.subsidy_cap),
            subsidy_months=decision.subsidy_months,
            fee_waivers=list(decision.fee_waivers),
            guarantor=(
                backing.guarantor
                if backing is not None and backing.guarantor
                else product.support.guarantee.guarantor
                if product.support.guarantee
                else None
            ),
            guarantee_coverage=(
                backing.coverage
                if backing is not None and backing.coverage is not None
                else product.support.guarantee.coverage
                if product.support.guarantee
                else None
            ),
            subsidy_payer=(
                backing.subsidy_payer
                if backing is not None and backing.subsidy_payer
                else (product.support.subsidy.payer or None)
                if product.support.subsidy
                else None
            ),
            subsidy_condition=(
                (product.support.subsidy.condition or None) if product.support.subsidy else None
            ),
        ),
        service=ServiceOut(
            fast_lane_days=lane,
            covenant=decision.covenant,
            holiday_rule=decision.holiday_rule,
        ),
        auto_rules=breakdown.factors(decision.auto_rules),
        schedule=priced.schedule if priced else None,
        costs=priced.costs if priced else None,
        raroc=breakdown.raroc(product, facts, decision, model),
        notes=notes,
        offer=priced.offer if priced else None,
        risk_model=model,
    )
    return out, version.id


class _Key(BaseModel):
    """The two fields a stored quote adds in front of its body (as :class:`QuoteOut` has them)."""

    id: int
    created_at: datetime


def _store(
    session: Session, actor: Requester, out: QuoteOut, *, version_id: int
) -> tuple[QuoteOut, str]:
    """Store and audit ``out``: the stored quote, and as JSON."""
    principal = actor if isinstance(actor, Principal) else None
    created_at = utcnow()
    body = out.model_dump_json(exclude={"id", "created_at"})
    quote_id = repo.add_quote(
        session,
        {
            "enterprise_id": out.enterprise.id,
            "product_code": out.product.code,
            "product_version_id": version_id,
            "bank_code": out.product.bank_code,
            "quoted_on": out.request.on,
            "amount": out.request.amount,
            "term_months": out.request.term_months,
            "method": out.request.method,
            "eligible": out.eligible,
            "limit_amount": out.limit,
            "rate": out.rate,
            "annualised_rate": out.costs.annualised_rate if out.costs else None,
            "evaluation_run_id": out.grade.evaluation_run_id,
            "whitelist_version": out.grade.whitelist_version,
            "body": RawJSON(body),
            "created_by_id": principal.user_id if principal else None,
            "tenant_id": principal.tenant_id if principal else None,
            "created_at": created_at,
        },
    )
    audit.record(
        session,
        actor=Actor.of(principal) if principal else Actor.system(SYSTEM.name),
        action="quote.create",
        object_type="quote",
        object_id=quote_id,
        detail={
            "enterprise_id": out.enterprise.id,
            "product": out.product.code,
            "product_version_id": version_id,
            "amount": str(out.request.amount),
            "term_months": out.request.term_months,
            "eligible": out.eligible,
        },
    )
    key = _Key(id=quote_id, created_at=created_at).model_dump_json()
    stored = out.model_copy(update={"id": quote_id, "created_at": created_at})
    return stored, f"{key[:-1]},{body[1:]}"


def to_out(row: Quote) -> QuoteOut:
    return QuoteOut.model_validate({**row.body, "id": row.id, "created_at": row.created_at})


def get(session: Session, *, actor: Requester, quote_id: int) -> QuoteOut:
    """A stored quote exactly as it was shown (to ``actor``: :func:`view_for`); one the actor
    may not read is a 404."""
    row = repo.quote_by_id(session, quote_id)
    if row is None:
        if isinstance(actor, Principal) and not actor.can(Permission.quote_run):
            raise Forbidden("无权查看测算结果")
        raise NotFound(NOT_FOUND)
    if not _may_read(session, actor, row):
        raise NotFound(NOT_FOUND)
    return view_for(actor, to_out(row))


def get_row(session: Session, *, actor: Requester, quote_id: int) -> Quote:
    """The stored row (for the schedule download and for applications freezing a quote)."""
    row = repo.quote_by_id(session, quote_id)
    if row is None or not _may_read(session, actor, row):
        raise NotFound(NOT_FOUND)
    return row


def request_of(body: QuoteIn) -> QuoteRequest:
    """The product's view of an API / page / CLI request (the date defaults to today)."""
    return QuoteRequest(
        amount=body.amount,
        term_months=body.term_months,
        method=body.method,
        on=body.on or clock.today(),
        annual_sales=body.annual_sales,
        collateral=tuple(
            Collateral(kind=c.kind, value=c.value or Decimal(0), valuation_id=c.valuation_id)
            for c in body.collateral
        ),
        milestones_met=frozenset(m.strip() for m in body.milestones_met if m.strip()),
        invoicing_growth=body.invoicing_growth,
    )


# -- what the form offers --------------------------------------------------------------------


def enterprise_brief(session: Session, *, enterprise_id: int) -> EnterpriseRef | None:
    ent = enterprises.identity(session, enterprise_id)
    if ent is None:
        return None
    return EnterpriseRef(id=ent.id, uscc=ent.uscc, name=ent.name)


@dataclass(frozen=True)
class ProductChoice:
    code: str
    name: str
    bank_code: str
    bank_name: str
    kind: str
    amounts: str
    terms: str
    methods: list[str]
    milestones: list[tuple[str, str]]
    # a pledge product (no credit part): the collateral is what the limit is, a required input
    collateral_kinds: tuple[str, ...] = ()
    needs_collateral: bool = False


def product_choices(session: Session) -> list[ProductChoice]:
    """The products the form offers, each with its bank, range and milestones."""
    out = []
    for _row, p in products.all_current(session):
        out.append(
            ProductChoice(
                code=p.code,
                name=p.name,
                bank_code=p.bank_code,
                bank_name=p.bank_name,
                kind=p.kind,
                amounts=f"{rules.yuan(p.amount.min)}–{rules.yuan(p.amount.max)}",
                terms=f"{p.term_months.min}–{p.term_months.max} 个月",
                methods=[m.value for m in p.methods],
                milestones=[(m.code, m.label) for m in p.milestones],
                collateral_kinds=tuple(str(c.kind) for c in p.limit.collateral),
                needs_collateral=p.limit.base is None and bool(p.limit.collateral),
            )
        )
    return out
