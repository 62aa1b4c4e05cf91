"""API shapes of products."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from zhixin.products.schema import Product


class VersionOut(BaseModel):
    id: int
    version: str
    sha256: str
    loaded_at: datetime


class ProductOut(BaseModel):
    """A product's current version: the headline figures and the whole configuration."""

    code: str = Field(description="产品代码")
    name: str = Field(description="产品名称")
    bank_code: str
    bank_name: str
    kind: str = Field(description="纯信用 / 质押 / 保证担保 / 组合")
    summary: str
    catalog: str = Field(description="采信哪套指标目录的等级")
    version: str
    version_id: int = Field(description="当前版本在平台上的编号（报价与申请记录此编号）")
    sha256: str
    amount_min: Decimal
    amount_max: Decimal
    term_min: int
    term_max: int
    methods: list[str]
    channel: str
    fast_lane_days: int | None = Field(description="白名单企业绿色通道时限（工作日）")
    rate_from: Decimal | None = Field(
        description="按当日 LPR、最优等级且全部优惠条件满足时的最低执行利率（%）"
    )
    lpr_on: date | None = Field(description="rate_from 所用 LPR 的生效日")
    config: Product = Field(description="完整的产品配置")
    versions: list[VersionOut] = Field(
        default_factory=list, description="平台上存过的各个版本（新在前；仅详情返回）"
    )
