"""API shapes of the LPR table."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field


class LprRow(BaseModel):
    effective_on: date = Field(description="生效日（公告日）")
    one_year: Decimal = Field(description="1 年期 LPR，%")
    five_year: Decimal = Field(description="5 年期以上 LPR，%")
    source: str = Field(description="来源：公告，或操作员的说明")
    origin: str = Field(description="shipped 随软件发布 / operator 操作员录入")
    origin_label: str
    overrides_shipped: bool = Field(
        default=False, description="操作员录入的这一行替换了随软件发布的同日数据"
    )
    set_by: str | None = None
    set_at: datetime | None = None


class LprOnOut(BaseModel):
    on: date = Field(description="查询日")
    effective_on: date = Field(description="当日适用的 LPR 的生效日")
    one_year: Decimal
    five_year: Decimal
    source: str
    stale: bool = Field(description="表中最新日期早于最近一个 20 日：LPR 表可能未更新")


class LprIn(BaseModel):
    one_year: Decimal = Field(gt=0, lt=20, description="1 年期 LPR，%（如 3.00）")
    five_year: Decimal = Field(gt=0, lt=20, description="5 年期以上 LPR，%（如 3.50）")
    note: str = Field(default="", max_length=200, description="说明，如公告名称")
