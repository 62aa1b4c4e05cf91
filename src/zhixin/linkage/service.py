"""Quality linkage after the loan (贷后联动): covenant checks, freezes on negative records and
whitelist removals, tranche unlocks and rate cuts on verified milestones, rate changes applied
from the next interest period, and their reversal by an audited maker-checker decision.

Every linkage action goes through :func:`record_actions` (the one place that writes a
``linkage_action`` row, applies its immediate effect on the book, audits it and queues its
webhook event). Never commits: the CLI's, the worker's or the request's unit of work does.

The worker's cycle is here; the one path (``actions``) and the covenant checks
(``covenants``) are split off by concept and re-exported, so callers keep ``service.X``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from zhixin.kit import clock
from zhixin.linkage import repository as repo
from zhixin.linkage import rules

# The modules split off by concept, named here too: callers write ``service.X``.
from zhixin.linkage.actions import SYSTEM, Act, _product, record_actions
from zhixin.linkage.covenants import (
    CheckResult,
    check_covenants,
    subsidy_withheld,
    withheld_contracts,
)
from zhixin.loans import linked as book
from zhixin.loans.linked import ContractRef
from zhixin.products.schema import Product
from zhixin.records import service as records
from zhixin.records.kinds import RECORD_KINDS
from zhixin.whitelist import service as whitelist

__all__ = [
    "RECORDS_CURSOR",
    "SYSTEM",
    "WHITELIST_CURSOR",
    "Act",
    "CheckResult",
    "Cycle",
    "apply_due_rates",
    "check_covenants",
    "record_actions",
    "run_cycle",
    "subsidy_withheld",
    "withheld_contracts",
]

RECORDS_CURSOR = "records"
WHITELIST_CURSOR = "whitelist"


# -- negative and positive linkage: the worker's cycle -----------------------------------------


@dataclass
class Cycle:
    records: int = 0  # records read
    removals: int = 0  # whitelist removals read
    freezes: int = 0
    unlocks: int = 0
    rate_cuts: int = 0
    rates_applied: int = 0
    action_ids: list[int] = field(default_factory=list)


def _start(session: Session, name: str, now_at: int) -> int:
    """The cursor; on the very first cycle it starts at what exists now (linkage acts on what
    arrives after it is switched on, never on the history)."""
    pos = repo.cursor(session, name)
    if pos is None:
        repo.set_cursor(session, name, now_at)
        return now_at
    return pos


def run_cycle(session: Session, *, day: date | None = None, limit: int = 10_000) -> Cycle:
    """One cycle of the worker: read the records and whitelist removals that arrived since the
    last cycle, freeze, unlock and cut as the contracts' products say, then apply the rate
    changes whose period has begun. Returns what it did."""
    today = day or clock.today()
    out = Cycle()
    cache: dict[int, Product | None] = {}
    acts: list[Act] = []
    kinds = sorted(RECORD_KINDS)
    after = _start(session, RECORDS_CURSOR, records.last_record_id(session))
    arrived = records.arrivals(session, after_id=after, kinds=kinds, limit=limit)
    out.records = len(arrived)
    if arrived:
        contracts = book.active_contracts_of(session, {r.enterprise_id for r in arrived})
        by_enterprise: dict[int, list[ContractRef]] = {}
        for c in contracts:
            by_enterprise.setdefault(c.enterprise_id, []).append(c)
        seen: set[tuple[int, str]] = set()
        for r in arrived:
            memo: dict[int, _Reading] = {}  # per product version: the record read once
            for c in by_enterprise.get(r.enterprise_id, []):
                product = _product(session, c.product_version_id, cache)
                if product is None:
                    continue
                reading = memo.get(c.product_version_id)
                if reading is None:
                    reading = memo[c.product_version_id] = _read_record(product, r)
                acts.extend(_record_acts(session, c, product, r, today, seen, reading))
        repo.set_cursor(session, RECORDS_CURSOR, arrived[-1].id)
    seq = _start(session, WHITELIST_CURSOR, whitelist.last_change_seq(session))
    removed = whitelist.removals_after(session, seq=seq, limit=limit)
    out.removals = len(removed)
    if removed:
        contracts = book.active_contracts_of(session, {r.enterprise_id for r in removed})
        for rm in removed:
            for c in contracts:
                if c.enterprise_id != rm.enterprise_id:
                    continue
                product = _product(session, c.product_version_id, cache)
                if product is None or product.linkage is None:
                    continue
                if not product.linkage.freeze_on_whitelist_removal:
                    continue
                acts.append(
                    Act(
                        c,
                        "freeze",
                        f"{product.code}:linkage.freeze_on_whitelist_removal",
                        rules.removal_reason(rm.version),
                        publication_id=rm.publication_id,
                        detail={"whitelist_version": rm.version, "change_seq": rm.seq},
                    )
                )
        repo.set_cursor(session, WHITELIST_CURSOR, removed[-1].seq)
    out.action_ids = record_actions(session, acts)
    out.freezes = sum(1 for a in acts if a.kind == "freeze")
    out.unlocks = sum(1 for a in acts if a.kind == "tranche_unlock")
    out.rate_cuts = sum(1 for a in acts if a.kind == "rate_cut")
    out.rates_applied = apply_due_rates(session, today)
    return out


@dataclass(frozen=True)
class _Reading:
    """What a record means under one product version (the same for each of its contracts)."""

    text: str
    freeze: tuple[str, str] | None  # (rule, reason)
    evidence: list[Any]
    known_at: str


def _read_record(product: Product, r: records.Arrival) -> _Reading:
    kind = RECORD_KINDS[r.kind]
    text = rules.describe_record(kind.label, r.event_date or r.valid_from)
    trigger = rules.freeze_trigger(product.linkage, r)
    freeze = (
        None
        if trigger is None
        else (
            f"{product.code}:linkage.freeze_on:{trigger.record_kind}",
            rules.freeze_reason(trigger.label, text),
        )
    )
    evidence = rules.milestone_evidence(product.linkage, r)
    return _Reading(text, freeze, evidence, r.known_at.isoformat())


def _record_acts(
    session: Session,
    c: ContractRef,
    product: Product,
    r: records.Arrival,
    today: date,
    seen: set[tuple[int, str]],
    reading: _Reading | None = None,
) -> list[Act]:
    reading = reading or _read_record(product, r)
    text = reading.text
    acts: list[Act] = []
    if reading.freeze is not None:
        acts.append(
            Act(
                c,
                "freeze",
                reading.freeze[0],
                reading.freeze[1],
                record_id=r.id,
                detail={"record_kind": r.kind, "known_at": reading.known_at},
            )
        )
    evidence = reading.evidence
    if not evidence:
        return acts
    tranches = book.milestones_of(session, c.id)
    for ev in evidence:
        label = product.milestone_label(ev.milestone)
        reason = rules.milestone_reason(label, ev.label, text)
        rule = f"{product.code}:linkage.milestones:{ev.milestone}"
        if (c.id, ev.milestone) in seen or tranches.get(ev.milestone, True):
            continue  # no such tranche on the contract, verified already, or in this cycle
        seen.add((c.id, ev.milestone))
        if ev.unlock:
            acts.append(
                Act(c, "tranche_unlock", rule, reason, record_id=r.id, milestone=ev.milestone)
            )
        if ev.rate_cut_bp:
            starts = book.next_period_starts(session, [c.id], today)
            acts.append(
                Act(
                    c,
                    "rate_cut",
                    rule,
                    reason + f"，自下一计息期起利率下调 {ev.rate_cut_bp}bp",
                    status="scheduled",
                    record_id=r.id,
                    milestone=ev.milestone,
                    bp=-ev.rate_cut_bp,
                    effective_on=starts.get(c.id, today),
                )
            )
    return acts


def apply_due_rates(session: Session, day: date) -> int:
    """Rate changes whose interest period has begun by ``day``: the book shifts the rate from
    that period (``loans.linked.shift_rate``); the action becomes ``applied``."""
    n = 0
    for a in repo.due_rate_changes(session, day):
        assert a.effective_on is not None and a.bp is not None
        book.shift_rate(session, a.contract_id, a.bp, period_from=a.effective_on)
        repo.set_status(session, [a.id], "applied", applied_on=day)
        n += 1
    return n
