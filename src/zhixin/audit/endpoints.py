"""JSON API for auditors: the audit log and its verification."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service
from zhixin.web.deps import DB, require

router = APIRouter(tags=["审计 audit"])
Auditor = Annotated[Principal, Depends(require(Permission.audit_read))]


class EventOut(BaseModel):
    seq: int
    scheme: str = Field(
        description="该条的哈希方式：sha256（升级前，无密钥）、hmac-sha256、hmac-sm3"
    )
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
    checked: int = Field(description="数据库中校验的记录条数")
    archived: int = Field(description="已归档移出数据库的记录条数（其签名已核对）")
    head_seq: int = Field(description="链头序号")
    findings: list[dict[str, object]] = Field(
        description="每处问题：seq（0 表示不属于某一条）与 problem（中文说明）"
    )


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
    """校验带密钥的哈希链、链头封印与归档签名（审计员）。签名检查点在数据库之外，用
    `zhixin audit verify --checkpoints DIR` 核对。"""
    result = service.verify(db)
    return VerifyOut(
        ok=result.ok,
        checked=result.checked,
        archived=result.archived,
        head_seq=result.head_seq,
        findings=[{"seq": f.seq, "problem": f.problem} for f in result.findings],
    )
