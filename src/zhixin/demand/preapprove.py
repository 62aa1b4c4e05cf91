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
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.demand import ledger
from zhixin.demand import repository as repo
from zhixin.demand.levers import request_for
from zhixin.demand.models import PreapprovalList
from zhixin.demand.schemas import (
    OfferCompareOut,
    PreapprovalListOut,
    PreapprovalOut,
    PreapprovalRowOut,
    PushOut,
)
from zhixin.demand.service import bank_code_of
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound
from zhixin.evaluation import service as evaluation
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.kit.sheets import Book
from zhixin.lpr import service as lpr
from zhixin.products import rules as product_rules
from zhixin.products import service as products
from zhixin.products.schema import Product
from zhixin.products.terms import Decision, Facts, QuoteRequest
from zhixin.quotes import facts as quote_facts
from zhixin.quotes import rules as quote_rules
from zhixin.quotes import service as quotes
from zhixin.records import service as records
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


# -- reading, pushing, comparing -----------------------------------------------------------

NOT_FOUND = "未找到该预授信名单"


def _list_out(
    h: PreapprovalList, within: tuple[int, int, Decimal] | None = None
) -> PreapprovalListOut:
    """The header; ``within`` (pre-approved, fast lane, total limit) replaces the list's own
    counts with those of a regulator's jurisdiction."""
    preapproved, fast, total = within or (h.preapproved, h.fast_lane, h.total_limit)
    return PreapprovalListOut(
        id=h.id,
        product_code=h.product_code,
        product_name=h.product_name,
        bank_code=h.bank_code,
        whitelist_version=h.whitelist_version,
        priced_on=h.priced_on,
        listed=h.listed,
        preapproved=preapproved,
        fast_lane=fast,
        combinations=h.combinations,
        total_limit=total,
        pushed=h.pushed_at is not None,
        pushed_at=h.pushed_at,
        jurisdiction=within is not None,
    )


@dataclass(frozen=True)
class Scope:
    """What of the pre-approved lists a reader sees: one bank's lists (``bank``), the rows of
    one jurisdiction's enterprises (``region``, a regulator's 辖区 prefix), or everything."""

    bank: str | None
    region: str | None

    def within(self) -> Callable[[Any], Any] | None:
        """A filter on a column of enterprise ids: their region within the jurisdiction."""
        region = self.region
        if region is None:
            return None
        return lambda col: enterprises.region_of(col).startswith(region, autoescape=True)


def _scope(session: Session, actor: Principal) -> Scope:
    """A bank reads its own products' lists; a regulator the rows of its jurisdiction's
    enterprises (as everywhere: ``enterprises.jurisdiction``); the task force everything."""
    if not actor.can(Permission.ledger_read):
        raise Forbidden("无权查看预授信名单")
    if actor.tenant_kind == TenantKind.bank:
        return Scope(bank_code_of(session, actor), None)
    return Scope(None, enterprises.jurisdiction(session, actor))


def lists(session: Session, *, actor: Principal) -> list[PreapprovalListOut]:
    """A bank's own products' lists, newest first (every list for the task force; for a
    regulator those with a firm of its jurisdiction, counted within it)."""
    scope = _scope(session, actor)
    headers = repo.preapproval_lists(session, bank_code=scope.bank)
    within = scope.within()
    if within is None:
        return [_list_out(h) for h in headers]
    counts = repo.preapproval_counts(session, [h.id for h in headers], within=within)
    return [_list_out(h, counts[h.id]) for h in headers if h.id in counts]


def _visible(
    session: Session, actor: Principal, list_id: int
) -> tuple[PreapprovalList, Scope, tuple[int, int, Decimal] | None]:
    scope = _scope(session, actor)
    h = repo.preapproval_list(session, list_id)
    if h is None or (scope.bank is not None and h.bank_code != scope.bank):
        raise NotFound(NOT_FOUND)
    within = scope.within()
    if within is None:
        return h, scope, None
    counts = repo.preapproval_counts(session, [h.id], within=within)
    if h.id not in counts:  # no firm of the regulator's jurisdiction: as a missing list
        raise NotFound(NOT_FOUND)
    return h, scope, counts[h.id]


def _rows(
    session: Session,
    actor: Principal,
    h: PreapprovalList,
    scope: Scope,
    offset: int,
    limit: int,
    after: int | None = None,
) -> list[PreapprovalRowOut]:
    rows = repo.preapproval_rows(
        session, h.id, offset=offset, limit=limit, within=scope.within(), after=after
    )
    names = enterprises.names_by_ids(
        session, actor=actor, ids=sorted({r.enterprise_id for r in rows})
    )
    return [
        PreapprovalRowOut(
            enterprise_id=r.enterprise_id,
            uscc=names.get(r.enterprise_id, ("", ""))[0],
            enterprise_name=names.get(r.enterprise_id, ("", f"经营主体 {r.enterprise_id}"))[1],
            grade=r.grade,
            limit=r.limit_amount,
            rate=r.rate,
            fast_lane_days=r.fast_lane_days,
        )
        for r in rows
    ]


def get(
    session: Session, *, actor: Principal, list_id: int, offset: int = 0, limit: int = 1000
) -> PreapprovalOut:
    """One list and a page of its rows (a regulator's: its jurisdiction's firms only), each
    with the firm's USCC and name."""
    h, scope, counts = _visible(session, actor, list_id)
    return PreapprovalOut(
        header=_list_out(h, counts), rows=_rows(session, actor, h, scope, offset, limit)
    )


EXPORT_HEAD = [
    "统一社会信用代码",
    "企业名称",
    "质量信誉等级",
    "预授信额度（元）",
    "执行利率（%）",
    "绿色通道（工作日）",
]


def list_xlsx(session: Session, *, actor: Principal, list_id: int) -> tuple[str, bytes]:
    """(file name, XLSX) of a list as the reader sees it (kit.sheets: a streaming book, the
    rows read in keyset pages of ``EXPORT_PAGE``)."""
    h, scope, counts = _visible(session, actor, list_id)
    book = Book(streaming=True)
    head = book.sheet("预授信名单")
    out = _list_out(h, counts)
    for label, value in (
        ("产品", h.product_name),
        ("定价日", h.priced_on.isoformat()),
        ("白名单版本", h.whitelist_version),
        ("预授信户数", out.preapproved),
        ("绿色通道户数", out.fast_lane),
        ("预授信额度合计（元）", out.total_limit),
        ("状态", "已推送" if h.pushed_at else "未推送"),
    ):
        head.append([label, value])
    head.append([])
    head.append(EXPORT_HEAD)
    after: int | None = None
    while True:  # keyset pages: each read starts after the last firm of the one before
        page = _rows(session, actor, h, scope, 0, EXPORT_PAGE, after)
        for r in page:
            head.append([r.uscc, r.enterprise_name, r.grade, r.limit, r.rate, r.fast_lane_days])
        if len(page) < EXPORT_PAGE:
            break
        after = page[-1].enterprise_id
    return f"preapproval-{h.id}.xlsx", book.to_bytes()


EXPORT_PAGE = 10000


def push(session: Session, *, actor: Principal, list_id: int) -> PushOut:
    """The bank's officer pushes its list: each firm enters the bank's ledger (source
    ``preapproved``, reference: the list's number) so conversion counts it. Again: nothing new."""
    if not actor.can(Permission.ledger_report):
        raise Forbidden("无权推送预授信名单")
    bank = bank_code_of(session, actor)
    h = repo.preapproval_list(session, list_id)
    if h is None or h.bank_code != bank:
        raise NotFound(NOT_FOUND)
    created = ledger.push_preapproved(session, bank_code=bank, list_id=h.id, actor=actor)
    if h.pushed_at is None:
        h.pushed_at = utcnow()
        h.pushed_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="preapproval.push",
        object_type="preapproval_list",
        object_id=h.id,
        detail={"bank_code": bank, "created": created},
    )
    return PushOut(list_id=h.id, created=created)


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
