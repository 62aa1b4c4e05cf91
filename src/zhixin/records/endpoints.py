"""JSON API: quality records, corrections history, credit repair."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.records import service
from zhixin.records.schemas import RecordOut, RemoveIn, RepairIn, RepairOut, ReviewIn
from zhixin.web.deps import DB, require

router = APIRouter(tags=["质量要素记录 records"])
Reader = Annotated[Principal, Depends(require(Permission.record_read))]


def _out(rec: object) -> RecordOut:
    return RecordOut.model_validate(rec, from_attributes=True)


@router.get("/enterprises/{enterprise_id}/records", response_model=list[RecordOut])
def records_of(
    enterprise_id: int,
    db: DB,
    principal: Reader,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    include_history: bool = False,
) -> list[RecordOut]:
    rows = service.records_of(
        db,
        actor=principal,
        enterprise_id=enterprise_id,
        kind=kind,
        include_history=include_history,
    )
    return [_out(r) for r in rows]


@router.get("/records/{record_id}/history", response_model=list[RecordOut])
def history(record_id: int, db: DB, principal: Reader) -> list[RecordOut]:
    return [_out(r) for r in service.history(db, actor=principal, record_id=record_id)]


@router.post("/records/{record_id}/remove", response_model=RecordOut)
def remove(
    record_id: int,
    body: RemoveIn,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.record_write))],
) -> RecordOut:
    return _out(service.remove(db, actor=principal, record_id=record_id, reason=body.reason))


@router.post("/records/{record_id}/repairs", response_model=RepairOut, status_code=201)
def request_repair(
    record_id: int,
    body: RepairIn,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.repair_request))],
) -> RepairOut:
    req = service.request_repair(
        db, actor=principal, record_id=record_id, repair_date=body.repair_date, reason=body.reason
    )
    return RepairOut.model_validate(req, from_attributes=True)


@router.get("/repairs", response_model=list[RepairOut])
def list_repairs(
    db: DB,
    principal: Annotated[
        Principal, Depends(require(Permission.repair_review, Permission.repair_request))
    ],
    status: Annotated[str | None, Query(pattern="^(pending|approved|rejected)$")] = "pending",
) -> list[RepairOut]:
    return [
        RepairOut.model_validate(r, from_attributes=True)
        for r in service.list_repairs(db, actor=principal, status=status)
    ]


@router.post("/repairs/{repair_id}/review", response_model=RepairOut)
def review(
    repair_id: int,
    body: ReviewIn,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.repair_review))],
) -> RepairOut:
    req = service.review_repair(
        db, actor=principal, repair_id=repair_id, approve=body.approve, note=body.note
    )
    return RepairOut.model_validate(req, from_attributes=True)
