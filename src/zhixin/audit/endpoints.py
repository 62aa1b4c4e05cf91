"""JSON API for auditors: the audit log and its verification."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service
from zhixin.web.deps import DB, UnitOfWorkRoute, require

router = APIRouter(tags=["审计 audit"], route_class=UnitOfWorkRoute)
Auditor = Annotated[Principal, Depends(require(Permission.audit_read))]


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str | None
    object_id: str | None
    ip: str | None
    outcome: str
    detail: dict[str, object]


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    findings: list[dict[str, object]]


@router.get("/audit/events", response_model=list[EventOut])
def events(
    db: DB,
    principal: Auditor,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_seq: int | None = None,
    action: Annotated[
        str | None,
        Query(max_length=64, description="操作，如 data.export；以 . 或 * 结尾按前缀，如 data."),
    ] = None,
    actor: Annotated[str | None, Query(max_length=64, description="操作人用户名")] = None,
    since: Annotated[date | None, Query(description="起始日（北京时间，含）")] = None,
    until: Annotated[date | None, Query(description="截止日（北京时间，含）")] = None,
) -> list[EventOut]:
    rows = service.list_events(
        db,
        actor=principal,
        limit=limit,
        before_seq=before_seq,
        action=action,
        who=actor,
        since=since,
        until=until,
    )
    return [EventOut.model_validate(e, from_attributes=True) for e in rows]


@router.get("/audit/verify", response_model=VerifyOut)
def verify(db: DB, principal: Auditor) -> VerifyOut:
    result = service.verify(db)
    return VerifyOut(
        ok=result.ok,
        checked=result.checked,
        findings=[{"seq": f.seq, "problem": f.problem} for f in result.findings],
    )
