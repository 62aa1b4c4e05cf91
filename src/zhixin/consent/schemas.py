"""API shapes of consents (授权)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class ConsentIn(BaseModel):
    tenant_id: int = Field(description="被授权银行的机构（租户）ID")
    scope: str = Field(default="records", max_length=32)
    expires_on: date | None = Field(default=None, description="授权截止日（含），默认一年")


class ConsentOut(BaseModel):
    id: int
    enterprise_id: int
    tenant_id: int
    bank_name: str
    scope: str
    scope_label: str
    granted_at: datetime
    expires_on: date
    revoked_at: datetime | None
    state: str
    state_label: str


class BankOut(BaseModel):
    id: int
    name: str
