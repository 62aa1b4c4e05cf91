"""The one path of every linkage action: :func:`record_actions` writes the ``linkage_action``
row, applies its immediate effect on the book, audits it, appends its evidence entry and
queues its webhook event. The cycle, the covenant checks, the renewal notch and the reversal
all act through it. Re-exported by ``linkage.service``. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import NotFound
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
from zhixin.webhooks import service as webhooks

SYSTEM = Actor.system("linkage")


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
