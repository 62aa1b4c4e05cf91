from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class RecordOut(BaseModel):
    id: int
    enterprise_id: int
    kind: str
    version: int
    subtype: str | None
    ref: str | None
    title: str | None
    level: str | None
    status: str | None
    issuer: str | None
    event_date: date | None
    valid_from: date | None
    valid_to: date | None
    year: int | None
    amount: Decimal | None
    rank: int | None
    passed: bool | None
    flag: bool | None
    extra: dict[str, object]
    repaired_on: date | None
    source_system: str
    source_ref: str | None
    batch_id: int | None
    known_at: datetime
    superseded_at: datetime | None
    removal_reason: str | None


class RemoveIn(BaseModel):
    reason: str = Field(min_length=1, max_length=1000)


class RepairIn(BaseModel):
    repair_date: date
    reason: str = Field(min_length=1, max_length=2000)


class ReviewIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=2000)


class RepairOut(BaseModel):
    id: int
    record_id: int
    enterprise_id: int
    repair_date: date
    reason: str
    status: str
    requested_at: datetime
    reviewed_at: datetime | None
    review_note: str | None
