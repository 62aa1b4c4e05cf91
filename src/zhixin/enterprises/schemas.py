from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field


class EnterpriseOut(BaseModel):
    id: int
    uscc: str
    name: str
    kind: str
    size_class: str | None
    region_code: str | None
    industry_code: str | None
    established_on: date | None
    registered_capital: Decimal | None
    status: str


class EnterprisePage(BaseModel):
    total: int
    items: list[EnterpriseOut]


class EnterpriseIn(BaseModel):
    uscc: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: str = "企业"
    size_class: str | None = None
    region_code: str | None = None
    industry_code: str | None = None
    established_on: date | None = None
    registered_capital: Decimal | None = None
