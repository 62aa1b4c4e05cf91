"""预授信 (pre-approved limits): every enterprise listed on the whitelist in force for a
product's catalog, priced as a batch. Never commits.

The product decides on facts (:func:`zhixin.products.rules.decide`); firms that share every
fact the product can read (class, dimensions, elements, size, region, date of establishment,
records counts) get the same decision, so the batch decides once per distinct combination
(:func:`price_batch`, pure) and maps the decision back to each firm. The request priced is the
levers' (:func:`zhixin.demand.levers.request_for`: the product's smallest amount, 12 months or
the nearest term, its first method), so a row equals the quote service's limit and rate for the
same firm, product and request. A firm the product refuses is left out of the list.

Not yet set-based: each listed firm's facts are still read through the quote's
:func:`zhixin.quotes.facts.gather` (four round trips a firm); the pricing is set-based.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.demand.levers import request_for
from zhixin.kit import clock
from zhixin.lpr import service as lpr
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.schema import Product
from zhixin.products.terms import Decision, Facts, QuoteRequest
from zhixin.quotes import facts as quote_facts
from zhixin.whitelist import service as whitelist


@dataclass(frozen=True)
class Row:
    enterprise_id: int
    uscc: str
    name: str
    grade: str | None
    limit: Decimal
    rate: Decimal
    fast_lane_days: int | None


@dataclass(frozen=True)
class Batch:
    product_code: str
    product_name: str
    whitelist_version: int | None
    on: date
    listed: int  # firms on the whitelist in force
    combinations: int  # distinct fact combinations decided
    rows: list[Row]  # the eligible firms, by enterprise id


def signature(facts: Facts) -> Hashable:
    """Every fact a product may read, the firm's identity left out."""
    return (
        facts.size_class,
        facts.region_code,
        facts.established_on,
        facts.on,
        facts.listed,
        facts.whitelist_version,
        facts.catalog_name,
        facts.overall_class,
        facts.class_rank,
        tuple(sorted(facts.dimension_levels.items())),
        facts.total_score,
        facts.elements_held,
        facts.valid_invention_patents,
        facts.titles,
        facts.awards,
        facts.quality_penalties_2y,
    )


def price_batch(
    product: Product,
    all_facts: Iterable[Facts],
    request: QuoteRequest,
    lpr_rates: Mapping[str, Decimal],
) -> tuple[list[Row], int]:
    """(the eligible firms' rows, the number of distinct combinations decided)."""
    decided: dict[Hashable, Decision] = {}
    rows: list[Row] = []
    for f in all_facts:
        key = signature(f)
        d = decided.get(key)
        if d is None:
            d = decided[key] = product_rules.decide(product, f, request, lpr_rates)
        if d.eligible:
            rows.append(
                Row(
                    f.enterprise_id,
                    f.uscc,
                    f.name,
                    f.overall_class,
                    d.limit,
                    d.rate,
                    d.fast_lane_days,
                )
            )
    return rows, len(decided)


def preapprove(session: Session, *, product_code: str, on: date | None = None) -> Batch:
    """The pre-approved list of ``product_code`` on ``on`` (today by default)."""
    _row, product = products.current(session, product_code)
    day = on or clock.today()
    found = whitelist.listed_in_force(
        session, catalog=product.catalog, published_before=clock.end_of_day(day)
    )
    version, ids = found if found is not None else (None, [])
    rates = lpr.rates_on(session, day)
    table = {"1y": rates.one_year, "5y": rates.five_year}
    request = request_for(product, day)
    facts = (quote_facts.gather(session, eid, day, product.catalog) for eid in ids)
    rows, combinations = price_batch(product, facts, request, table)
    return Batch(product.code, product.name, version, day, len(ids), combinations, rows)
