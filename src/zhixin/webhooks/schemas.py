"""Webhook API shapes. The secret appears only in ``EndpointCreated`` (register, rotate)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class EndpointIn(BaseModel):
    url: str = Field(min_length=1, max_length=2000)
    description: str = Field(default="", max_length=200)


class EndpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    description: str | None
    active: bool
    created_at: datetime
    rotated_at: datetime | None
    previous_expires_at: datetime | None = None


class EndpointCreated(EndpointOut):
    secret: str = Field(description="签名密钥（whsec_…），只显示这一次，请妥善保存")


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    address: str | None
    manual: bool


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    publication_id: int | None
    status: str
    attempts: int
    resends: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    log: list[AttemptOut] = Field(default_factory=list)
