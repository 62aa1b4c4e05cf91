"""Comparing an enterprise's pre-approved offers: each priced by the quote service on one common
request so that 年化利率 and total cost compare, and their orderings (``OFFER_SORTS``). Never
commits."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.demand import repository as repo
from zhixin.demand.levers import request_for
from zhixin.demand.schemas import OfferCompareOut
from zhixin.demand.service import bank_code_of
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound
from zhixin.kit import clock
from zhixin.products import service as products
from zhixin.quotes import rules as quote_rules
from zhixin.quotes import service as quotes


def offers(session: Session, *, actor: Principal, enterprise_id: int) -> list[OfferCompareOut]:
    """The enterprise's pre-approved offers (its row on each product's newest pushed list),
    each priced by the quote service on one common request — the smallest of the offered
    limits (raised to a product's minimum amount), 12 months or the nearest term the product
    allows, its first method — so 年化利率 and total cost compare; lowest 年化利率 first."""
    if not actor.can(Permission.quote_run):
        raise Forbidden("无权查看预授信")
    if actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id != enterprise_id:
        raise NotFound("未找到该经营主体")
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound("未找到该经营主体")
    found = repo.offers_of(session, enterprise_id)
    if actor.tenant_kind == TenantKind.bank:  # a bank: its own products' offers only
        bank = bank_code_of(session, actor)
        found = [(h, row) for h, row in found if h.bank_code == bank]
    if not found:
        return []
    common = min(row.limit_amount for _h, row in found)
    today = clock.today()
    out: list[OfferCompareOut] = []
    for h, row in found:
        _pv, product = products.current(session, h.product_code)
        base = request_for(product, today)
        request = replace(base, amount=max(common, Decimal(product.amount.min)))
        q = quotes.quote(
            session,
            actor=actor,
            product_code=h.product_code,
            enterprise_id=enterprise_id,
            request=request,
            store=False,
        )
        costs = q.costs if q.eligible else None
        out.append(
            OfferCompareOut(
                list_id=h.id,
                product_code=h.product_code,
                product_name=h.product_name,
                bank_name=product.bank_name,
                limit=row.limit_amount,
                rate=row.rate,
                fast_lane_days=row.fast_lane_days,
                amount=request.amount,
                term_months=request.term_months,
                annualised_rate=costs.annualised_rate if costs else None,
                total_cost=costs.effective_cost if costs else None,
                priced_on=h.priced_on,
                valid_until=(
                    quote_rules.valid_until(h.priced_on, product.offer.validity_days)
                    if product.offer is not None
                    else None
                ),
            )
        )
    return sort_offers(out, "annualised_rate")


# how the offers may be ordered (the page's column heads): key → (label, lowest first?)
OFFER_SORTS: dict[str, tuple[str, bool]] = {
    "annualised_rate": ("年化利率", True),
    "total_cost": ("总成本", True),
    "rate": ("执行利率", True),
    "limit": ("预授信额度", False),
    "valid_until": ("有效期至", False),
}


def sort_offers(offers: list[OfferCompareOut], by: str) -> list[OfferCompareOut]:
    """The offers ordered by ``by`` (``OFFER_SORTS``; best first — lowest cost, highest limit,
    longest validity), an offer without the figure last, then by product code."""
    if by not in OFFER_SORTS:
        by = "annualised_rate"
    ascending = OFFER_SORTS[by][1]
    have = [o for o in offers if getattr(o, by) is not None]
    missing = [o for o in offers if getattr(o, by) is None]
    have.sort(key=lambda o: o.product_code)
    have.sort(key=lambda o: getattr(o, by), reverse=not ascending)
    return have + sorted(missing, key=lambda o: o.product_code)
