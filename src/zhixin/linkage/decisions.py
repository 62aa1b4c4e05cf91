"""Reversing a linkage action by an audited maker-checker decision: a bank officer
(``loan:manage``) asks with a reason, a bank approver (``loan:approve``) who is not the one
who asked approves or rejects. The approved decision writes the reversing action through
``service.record_actions`` (unfreeze, re-lock, rate reversal from the next period, 贴息
restored) and marks the original ``reversed``. Never commits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.linkage import repository as repo
from zhixin.linkage import rules
from zhixin.linkage.actions import Act, record_actions
from zhixin.linkage.models import LinkageAction, ReversalRequest
from zhixin.loans import linked as book

NOT_FOUND = "未找到该联动措施"


def _bank_action(session: Session, actor: Principal, action_id: int) -> LinkageAction:
    a = repo.action(session, action_id)
    if a is None or actor.tenant_kind != TenantKind.bank or a.bank_tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)
    return a


def request_reversal(
    session: Session, *, actor: Principal, action_id: int, reason: str
) -> ReversalRequest:
    """A bank officer asks to reverse the action (e.g. unfreeze) with a reason."""
    if not actor.can(Permission.loan_manage):
        raise Forbidden("只有贷款银行的客户经理可以申请撤销联动措施")
    a = _bank_action(session, actor, action_id)
    why = reason.strip()
    if not why:
        raise Invalid("请填写撤销理由")
    try:
        rules.check_reversal(
            kind=a.kind, status=a.status, requested_by=actor.user_id or 0, approver=None
        )
    except rules.Refused as exc:
        raise Conflict(str(exc)) from exc
    if repo.pending_reversal_of(session, a.id) is not None:
        raise Conflict("该联动措施已有待复核的撤销申请")
    req = ReversalRequest(
        action_id=a.id,
        bank_tenant_id=a.bank_tenant_id,
        reason=why[:500],
        status="pending",
        requested_by_id=actor.user_id,
        requested_at=utcnow(),
    )
    session.add(req)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="linkage.reversal.request",
        object_type="linkage_reversal",
        object_id=req.id,
        detail={"action_id": a.id, "kind": a.kind, "reason": why[:200]},
    )
    return req


def decide_reversal(
    session: Session,
    *,
    actor: Principal,
    reversal_id: int,
    approve: bool,
    note: str = "",
    on: date | None = None,
) -> ReversalRequest:
    """The checker: another person, a bank approver, approves (the reversing action is
    recorded) or rejects (with a note)."""
    if not actor.can(Permission.loan_approve):
        raise Forbidden("只有贷款银行的审批人员可以复核撤销申请")
    req = repo.reversal(session, reversal_id)
    if req is None or actor.tenant_kind != TenantKind.bank or req.bank_tenant_id != actor.tenant_id:
        raise NotFound("未找到该撤销申请")
    if req.status != "pending":
        raise Conflict("该撤销申请已复核")
    a = repo.action(session, req.action_id)
    assert a is not None
    try:
        rules.check_reversal(
            kind=a.kind,
            status=a.status,
            requested_by=req.requested_by_id,
            approver=actor.user_id,
        )
    except rules.Refused as exc:
        raise Forbidden(str(exc)) if "审贷分离" in str(exc) else Conflict(str(exc)) from exc
    if not approve and not note.strip():
        raise Invalid("请填写驳回理由")
    req.status = "approved" if approve else "rejected"
    req.decided_by_id = actor.user_id
    req.decided_at = utcnow()
    req.decision_note = note.strip()[:500] or None
    session.flush()
    if approve:
        _reverse(session, actor, a, req, on or clock.today())
    audit.record(
        session,
        actor=Actor.of(actor),
        action="linkage.reversal.approve" if approve else "linkage.reversal.reject",
        object_type="linkage_reversal",
        object_id=req.id,
        detail={"action_id": a.id, "kind": a.kind, "note": (note.strip() or None)},
    )
    return req


def _reverse(
    session: Session, actor: Principal, a: LinkageAction, req: ReversalRequest, day: date
) -> None:
    ref = book.contract_ref(session, a.contract_id)
    assert ref is not None
    kind = rules.REVERSAL_OF[a.kind]
    reason = f"撤销「{rules.ACTION_LABELS.get(a.kind, a.kind)}」（措施 #{a.id}）：{req.reason}"
    common: dict[str, Any] = {
        "rule": a.rule,
        "record_id": a.record_id,
        "publication_id": a.publication_id,
        "covenant_result_id": a.covenant_result_id,
        "milestone": a.milestone,
        "reverses_id": a.id,
        "decision_id": req.id,
    }
    if kind == "rate_reverse":
        if a.status == "scheduled":  # not begun: cancelled, nothing to undo on the book
            repo.set_status(session, [a.id], "reversed")
            record_actions(
                session, [Act(ref, kind, reason=reason, bp=0, **common)], actor=Actor.of(actor)
            )
            return
        starts = book.next_period_starts(session, [a.contract_id], day)
        act = Act(
            ref,
            kind,
            reason=reason + "，自下一计息期起恢复",
            status="scheduled",
            bp=-(a.bp or 0),
            effective_on=starts.get(a.contract_id, day),
            **common,
        )
    else:
        act = Act(ref, kind, reason=reason, **common)
    repo.set_status(session, [a.id], "reversed")
    record_actions(session, [act], actor=Actor.of(actor))
