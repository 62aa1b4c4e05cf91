"""预授信 (pre-approved limits): every enterprise listed on the whitelist in force for a
product's catalog, priced as a batch. Never commits.

The product decides on facts (:func:`zhixin.products.rules.decide`); firms that share every
fact the product can read (class, dimensions, elements, size, region, date of establishment,
records counts) get the same decision, so the batch decides once per distinct combination
(:func:`price_batch`, pure) and maps the decision back to each firm. The request priced is the
levers' (:func:`zhixin.demand.levers.request_for`: the product's smallest amount, 12 months or
the nearest term, its first method), so a row equals the quote service's limit and rate for the
same firm, product and request. A firm the product refuses is left out of the list.

The facts are read column-wise (:func:`listed_facts`): one set-based query per table for all
listed firms, never a round trip per firm.

Reading, exporting and pushing the stored lists are in ``preapproval_lists``, comparing an
enterprise's offers in ``preapproval_offers``: re-exported here so that callers keep
``preapprove.X``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.demand import repository as repo
from zhixin.demand.levers import request_for
from zhixin.demand.models import PreapprovalList

# The lists and the offers, named here too: callers write ``preapprove.X`` as before.
from zhixin.demand.preapproval_lists import (
    EXPORT_HEAD,
    EXPORT_PAGE,
    NOT_FOUND,
    Scope,
    get,
    list_xlsx,
    lists,
    push,
)
from zhixin.demand.preapproval_offers import (
    OFFER_SORTS,
    offers,
    sort_offers,
)
from zhixin.enterprises import service as enterprises
from zhixin.evaluation import service as evaluation
from zhixin.kit import clock
from zhixin.lpr import service as lpr
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.schema import Product
from zhixin.products.terms import Decision, Facts, QuoteRequest
from zhixin.quotes import facts as quote_facts
from zhixin.records import service as records
from zhixin.whitelist import service as whitelist

__all__ = [
    "EXPORT_HEAD",
    "EXPORT_PAGE",
    "NOT_FOUND",
    "OFFER_SORTS",
    "Batch",
    "Row",
    "Scope",
    "create_list",
    "get",
    "list_xlsx",
    "listed_facts",
    "lists",
    "offers",
    "preapprove",
    "price_batch",
    "push",
    "signature",
    "sort_offers",
]


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
        facts.evaluation_run_id,
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
    """(the eligible firms' rows, the number of distinct combinations decided): one decision
    per distinct :func:`signature`, mapped back to every firm that has it."""
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


def listed_facts(session: Session, catalog: str, on: date) -> tuple[int | None, list[Facts]]:
    """(the version in force, the facts of every firm listed in it) as
    :func:`zhixin.quotes.facts.gather` gives them one firm at a time — read column-wise: one
    set-based query per table (identities, results, dimensions, elements, records counts)."""
    found = whitelist.listed_in_force(
        session, catalog=catalog, published_before=clock.end_of_day(on)
    )
    if found is None:
        return None, []
    version, pairs = found
    ids = select(pairs.subquery().c.enterprise_id)
    idents = enterprises.identities_among(session, ids)
    grades = evaluation.grades_among(session, pairs)
    counts = records.pricing_counts_among(
        session,
        ids,
        on=on,
        award_from_year=on.year - quote_facts.AWARD_YEARS + 1,
        penalty_after=quote_facts.years_before(on, quote_facts.PENALTY_YEARS),
    )
    names: dict[int, tuple[dict[str, str], dict[str, int]]] = {}
    none = records.PricingCounts(0, frozenset(), frozenset(), 0)
    out: list[Facts] = []
    for eid in sorted(grades):
        ent = idents.get(eid)
        if ent is None:  # pragma: no cover - a foreign key guards it
            continue
        g = grades[eid]
        if g.run_id not in names:
            levels = quote_facts.levels_of(session, g.catalog_sha256, g.catalog_version_id)
            names[g.run_id] = (
                {lv.code: lv.name for lv in levels},
                {lv.code: i + 1 for i, lv in enumerate(levels)},
            )
        name_of, rank_of = names[g.run_id]
        c = counts.get(eid, none)
        overall = g.overall_level
        out.append(
            Facts(
                enterprise_id=ent.id,
                uscc=ent.uscc,
                name=ent.name,
                size_class=ent.size_class,
                region_code=ent.region_code,
                established_on=ent.established_on,
                on=on,
                listed=True,
                whitelist_version=version,
                evaluation_run_id=g.run_id,
                catalog_name=g.catalog_name,
                overall_class=name_of.get(overall) if overall else None,
                class_rank=rank_of.get(overall) if overall else None,
                dimension_levels={
                    d: name_of[lv] for d, lv in g.dimensions.items() if lv in name_of
                },
                total_score=g.total_score,
                elements_held=g.elements,
                valid_invention_patents=c.valid_invention_patents,
                titles=c.titles,
                awards=c.awards,
                quality_penalties_2y=c.quality_penalties,
            )
        )
    return version, out


def preapprove(session: Session, *, product_code: str, on: date | None = None) -> Batch:
    """The pre-approved list of ``product_code`` on ``on`` (today by default)."""
    _row, product = products.current(session, product_code)
    day = on or clock.today()
    version, facts = listed_facts(session, product.catalog, day)
    rates = lpr.rates_on(session, day)
    table = {"1y": rates.one_year, "5y": rates.five_year}
    request = request_for(product, day)
    rows, combinations = price_batch(product, facts, request, table)
    return Batch(product.code, product.name, version, day, len(facts), combinations, rows)


def create_list(
    session: Session, *, product_code: str, on: date | None = None
) -> tuple[PreapprovalList, Batch]:
    """Price ``product_code``'s list (:func:`preapprove`) and store it: the header and one row
    per eligible firm. Audited (``preapproval.create``)."""
    b = preapprove(session, product_code=product_code, on=on)
    _row, product = products.current(session, product_code)
    header = PreapprovalList(
        product_code=b.product_code,
        product_name=b.product_name,
        bank_code=product.bank_code,
        catalog_name=product.catalog,
        whitelist_version=b.whitelist_version,
        priced_on=b.on,
        listed=b.listed,
        preapproved=len(b.rows),
        fast_lane=sum(1 for r in b.rows if r.fast_lane_days is not None),
        combinations=b.combinations,
        total_limit=sum((r.limit for r in b.rows), start=Decimal(0)),
    )
    session.add(header)
    session.flush()
    repo.insert_preapproval_rows(
        session,
        header.id,
        [(r.enterprise_id, r.grade, r.limit, r.rate, r.fast_lane_days) for r in b.rows],
    )
    audit.record(
        session,
        actor=Actor.system("preapprove"),
        action="preapproval.create",
        object_type="preapproval_list",
        object_id=header.id,
        detail={
            "product_code": b.product_code,
            "whitelist_version": b.whitelist_version,
            "preapproved": len(b.rows),
        },
    )
    return header, b
