"""提升等级能省多少: for an enterprise's best products (eligible, lowest rate first), what would
lower its rate or raise its limit, and by how much. Never commits.

Two kinds of lever, each against the product's own rules (:func:`zhixin.products.rules.decide`
on the enterprise's facts today, request: the product's smallest amount, 12 months or the
nearest term it allows, its first repayment method):

* ``grade`` — the overall class one notch higher, every other fact unchanged: the product
  decides again on those facts; the change in rate (percentage points) and limit (yuan) is
  exact. What would raise the class is the evaluation's own advice (per dimension, the missing
  elements that lift it one level: :mod:`zhixin.engine.explain`), shown beside it;
* ``discount`` — a discount of the product whose condition the enterprise does not meet yet,
  with its condition as the product states it and its nominal cut (bp); the cut actually
  granted may be smaller (stacking by the largest one, the discount cap, the floor rate).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.demand.schemas import LeverOut, LeversOut, ProductLeversOut
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound, ZhixinError
from zhixin.kit import clock
from zhixin.lpr import service as lpr
from zhixin.portrait import service as portraits
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.schema import Product
from zhixin.products.terms import Decision, Facts, QuoteRequest
from zhixin.quotes import facts as quote_facts

BEST = 3
TERM = 12


def request_for(product: Product, on: date) -> QuoteRequest:
    """The request a lever is priced on: the product's smallest amount, 12 months (or the
    nearest term it allows), its first repayment method."""
    term = min(max(TERM, product.term_months.min), product.term_months.max)
    return QuoteRequest(
        amount=Decimal(product.amount.min), term_months=term, method=product.methods[0], on=on
    )


def raised(product: Product, facts: Facts) -> Facts | None:
    """The facts with the overall class one notch higher (None: no class, or the best)."""
    rank = facts.class_rank
    if rank is None or rank <= 1 or rank > len(product.levels):
        return None
    return replace(facts, class_rank=rank - 1, overall_class=product.levels[rank - 2])


def _lowered(product: Product, facts: Facts) -> Facts | None:
    rank = facts.class_rank
    if rank is None or rank >= len(product.levels):
        return None
    return replace(facts, class_rank=rank + 1, overall_class=product.levels[rank])


def levers(
    product: Product, facts: Facts, base: Decision, lpr_rates: dict[str, Decimal]
) -> list[LeverOut]:
    out: list[LeverOut] = []
    up = raised(product, facts)
    if up is not None:
        better = product_rules.decide(product, up, request_for(product, facts.on), lpr_rates)
        rate_change = better.rate - base.rate
        limit_change = better.limit - base.limit
        if better.eligible and (rate_change or limit_change):
            out.append(
                LeverOut(
                    kind="grade",
                    label=f"总体等级提升至{up.overall_class}",
                    text=_grade_text(up.overall_class or "", rate_change, limit_change),
                    rate_change=rate_change,
                    limit_change=limit_change,
                    exact=True,
                )
            )
    request = request_for(product, facts.on)
    for d in product.pricing.discounts:
        factor = next((c for c in base.rate_components if c.code == f"discount:{d.code}"), None)
        if factor is None or factor.amount is not None:  # applied already
            continue
        # a discount a class higher brings is in the grade lever; one a lower class would bring
        # is no lever at all
        if (
            up is not None
            and product_rules.evaluate(product, d.when, up, request, up.class_rank).met
        ):
            continue
        lower = _lowered(product, facts)
        if (
            lower is not None
            and product_rules.evaluate(product, d.when, lower, request, lower.class_rank).met
        ):
            continue
        out.append(
            LeverOut(
                kind="discount",
                label=d.label,
                text=f"满足后最多可降 {d.bp}bp（{factor.reason}）",
                rate_change=-Decimal(d.bp) / 100,
                limit_change=None,
                exact=False,
            )
        )
    return out


def _grade_text(level: str, rate_change: Decimal, limit_change: Decimal) -> str:
    parts = []
    if rate_change:
        parts.append(f"利率{'降低' if rate_change < 0 else '提高'} {abs(rate_change):.4f} 个百分点")
    if limit_change:
        parts.append(f"额度{'提高' if limit_change > 0 else '降低'} {abs(limit_change):,.2f} 元")
    return f"总体等级提升至{level}（其他条件不变）：" + "，".join(parts)


def _may(actor: Principal, enterprise_id: int) -> None:
    if not actor.can(Permission.quote_run):
        raise Forbidden("无权测算")
    if actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id != enterprise_id:
        raise NotFound("未找到该经营主体")


def price_levers(session: Session, *, actor: Principal, enterprise_id: int) -> LeversOut:
    """For the enterprise's best products (eligible, lowest rate first, at most three): the
    rate and limit today, and each lever with what it changes."""
    _may(actor, enterprise_id)
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound("未找到该经营主体")
    today = clock.today()
    rates = lpr.rates_on(session, today)
    table = {"1y": rates.one_year, "5y": rates.five_year}
    found: list[tuple[Decision, Product, Facts]] = []
    cache: dict[str, Facts] = {}
    for _row, product in products.all_current(session):
        facts = cache.get(product.catalog)
        if facts is None:
            facts = cache[product.catalog] = quote_facts.gather(
                session, enterprise_id, today, product.catalog
            )
        decision = product_rules.decide(product, facts, request_for(product, today), table)
        if decision.eligible:
            found.append((decision, product, facts))
    found.sort(key=lambda t: (t[0].rate, -t[0].limit, t[1].code))
    out = [
        ProductLeversOut(
            product_code=p.code,
            product_name=p.name,
            bank_name=p.bank_name,
            rate=d.rate,
            limit=d.limit,
            levers=levers(p, f, d, table),
        )
        for d, p, f in found[:BEST]
    ]
    grade = next((f.overall_class for f in cache.values() if f.overall_class), None)
    return LeversOut(
        enterprise_id=enterprise_id,
        grade=grade,
        advice=_advice(session, actor, enterprise_id),
        products=out,
    )


def _advice(session: Session, actor: Principal, enterprise_id: int) -> list[str]:
    if not actor.can(Permission.portrait_read):
        return []
    try:
        return list(portraits.read(session, actor=actor, enterprise_id=enterprise_id).advice)
    except ZhixinError:
        return []
