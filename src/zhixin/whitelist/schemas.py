"""Pydantic shapes of the whitelist API and pages."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    version: int | None
    status: str
    kind: str
    run_id: int
    base_id: int | None
    catalog_name: str
    catalog_version: str
    catalog_sha256: str
    as_of: date
    enterprises: int
    entries: int
    note: str | None
    drafted_by_id: int | None
    drafted_at: datetime
    reviewed_by_id: int | None
    reviewed_at: datetime | None
    published_at: datetime | None
    urgent: bool


class VersionOut(BaseModel):
    """A published version, as a bank system sees it."""

    model_config = ConfigDict(from_attributes=True)

    version: int
    kind: str
    as_of: date
    catalog_name: str
    catalog_version: str
    catalog_sha256: str
    enterprises: int = Field(description="入选经营主体（家）")
    entries: int = Field(description="入选家次（经营主体 × 维度）")
    published_at: datetime | None
    urgent: bool


class EntryOut(BaseModel):
    enterprise_id: int
    uscc: str | None
    name: str | None
    dimension: str
    level: str
    points: int
    region_code: str | None
    industry_code: str | None
    size_class: str | None


class EntriesPage(BaseModel):
    version: int
    items: list[EntryOut]
    next_cursor: str | None = Field(description="下一页游标；为空表示已到末页")


class ChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    version: int
    enterprise_id: int
    dimension: str
    change: str = Field(description="added / removed / upgraded / downgraded")
    old_level: str | None
    new_level: str | None
    reason: str | None = Field(description="移出原因：gate / expired / below / absent")


class ChangesPage(BaseModel):
    items: list[ChangeOut]
    next_cursor: str = Field(description="下次轮询用的 since；没有新变更时与请求相同")
    has_more: bool


class RadarAxisOut(BaseModel):
    code: str
    name: str
    level: str | None
    level_name: str
    points: int
    cap: int
    listed: bool


class RadarOut(BaseModel):
    enterprise_id: int
    version: int
    as_of: date
    catalog_name: str
    catalog_version: str
    dimensions: list[RadarAxisOut]


class DiffRowOut(BaseModel):
    enterprise_id: int
    uscc: str | None
    name: str | None
    dimension: str
    dimension_name: str
    change: str
    change_name: str
    old_level: str | None
    new_level: str | None
    reason: str | None
    reason_text: str
    gates: list[str] = Field(default_factory=list)
    record_ids: list[int] = Field(default_factory=list)


class DiffOut(BaseModel):
    old_label: str
    new_label: str
    counts: dict[str, int]
    reasons: dict[str, int]
    total: int
    rows: list[DiffRowOut]


class StatRow(BaseModel):
    key: str | None
    label: str
    entries: int
    enterprises: int
