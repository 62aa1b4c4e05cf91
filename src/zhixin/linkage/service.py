"""Quality linkage after the loan (贷后联动): covenant checks, freezes on negative records and
whitelist removals, tranche unlocks and rate cuts on verified milestones, rate changes applied
from the next interest period, and their reversal by an audited maker-checker decision.

Every linkage action goes through :func:`record_actions` (the one place that writes a
``linkage_action`` row, applies its immediate effect on the book, audits it and queues its
webhook event). Never commits: the CLI's, the worker's or the request's unit of work does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Invalid, NotFound
from zhixin.evidence import service as evidence
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.linkage import repository as repo
from zhixin.linkage import rules
from zhixin.loans import linked as book
from zhixin.loans.linked import ContractRef
from zhixin.products import service as products
from zhixin.products.loader import ProductInvalid
from zhixin.products.schema import Product
from zhixin.records import service as records
from zhixin.records.kinds import RECORD_KINDS
from zhixin.webhooks import service as webhooks
from zhixin.whitelist import service as whitelist

SYSTEM = Actor.system("linkage")
RECORDS_CURSOR = "records"
WHITELIST_CURSOR = "whitelist"


# -- the one path of every linkage action ------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """One linkage action to record: on which contract, what, why (rule and cause)."""

    contract: ContractRef
    kind: str
    rule: str
    reason: str
    status: str = "effective"
    record_id: int | None = None
    publication_id: int | None = None
    covenant_result_id: int | None = None
    milestone: str | None = None
    bp: int | None = None
    effective_on: date | None = None
    reverses_id: int | None = None
    decision_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def record_actions(session: Session, acts: Sequence[Act], *, actor: Actor = SYSTEM) -> list[int]:
    """Record linkage actions and apply their immediate effect on the book: a freeze holds the
    line (its reason refuses new drawdowns and payments), an unfreeze releases it (or leaves
    the reason of another freeze in force), a tranche unlock or re-lock changes the contract's
    tranches; a rate change is scheduled (``apply_due_rates`` moves the rate when its period
    begins); 贴息 withheld and notices are flags others read. Each action is audited (one audit
    event per call, naming the ids) and sent to the bank's webhook endpoints and to the
    enterprise's own (never another enterprise's).

    The one function every linkage action goes through: the evidence log (链上存证) appends here.
    """
    if not acts:
        return []
    stamp = utcnow()
    rows = [
        {
            "contract_id": a.contract.id,
            "enterprise_id": a.contract.enterprise_id,
            "bank_tenant_id": a.contract.bank_tenant_id,
            "kind": a.kind,
            "status": a.status,
            "rule": a.rule[:120],
            "reason": a.reason,
            "record_id": a.record_id,
            "publication_id": a.publication_id,
            "covenant_result_id": a.covenant_result_id,
            "milestone": a.milestone,
            "bp": a.bp,
            "effective_on": a.effective_on,
            "reverses_id": a.reverses_id,
            "decision_id": a.decision_id,
            "detail": a.detail,
            "created_at": stamp,
        }
        for a in acts
    ]
    ids = repo.insert_actions(session, rows)
    today = clock.today()
    freezes: dict[int, str] = {}
    for a in acts:
        if a.kind == "freeze":
            freezes[a.contract.id] = a.reason
        elif a.kind == "unfreeze":
            other = repo.other_freeze(session, a.contract.id, but=a.reverses_id or 0)
            book.unblock_line(session, a.contract.id, other.reason if other else None)
        elif a.kind == "tranche_unlock" and a.milestone:
            book.unlock_tranche(session, a.contract.id, a.milestone, a.reason, today)
        elif a.kind == "tranche_relock" and a.milestone:
            book.relock_tranche(session, a.contract.id, a.milestone)
    book.block_lines(session, freezes)
    datas = [_event_data(a, action_id) for a, action_id in zip(acts, ids, strict=True)]
    webhooks.enqueue_events(
        session,
        [
            webhooks.Event(
                tenant_id=a.contract.bank_tenant_id,
                event_type=rules.EVENT_TYPES.get(a.kind, "loan.linkage"),
                key=f"lk{action_id}",
                data=data,
                enterprise_id=a.contract.enterprise_id,  # the borrower's own endpoints too
            )
            for a, action_id, data in zip(acts, ids, datas, strict=True)
        ],
    )
    audit.record(
        session,
        actor=actor,
        action="linkage.actions",
        object_type="linkage_action",
        object_id=ids[0],
        detail={
            "count": len(ids),
            "kinds": sorted({a.kind for a in acts}),
            "ids": ids[:100],
            "contracts": sorted({a.contract.id for a in acts})[:100],
        },
    )
    # 链上存证: after the audit record (one lock order: audit head, then the log)
    evidence.append(
        session,
        *(
            _evidence_event(a, action_id, data)
            for a, action_id, data in zip(acts, ids, datas, strict=True)
        ),
    )
    return ids


def _evidence_kind(a: Act) -> str:
    """The evidence log's kind of a linkage action: a freeze and an unfreeze are themselves; an
    action a covenant's breach caused is the covenant's result; any other is 质量联动."""
    if a.kind in ("freeze", "unfreeze"):
        return a.kind
    return "covenant" if a.covenant_result_id is not None else "linkage"


def _evidence_event(a: Act, action_id: int, event: dict[str, object]) -> evidence.Event:
    """The evidence entry of an action (``event``: its webhook event's data, not changed)."""
    data = {k: v for k, v in event.items() if k != "href"}
    return evidence.Event(
        kind=_evidence_kind(a),
        data=data,
        subject=("linkage_action", str(action_id)),
        contract=(a.contract.id, a.contract.contract_no),
        enterprise_id=a.contract.enterprise_id,
        bank_tenant_id=a.contract.bank_tenant_id,
    )


def _event_data(a: Act, action_id: int) -> dict[str, object]:
    return {
        "action_id": action_id,
        "kind": a.kind,
        "label": rules.ACTION_LABELS.get(a.kind, a.kind),
        "contract_id": a.contract.id,
        "contract_no": a.contract.contract_no,
        "enterprise_id": a.contract.enterprise_id,
        "reason": a.reason,
        "rule": a.rule,
        "publication_id": a.publication_id,
        "covenant_result_id": a.covenant_result_id,
        "bp": a.bp,
        "effective_on": a.effective_on.isoformat() if a.effective_on else None,
        "href": f"/loans/{a.contract.id}",
    }


# -- products of the contracts ------------------------------------------------------------------


def _product(session: Session, version_id: int, cache: dict[int, Product | None]) -> Product | None:
    """The contract's product version as signed (None: a version that no longer reads)."""
    if version_id not in cache:
        try:
            cache[version_id] = products.by_version(session, version_id)[1]
        except (NotFound, ProductInvalid):
            cache[version_id] = None
    return cache[version_id]


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
