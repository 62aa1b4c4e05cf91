"""Covenant checks (贷后约定): each contract's covenants for a period checked against the facts,
breaches recorded, their consequences (rate step-up, subsidy withheld, freeze, notice)
acted through :func:`zhixin.linkage.actions.record_actions`; the subsidy's side reads
which contracts had their 贴息 withheld. Re-exported by ``linkage.service``. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.audit import service as audit
from zhixin.errors import Invalid
from zhixin.kit import clock
from zhixin.linkage import repository as repo
from zhixin.linkage import rules
from zhixin.linkage.actions import SYSTEM, Act, _product, record_actions
from zhixin.loans import linked as book
from zhixin.loans.linked import ContractRef
from zhixin.products.schema import Product
from zhixin.records import service as records
from zhixin.whitelist import service as whitelist

# -- covenants ----------------------------------------------------------------------------------


@dataclass
class CheckResult:
    period: str
    results: int = 0
    breaches: int = 0
    actions: int = 0
    counts: list[tuple[str, bool, int]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def check_covenants(session: Session, period_text: str, *, on: date | None = None) -> CheckResult:
    """Evaluate every active contract's covenants of the period's cadence, set-based per
    product version and covenant (INSERT … SELECT; a contract already checked for the covenant
    and period is left as it is), then record the consequence of each new breach."""
    try:
        period = rules.parse_period(period_text)
    except rules.Refused as exc:
        raise Invalid(str(exc)) from exc
    today = on or clock.today()
    out = CheckResult(period.label)
    cache: dict[int, Product | None] = {}
    listed_of: dict[str, tuple[int, Any] | None] = {}  # catalog → its newest version's firms
    for version_id in book.product_versions_in_force(session):
        product = _product(session, version_id, cache)
        if product is None:
            continue
        if product.catalog not in listed_of:
            listed_of[product.catalog] = whitelist.listed_select(session, product.catalog)
        listed = listed_of[product.catalog]  # "on the whitelist": the product's own catalog's
        due = rules.due(product.covenants, period)
        base = {"version_id": version_id, "period": period.label, "period_end": period.end}
        by_purposes: dict[tuple[str, ...], list[Any]] = {}
        for cov in due:
            if cov.kind == "quality_use_share":
                by_purposes.setdefault(tuple(sorted(cov.purposes)), []).append(cov)
        for purposes, group in by_purposes.items():
            src = book.quality_use_select(version_id, period_end=period.end, purposes=purposes)
            out.results += repo.insert_quality_use(
                session,
                src,
                covenants=[(c.code, c.min_share, c.consequence.kind) for c in group],
                kind="quality_use_share",
                **base,
            )
        for cov in due:
            if cov.kind == "whitelisted":
                if listed is None:
                    out.skipped.append(f"{product.name}「{cov.label}」：尚无已发布的白名单")
                    continue
                members, met_if_member = listed[1], True
            elif cov.kind == "no_serious_penalty":
                members = records.enterprises_with_select(
                    kind="penalty", level_in=["严重"], start=period.start, end=period.end
                )
                met_if_member = False
            else:
                continue
            out.results += repo.insert_membership(
                session,
                book.contracts_select(version_id),
                members,
                met_if_member=met_if_member,
                covenant=cov.code,
                consequence=cov.consequence.kind,
                kind=cov.kind,
                **base,
            )
        for cov in due:
            acts = _consequences(session, product, cov, version_id, period, today)
            out.breaches += len(acts)
            out.actions += len(record_actions(session, acts))
    out.counts = repo.result_counts(session, period.label)
    audit.record(
        session,
        actor=SYSTEM,
        action="linkage.covenants",
        object_type="linkage_covenant_result",
        object_id=period.label,
        detail={"period": period.label, "results": out.results, "breaches": out.breaches},
    )
    return out


def _consequences(
    session: Session,
    product: Product,
    cov: Any,
    version_id: int,
    period: rules.Period,
    today: date,
) -> list[Act]:
    rows = repo.breaches_without_action(
        session, period=period.label, covenant=cov.code, version_id=version_id
    )
    if not rows:
        return []
    refs = {
        r.contract_id: ContractRef(
            r.contract_id, "", r.enterprise_id, r.bank_tenant_id, product.code, version_id
        )
        for r in rows
    }
    kind = cov.consequence.kind
    starts = (
        book.next_period_starts(session, list(refs), max(today, period.end))
        if kind == "rate_step_up"
        else {}
    )
    acts = []
    rule = f"{product.code}:covenants:{cov.code}"
    for r in rows:
        reason = rules.covenant_reason(
            cov.label,
            period.label,
            share=Decimal(str(r.share)) if r.share is not None else None,
            threshold=Decimal(str(r.threshold)) if r.threshold is not None else None,
        )
        c = refs[r.contract_id]
        if kind == "rate_step_up":
            acts.append(
                Act(
                    c,
                    "rate_step_up",
                    rule,
                    reason + f"，自下一计息期起利率上浮 {cov.consequence.bp}bp",
                    status="scheduled",
                    covenant_result_id=r.id,
                    bp=cov.consequence.bp,
                    effective_on=starts.get(r.contract_id, period.next_day),
                )
            )
        elif kind == "freeze":
            acts.append(Act(c, "freeze", rule, reason, covenant_result_id=r.id))
        elif kind == "subsidy_withheld":
            acts.append(
                Act(c, "subsidy_withheld", rule, reason + "，当期暂停贴息", covenant_result_id=r.id)
            )
        else:
            acts.append(Act(c, "notice", rule, reason, covenant_result_id=r.id))
    return acts


def withheld_contracts(session: Session, *, period: str) -> set[int]:
    """Every contract whose 贴息 is withheld for the period (a covenant breached, its
    withholding not reversed): what the subsidy computation's ``covenant_met`` reads."""
    return repo.withheld_contracts(session, rules.parse_period(period).label)


def subsidy_withheld(session: Session, *, contract_id: int, period: str) -> bool:
    """Whether 贴息 is withheld for the contract's period (a covenant breached): the flag the
    subsidy's payer reads."""
    return repo.subsidy_withheld(session, contract_id, rules.parse_period(period).label)
