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

Who may quote and read, and who sees internal pricing, are in ``access``; the schedule, the
risk model and the collateral in ``pricing``; the stored quote and its reading in ``stored``:
re-exported here so that callers keep ``service.X``. Here: the quote itself and what the form
offers.

Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from zhixin.enterprises import service as enterprises
from zhixin.lending.money import fen
from zhixin.lpr import service as lpr
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.terms import CollateralKind, QuoteRequest
from zhixin.quotes import access, breakdown, pricing, rules
from zhixin.quotes import stored as stored_quotes

# Quoting's other modules, named here too: callers write ``service.X`` as before the split.
from zhixin.quotes.access import (
    NOT_FOUND,
    NOT_FOUND_ENTERPRISE,
    SYSTEM,
    Requester,
    SystemActor,
    resolve_enterprise,
    sees_internal_pricing,
    view_for,
)
from zhixin.quotes.facts import gather
from zhixin.quotes.pricing import (
    NO_CHAMPION_NOTE,
    NOT_SCORED_NOTE,
)
from zhixin.quotes.schemas import (
    EnterpriseRef,
    ProductRef,
    QuoteOut,
    ServiceOut,
    SupportOut,
    TrancheOut,
)
from zhixin.quotes.stored import (
    get,
    get_row,
    request_of,
    to_out,
)
from zhixin.support import service as support

__all__ = [
    "NOT_FOUND",
    "NOT_FOUND_ENTERPRISE",
    "NOT_SCORED_NOTE",
    "NO_CHAMPION_NOTE",
    "SYSTEM",
    "ProductChoice",
    "Requester",
    "SystemActor",
    "enterprise_brief",
    "get",
    "get_row",
    "product_choices",
    "quote",
    "quote_json",
    "request_of",
    "resolve_enterprise",
    "sees_internal_pricing",
    "to_out",
    "view_for",
]


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
        out = stored_quotes.store(session, actor, out, version_id=version_id)[0]
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
    stored, body = stored_quotes.store(session, actor, out, version_id=version_id)
    if sees_internal_pricing(actor) or not access.has_internal(stored):
        return body
    return view_for(actor, stored).model_dump_json()


def _quote(
    session: Session,
    actor: Requester,
    product_code: str,
    enterprise_id: int,
    request: QuoteRequest,
) -> tuple[QuoteOut, int]:
    """The quote, not stored, and the id of the product version it was made under."""
    access.may_quote(actor, enterprise_id)
    request = replace(request, amount=fen(request.amount))
    version, product = products.current(session, product_code)
    pricing.check_milestones(product, request)
    request = pricing.collateral(session, actor, enterprise_id, request)
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
        product = pricing.registered_guarantee(product, backing)
    model, model_notes = pricing.score(session, actor, product, facts)
    lane, lane_notes = pricing.fast_lane(product, model, decision.fast_lane_days)
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
    priced: pricing.Priced | None = None
    if decision.eligible:
        amount = request.amount
        if amount > decision.limit:
            amount = decision.limit
            notes.append(
                f"申请金额 {rules.yuan(request.amount)} 超过可贷额度，还款计划按可贷额度 "
                f"{rules.yuan(amount)} 测算"
            )
        if amount > 0:
            priced = pricing.price(session, product, decision, amount, request)
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
        priced = p.priced_milestones()
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
                milestones=[(m.code, m.label) for m in p.milestones if m.code in priced],
                collateral_kinds=tuple(str(c.kind) for c in p.limit.collateral),
                needs_collateral=p.limit.base is None and bool(p.limit.collateral),
            )
        )
    return out
