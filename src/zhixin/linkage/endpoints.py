"""JSON API of quality linkage under ``/api/v1/linkage``: a loan's and an enterprise's covenant
results and linkage actions, a bank's freeze queue, and the maker-checker reversal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zhixin.accounts.permissions import Permission, Principal
from zhixin.linkage import decisions, reading
from zhixin.linkage.schemas import (
    DecisionIn,
    EnterpriseLinkageOut,
    LoanLinkageOut,
    QueueOut,
    ReversalIn,
    ReversalOut,
)
from zhixin.web.deps import DB, require

router = APIRouter(prefix="/linkage", tags=["贷后联动 linkage"])
Reader = Annotated[Principal, Depends(require(Permission.loan_read))]
Manager = Annotated[Principal, Depends(require(Permission.loan_manage))]
Approver = Annotated[Principal, Depends(require(Permission.loan_approve))]


@router.get("/loans/{contract_id}", response_model=LoanLinkageOut)
def of_loan(contract_id: int, db: DB, principal: Reader) -> LoanLinkageOut:
    """A loan's covenant results (with the payments behind each quality-use result) and its
    linkage actions, each naming the rule and the record, publication or result behind it."""
    return LoanLinkageOut.of(reading.of_loan(db, actor=principal, contract_id=contract_id))


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseLinkageOut)
def of_enterprise(enterprise_id: int, db: DB, principal: Reader) -> EnterpriseLinkageOut:
    """An enterprise's covenant results and linkage actions (a bank: its own loans')."""
    return EnterpriseLinkageOut.of(
        reading.of_enterprise(db, actor=principal, enterprise_id=enterprise_id)
    )


@router.get("/queue", response_model=QueueOut)
def queue(db: DB, principal: Reader) -> QueueOut:
    """A bank's freezes in force and its reversal requests (pending first)."""
    return QueueOut.of(reading.queue(db, actor=principal))


@router.post("/actions/{action_id}/reversal", response_model=ReversalOut, status_code=201)
def request_reversal(action_id: int, body: ReversalIn, db: DB, principal: Manager) -> ReversalOut:
    """A bank officer asks to reverse a linkage action (unfreeze …) with a reason."""
    return ReversalOut.of(
        decisions.request_reversal(db, actor=principal, action_id=action_id, reason=body.reason)
    )


@router.post("/reversals/{reversal_id}/approve", response_model=ReversalOut)
def approve(reversal_id: int, body: DecisionIn, db: DB, principal: Approver) -> ReversalOut:
    """A bank approver who did not ask approves: the reversing action is recorded."""
    return ReversalOut.of(
        decisions.decide_reversal(
            db, actor=principal, reversal_id=reversal_id, approve=True, note=body.note
        )
    )


@router.post("/reversals/{reversal_id}/reject", response_model=ReversalOut)
def reject(reversal_id: int, body: DecisionIn, db: DB, principal: Approver) -> ReversalOut:
    """A bank approver rejects the request (with a note)."""
    return ReversalOut.of(
        decisions.decide_reversal(
            db, actor=principal, reversal_id=reversal_id, approve=False, note=body.note
        )
    )
