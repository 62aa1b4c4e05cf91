"""The facts a report reads, once, within the reader's scope: every owner's facts module
(applications, loans, whitelist, evaluation, support, demand, linkage, records, risk,
visits), the daily facts and the listed firms, cut to the scope's bank and region.
Re-exported by ``reports.service``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.applications import facts as application_facts
from zhixin.demand import facts as demand_facts
from zhixin.enterprises import service as enterprises
from zhixin.evaluation import facts as evaluation_facts
from zhixin.kit import clock
from zhixin.linkage import facts as linkage_facts
from zhixin.loans import facts as loan_facts
from zhixin.products import service as products
from zhixin.records import facts as record_facts
from zhixin.reports import daily, listed
from zhixin.reports.lapses import LAPSE_DAYS
from zhixin.reports.registry import SECTIONS
from zhixin.reports.rules import Period
from zhixin.reports.scope import Scope
from zhixin.reports.sections import RESOLVE_TARGET_WORKDAYS, Facts
from zhixin.risk import facts as risk_facts
from zhixin.support import facts as support_facts
from zhixin.visits import facts as visit_facts
from zhixin.whitelist import facts as whitelist_facts


def _in_region(places: dict[int, tuple[str, str | None, str | None]], prefix: str | None):  # type: ignore[no-untyped-def]
    def inside(enterprise_id: int) -> bool:
        if prefix is None:
            return True
        region = places.get(enterprise_id, ("", None, None))[1]
        return bool(region) and str(region).startswith(prefix)

    return inside


def gather(
    session: Session,
    period: Period,
    scope: Scope,
    *,
    today: date | None = None,
    rows: bool = True,
    sections: frozenset[str] | None = None,
) -> Facts:
    """Read every fact the sections need, up to the period's end, then keep the scope's.

    ``rows=False`` (the report and the dashboard): the applications are not read row by row —
    the sections on them sum the daily facts (:mod:`zhixin.reports.daily`) and the conversion
    reads the firms' ids — and, outside a region scope, the enterprises' places only for the
    firms a section names. ``rows=True`` (the drill-down lists) reads them all. ``sections``
    (the dashboard's): only what those sections read (None: every section's)."""
    until = period.end
    today = today or clock.today()
    want = frozenset(s.key for s in SECTIONS) if sections is None else sections
    with_loans = rows or bool(want & {"uplift", "lapses", "support", "linkage"})
    with_support = rows or bool(want & {"support", "linkage"})
    with_demand = rows or "demand" in want
    apps = application_facts.application_facts(session, until=until) if rows else []
    # the consultations section: summed by the database, or from the rows in a region scope
    # (the enterprise's county is not on the consultation) and for the drill-down
    cons_rows = rows or ("consultations" in want and scope.region_prefix is not None)
    cons = application_facts.consultation_facts(session, until=until) if cons_rows else []
    cons_counts = (
        application_facts.consultation_counts(
            session,
            start=period.start,
            end=until,
            bank=scope.bank_tenant_id,
            product=scope.product_code,
            within=RESOLVE_TARGET_WORKDAYS,
        )
        if not cons_rows and "consultations" in want
        else None
    )
    draws = loan_facts.drawdown_facts(session, until=until) if with_loans else []
    pub_start = whitelist_facts.in_force(session, period.start - timedelta(days=1))
    pub_end = whitelist_facts.in_force(session, until)
    listed_start: dict[int, int] = {}
    listed_end: dict[int, int] = {}
    listed_regions: dict[int, str | None] = {}
    applied: set[int] = set()
    approved: set[int] = set()
    drawn: set[int] = set()
    wl_start: listed.Listed | None = None
    wl_end: listed.Listed | None = None
    if rows:  # the drill-down lists the firms themselves
        if pub_start:
            listed_start = whitelist_facts.listed_enterprises(session, pub_start.id)
        if pub_end:
            listed_end = whitelist_facts.listed_enterprises(session, pub_end.id)
            listed_regions = enterprises.regions_among(
                session, whitelist_facts.listed_select(pub_end.id)
            )
        applied, approved = application_facts.applicant_firms(
            session, until=until, bank=scope.bank_tenant_id, product=scope.product_code
        )
        drawn = loan_facts.borrower_firms(
            session, until=until, bank=scope.bank_tenant_id, product=scope.product_code
        )
    else:  # the sections: the pre-aggregated whitelist and conversion (reports.listed)
        wl_end = (
            listed.read(
                session,
                pub_end.id,
                until=until,
                bank=scope.bank_tenant_id,
                product=scope.product_code,
                region=scope.region_prefix,
            )
            if pub_end
            else listed.Listed()
        )
        if pub_start is None:
            wl_start = listed.Listed()
        elif pub_end is not None and pub_start.id == pub_end.id:  # the same list: its size
            wl_start = listed.Listed(
                wl_end.firms, wl_end.entries, dict(wl_end.by_region), as_of=wl_end.as_of
            )
        else:
            wl_start = listed.read(
                session,
                pub_start.id,
                until=period.start - timedelta(days=1),
                region=scope.region_prefix,
                conversion=False,
            )

    quality: set[int] = set()
    if rows:
        # quality loans: the contract's origin application (a renewal's chain back) was listed
        listed_app = {a.id for a in apps if a.listed}
        origins = loan_facts.contract_origins(session)
        for contract_id in {d.contract_id for d in draws}:
            seen: set[int] = set()
            current: int | None = contract_id
            while current is not None and current not in seen:
                seen.add(current)
                app_id, parent = origins.get(current, (None, None))
                if app_id is not None:
                    if app_id in listed_app:
                        quality.add(contract_id)
                    break
                current = parent

    supported: list[Any] = []
    if with_support:
        supported += support_facts.guarantee_facts(session, until=until)
        supported += support_facts.claim_facts(session, until=until)
        supported += support_facts.recovery_facts(session, until=until)
        supported += support_facts.subsidy_facts(session, until=until)
        # 质量联动: freezes and covenant results go with the support rows (contract, bank, firm)
        supported += linkage_facts.freeze_facts(session, until=until)
        supported += linkage_facts.covenant_facts(session, until=until)
    need_events = demand_facts.need_events(session, until=until) if with_demand else []
    ledger = demand_facts.ledger_rows(session, until=until) if with_demand else []
    lapse_end = until + timedelta(days=LAPSE_DAYS)
    expiring = (
        record_facts.expiring(session, start=until, end=lapse_end)
        if rows or "lapses" in want
        else []
    )
    # 专利年费: the patents of firms with a running loan or a pledge (banks are cut below)
    patents: list[Any] = []
    pledges: dict[tuple[int, str], set[int]] = {}
    if rows or "lapses" in want:
        holders = sorted({d.enterprise_id for d in draws if d.status == "disbursed"})
        pledges = risk_facts.pledge_banks(session, holders)
        patents = record_facts.patents_in_force(session, holders)
    # 走访 and 对接会, with the applications they read: all of them for the drill-down lists,
    # else only the visited firms' and those an event names (not every application's row)
    with_visits = rows or bool(want & {"visits", "matching", "visit_areas"})
    visited = visit_facts.visit_facts(session, until=until) if with_visits else []
    events = visit_facts.event_facts(session, until=until) if with_visits else []
    visit_apps = (
        application_facts.application_facts_of(
            session,
            until=until,
            enterprise_ids={v.enterprise_id for v in visited},
            ids={i for e in events for i in e.application_ids},
        )
        if with_visits and not rows
        else []
    )

    if rows or scope.region_prefix is not None:
        ids = {a.enterprise_id for a in apps} | {c.enterprise_id for c in cons}
        ids |= {d.enterprise_id for d in draws}
        ids |= {x.enterprise_id for x in supported}
        ids |= {e.enterprise_id for e in need_events} | {r.enterprise_id for r in ledger}
        ids |= {v.enterprise_id for v in visited} | {a.enterprise_id for a in visit_apps}
        ids |= {p.enterprise_id for p in patents}
        if scope.region_prefix is not None:
            ids |= set(listed_start) | set(listed_end)
    else:  # the firms named: those with a certificate or a patent lapsing (reports.lapses)
        ids = {x.enterprise_id for x in expiring} | {p.enterprise_id for p in patents}
    places = enterprises.places_by_ids(session, sorted(ids))
    inside = _in_region(places, scope.region_prefix)
    banks = accounts.tenant_names(session, "bank")
    if scope.bank_tenant_id is not None:
        banks = {k: v for k, v in banks.items() if k == scope.bank_tenant_id}
        apps = [a for a in apps if a.bank_tenant_id == scope.bank_tenant_id]
        cons = [c for c in cons if c.bank_tenant_id == scope.bank_tenant_id]
        draws = [d for d in draws if d.bank_tenant_id == scope.bank_tenant_id]
        supported = [x for x in supported if x.bank_tenant_id == scope.bank_tenant_id]
        own_code = banks[scope.bank_tenant_id][0] if banks else None
        need_events = [e for e in need_events if e.bank_code == own_code]
        visited = [v for v in visited if v.bank_code == own_code]
        events = [e for e in events if own_code in e.bank_codes]
        visit_apps = [a for a in visit_apps if a.bank_tenant_id == scope.bank_tenant_id]
        ledger = [r for r in ledger if r.bank_code == own_code]
    if scope.product_code is not None:
        # support rows follow their contract's product (known from its drawdowns)
        product_contracts = {d.contract_id for d in draws if d.product_code == scope.product_code}
        supported = [x for x in supported if x.contract_id in product_contracts]
        need_events = []  # a need names no product
        visited = []  # nor does a visit
        visit_apps = [a for a in visit_apps if a.product_code == scope.product_code]
        ledger = [r for r in ledger if r.product_code == scope.product_code]
        apps = [a for a in apps if a.product_code == scope.product_code]
        cons = [c for c in cons if c.product_code == scope.product_code]
        draws = [d for d in draws if d.product_code == scope.product_code]
    if scope.region_prefix is not None:
        apps = [a for a in apps if inside(a.enterprise_id)]
        cons = [c for c in cons if inside(c.enterprise_id)]
        draws = [d for d in draws if inside(d.enterprise_id)]
        supported = [x for x in supported if inside(x.enterprise_id)]
        need_events = [e for e in need_events if inside(e.enterprise_id)]
        visited = [v for v in visited if inside(v.enterprise_id)]
        visit_apps = [a for a in visit_apps if inside(a.enterprise_id)]
        ledger = [r for r in ledger if inside(r.enterprise_id)]
        listed_start = {e: n for e, n in listed_start.items() if inside(e)}
        listed_end = {e: n for e, n in listed_end.items() if inside(e)}
    if wl_start is None or wl_end is None:  # the drill-down's: the same figures from the sets
        wl_start = listed.from_sets(listed_start, {}, set(), set(), set())
        wl_end = listed.from_sets(listed_end, listed_regions, applied, approved, drawn)
    agg = daily.read(
        session,
        start=period.start,
        end=until,
        today=today,
        bank=scope.bank_tenant_id,
        product=scope.product_code,
        region=scope.region_prefix,
    )
    names = dict(agg.product_names)
    for code in {d.product_code for d in draws} - set(names):
        names[code] = products.product_title(code)
    return Facts(
        agg=agg,
        firms={"applied": applied, "approved_firms": approved, "drawn": drawn},
        listed_at_start=wl_start,
        listed_at_end=wl_end,
        listed_regions=listed_regions,
        period=period,
        today=today,
        banks=banks,
        applications=apps,
        consultations=cons,
        consultation_counts=cons_counts,
        drawdowns=draws,
        quality_contracts=quality,
        listed_start=listed_start,
        listed_end=listed_end,
        version_start=pub_start,
        version_end=pub_end,
        places=places,
        product_names=names,
        region_prefix=scope.region_prefix,
        grades=evaluation_facts.grade_history(
            session, sorted({d.enterprise_id for d in draws if d.renewed_from_id is None})
        )
        if rows or "uplift" in want
        else {},
        guarantees=[x for x in supported if isinstance(x, support_facts.GuaranteeFact)],
        claims=[x for x in supported if isinstance(x, support_facts.ClaimFact)],
        recoveries=[x for x in supported if isinstance(x, support_facts.RecoveryFact)],
        subsidies=[x for x in supported if isinstance(x, support_facts.SubsidyFact)],
        need_events=need_events,
        ledger=ledger,
        freezes=[x for x in supported if isinstance(x, linkage_facts.FreezeFact)],
        covenants=[x for x in supported if isinstance(x, linkage_facts.CovenantFact)],
        expiring=expiring,
        patents=patents,
        pledges=pledges,
        visits=visited,
        events=events,
        visit_applications=apps if rows else visit_apps,
    )
