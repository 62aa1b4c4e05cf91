"""Needs as the API and the pages show them: names, labels, whose contact shows, the clock's
state, the products of the reading bank that could serve each, and the events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.demand import repository as repo
from zhixin.demand import rules
from zhixin.demand.models import FinancingNeed
from zhixin.demand.schemas import NeedEventOut, NeedOut
from zhixin.demand.service import bank_code_of, bank_names, product_scopes, serving_products
from zhixin.enterprises import service as enterprises
from zhixin.kit import clock

EVENT_LABELS = {
    "posted": "发布需求",
    "taken": "银行接单",
    "assigned": "专班指派",
    "contacted": "已联系企业",
    "onsite": "已上门走访",
    "applied": "已受理贷款申请",
    "refused": "银行拒绝",
    "escalated": "移交融资协调专班",
    "released": "专班退回需求市场",
    "withdrawn": "企业撤回",
}


def outs(
    session: Session, *, actor: Principal, needs: Sequence[FinancingNeed], with_events: bool = False
) -> list[NeedOut]:
    today = clock.today()
    names = (
        enterprises.names_by_ids(session, actor=actor, ids=sorted({n.enterprise_id for n in needs}))
        if actor.can(Permission.enterprise_read)
        else {}
    )
    code = bank_code_of(session, actor) if actor.tenant_kind == TenantKind.bank else None
    scopes = product_scopes(session) if code else []
    found = repo.events(session, [n.id for n in needs]) if with_events else []
    banks = bank_names(session, {n.bank_code for n in needs} | {e.bank_code for e in found})
    events: dict[int, list[NeedEventOut]] = {}
    if with_events:
        for e in found:
            events.setdefault(e.need_id, []).append(
                NeedEventOut(
                    kind=e.kind,
                    label=EVENT_LABELS.get(e.kind, e.kind),
                    on=e.day,
                    bank_code=e.bank_code,
                    bank_name=banks.get(e.bank_code) if e.bank_code else None,
                    reason_code=e.reason_code,
                    note=e.note,
                    late=e.late,
                )
            )
    out = []
    for n in needs:
        contact = code is None or n.bank_code == code
        out.append(
            NeedOut(
                id=n.id,
                enterprise_id=n.enterprise_id,
                enterprise_name=names.get(n.enterprise_id, ("", f"经营主体 {n.enterprise_id}"))[1],
                region_code=n.region_code,
                amount=n.amount,
                term_months=n.term_months,
                purpose=n.purpose,
                purpose_label=rules.PURPOSES.get(n.purpose, n.purpose),
                quality_purpose=n.purpose in rules.QUALITY_PURPOSES,
                collateral=n.collateral,
                collateral_label=rules.COLLATERAL.get(n.collateral, n.collateral),
                contact_name=n.contact_name if contact else None,
                contact_phone=n.contact_phone if contact else None,
                note=n.note,
                listed=n.listed,
                grade=n.grade,
                posted_at=n.posted_at,
                take_due_on=n.take_due_on,
                status=n.status,
                status_label=rules.STATUS_LABELS.get(n.status, n.status),
                bank_code=n.bank_code,
                bank_name=banks.get(n.bank_code) if n.bank_code else None,
                assigned=n.assigned,
                due_on=n.due_on,
                overdue=rules.overdue(n.status, today, n.due_on)
                or (n.status == "open" and today > n.take_due_on),
                refusal_code=n.refusal_code,
                refusal_label=rules.REFUSALS.get(n.refusal_code) if n.refusal_code else None,
                escalation=n.escalation,
                escalation_label=rules.ESCALATIONS.get(n.escalation) if n.escalation else None,
                products=[p.name for p in serving_products(session, code, n, scopes)]
                if code
                else [],
                events=events.get(n.id, []),
            )
        )
    return out
