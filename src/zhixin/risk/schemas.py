"""Pydantic in/out models of the risk API (and what pages and the CLI render)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field


class ModelBrief(BaseModel):
    id: int
    code: str
    version: int
    name: str
    kind: str = Field(description="trained 训练模型 / expert 专家评分卡")
    status: str = Field(description="challenger 候选 / champion 在用 / retired 已退役")
    status_label: str
    features: int
    auc: float | None = Field(None, description="验证集 AUC（专家评分卡为空）")
    ks: float | None = None
    gini: float | None = None
    trained_by: str
    approved_by: str | None
    created_at: datetime
    approved_at: datetime | None
    drift_level: str | None = Field(None, description="最近一次 PSI/CSI 监测：stable/warn/alert")
    drift_label: str | None = None


class BinOut(BaseModel):
    label: str
    points: float
    share: float = Field(description="训练样本（或基准总体）中落在此档的比例")
    event_rate: float | None = Field(None, description="训练样本中此档的违约率")


class FeatureOut(BaseModel):
    code: str
    name: str
    dtype: str
    bins: list[BinOut]


class CalibrationOut(BaseModel):
    band: int
    score_min: float
    score_max: float
    count: int
    defaults: int
    observed: float
    predicted: float


class MonitorOut(BaseModel):
    id: int
    ran_at: datetime
    population: int
    source: str
    psi: float
    level: str
    level_label: str
    csi: dict[str, float]
    warnings: list[str]


class ModelDetail(ModelBrief):
    spec_sha256: str
    training_hash: str | None
    training_source: str
    metrics: dict[str, Any]
    calibration: list[CalibrationOut]
    scaling: dict[str, float]
    pd_bands: list[tuple[float, float]] = Field(
        default_factory=list, description="专家评分卡：[分数下限, 违约概率]"
    )
    card_features: list[FeatureOut]
    monitors: list[MonitorOut]


class ReasonOut(BaseModel):
    code: str = Field(description="稳定的原因代码（特征或指标代码），供银行系统分支处理")
    name: str
    value: str = Field(description="企业在该项的取值（如 80.0%；缺失）")
    bin: str = Field(description="所在分档")
    points_lost: Decimal = Field(description="较该项最优档少得的分数")
    text: str = Field(description="给借款人的中文说明")


class ScoreIn(BaseModel):
    enterprise_id: int
    model: str = Field("enterprise", description="模型代码：enterprise、zjtx-edai …（用在用版本）")
    as_of: date | None = Field(None, description="评分基准日，缺省为今天")
    catalog: str | None = Field(
        None, description="读取哪个指标目录的质量评价（如 xiamen）；缺省则质量特征按缺失处理"
    )


class ScoreOut(BaseModel):
    enterprise_id: int
    model_code: str
    model_id: int
    model_version: int
    as_of: date
    score: Decimal = Field(description="模型分数（两位小数）")
    pd: Decimal = Field(description="违约概率（小数，6 位；0.012345 = 1.2345%）")
    reasons: list[ReasonOut] = Field(description="降低分数最多的因素，从大到小（至多 4 项）")
    features: dict[str, float | None] = Field(description="所用特征的取值（缺失为 null）")


class PatentIn(BaseModel):
    enterprise_id: int
    patent_no: str = Field(min_length=1, max_length=64, description="专利号，如 ZL202310123456.7")
    kind: str = Field(description="发明 / 实用新型 / 外观设计")
    filing_date: date = Field(description="申请日")
    status: str = Field(description="有效 / 无效宣告请求审查中 / 已质押 / 失效")
    industry: str | None = Field(
        None, max_length=8, description="GB/T 4754 行业代码（如 C39）；缺省取企业登记的行业"
    )
    revenue: Decimal = Field(ge=0, decimal_places=2, description="相关产品年销售收入（元）")
    licensing_income: Decimal = Field(
        Decimal(0), ge=0, decimal_places=2, description="年许可收入（元）"
    )
    citations: int = Field(0, ge=0, description="被引次数")
    family_size: int = Field(1, ge=1, description="同族国家/地区数（含中国）")
    valuation_date: date | None = Field(None, description="评估基准日，缺省为今天")


class OverrideIn(BaseModel):
    value: Decimal = Field(ge=0, decimal_places=2, description="调整后的价值（元）")
    reason: str = Field(min_length=5, max_length=500, description="调整理由（至少 5 个字）")


class PatentFactorOut(BaseModel):
    code: str
    label: str
    value: Decimal
    shown: str
    reason: str


class ValuationOut(BaseModel):
    id: int
    enterprise_id: int
    patent_no: str
    valuation_date: date
    method: str
    inputs: dict[str, Any]
    factors: list[PatentFactorOut]
    value: Decimal = Field(description="按本方法计算的评估价值（元）")
    pledgeable: bool
    refusal: str | None
    override_value: Decimal | None
    override_reason: str | None
    overridden_at: datetime | None
    effective_value: Decimal = Field(description="报价使用的价值：有调整时为调整值")
    created_at: datetime
