"""API shapes of evaluation runs, results and explanations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    catalog_name: str
    catalog_version: str
    catalog_sha256: str
    as_of: date
    known_at: datetime | None
    engine: str
    source: str
    enterprises: int
    listed: int
    entries: int
    gated: int
    duration_ms: int
    status: str
    started_at: datetime
    finished_at: datetime | None


class ResultOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enterprise_id: int
    total_score: Decimal
    overall_level: str | None
    listed: bool
    vetoed: bool = False  # a bar gate failed: no class (否决)
    entries: int
    gates_failed: list[str]


class ResultsPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[ResultOut]


class RecordBrief(BaseModel):
    id: int
    kind: str
    subtype: str | None = None
    title: str | None = None
    ref: str | None = None
    level: str | None = None
    event_date: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    year: int | None = None


class ElementOut(BaseModel):
    code: str
    name: str
    level: str
    level_name: str
    points: int
    measure: int
    record_ids: list[int]
    records: list[RecordBrief] = Field(default_factory=list)


class AdviceOut(BaseModel):
    from_level: str | None
    to_level: str
    needed: int
    options: list[str]
    text: str


class DimensionOut(BaseModel):
    code: str
    name: str
    weight: int
    level: str | None
    level_name: str
    points: int
    listed: bool
    elements: list[ElementOut]
    advice: AdviceOut | None


class GateOut(BaseModel):
    code: str
    name: str
    effect: str
    record_ids: list[int]
    records: list[RecordBrief] = Field(default_factory=list)


class ExplanationOut(BaseModel):
    enterprise_id: int
    run_id: int | None
    catalog_name: str
    catalog_version: str
    as_of: date
    total_score: Decimal
    overall_level: str | None
    overall_level_name: str
    listed: bool
    entries: int
    dimensions: list[DimensionOut]
    gates: list[GateOut]
    summary: list[str]
    records_visible: bool = Field(
        default=True,
        description="是否附带依据的记录明细（record_ids、records）：银行须经企业授权，"
        "担保机构、财政部门等不附；不附时仍有等级、要素名称与得分",
    )


class EvaluateIn(BaseModel):
    catalog: str = Field(min_length=1, max_length=64)
    as_of: date
    known_at: datetime | None = None
