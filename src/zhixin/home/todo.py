"""What each actor has to do today, counted for the home page (issue 21 item 5): 待审核 (what
waits for this actor's decision), 今日到期 and 已逾期 (the applications' fast-lane deadlines,
working days). Read through each domain's service, so every count covers exactly what the
actor may see."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.applications import consultation, reading
from zhixin.applications.rules import State
from zhixin.records import service as records
from zhixin.whitelist import service as whitelist

# the application states that wait for a bank officer (受理, 审查, 补充材料 received back)
OFFICER_WAITING = frozenset({State.submitted, State.accepted, State.under_review})


@dataclass(frozen=True)
class Todo:
    """One count of the home page: what, how many, where to act; ``alarm`` when overdue."""

    key: str
    label: str
    count: int
    href: str
    alarm: bool = False


def todos(session: Session, principal: Principal) -> list[Todo]:
    out: list[Todo] = []
    if principal.can(Permission.whitelist_approve):
        drafts = [
            p
            for p in whitelist.list_publications(session, actor=principal)
            if p.status == "draft" and p.drafted_by_id != principal.user_id
        ]
        out.append(Todo("whitelist-drafts", "待审核的白名单草稿", len(drafts), "/whitelist"))
    if principal.can(Permission.repair_review):
        pending = records.list_repairs(session, actor=principal, status="pending")
        out.append(Todo("repairs", "待审核的信用修复申请", len(pending), "/repairs"))
    if principal.can(Permission.application_read) and not principal.enterprise_id:
        q = reading.queue(session, actor=principal)
        if principal.can(Permission.application_approve):
            waiting = q.counts.get(State.pending_approval.value, 0)
            out.append(
                Todo(
                    "to-approve",
                    "待审批的贷款申请",
                    waiting,
                    "/applications?state=pending_approval",
                )
            )
        if principal.can(Permission.application_review):
            waiting = sum(q.counts.get(s.value, 0) for s in OFFICER_WAITING)
            out.append(Todo("to-review", "待受理或审核的贷款申请", waiting, "/applications"))
        out.append(Todo("due-today", "今日到期", q.due_today, "/applications"))
        out.append(
            Todo("overdue", "已逾期", q.overdue, "/applications?overdue=true", alarm=q.overdue > 0)
        )
    if principal.can(Permission.consultation_manage):
        c = consultation.queue(session, actor=principal)
        out.append(Todo("consultations", "待会诊的申请", c.open, "/consultations"))
    return out
