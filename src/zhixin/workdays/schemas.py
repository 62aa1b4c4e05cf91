"""API shapes of the working-day calendar (工作日历)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class DayIn(BaseModel):
    day: date = Field(description="日期，如 2027-02-05")
    name: str = Field(default="", max_length=64, description="节日名称，如 春节")


class YearIn(BaseModel):
    """A year's official schedule, as the State Council's notice gives it (replaces the year)."""

    holidays: list[DayIn] = Field(description="休假日（放假的日子；周末可列可不列）")
    workdays: list[DayIn] = Field(
        default_factory=list, description="调休上班日（须为星期六或星期日）"
    )
    note: str = Field(
        default="", max_length=200, description="来源，如《国务院办公厅关于……安排的通知》文号"
    )


class DayOut(BaseModel):
    day: date
    weekday: str
    name: str


class YearOut(BaseModel):
    year: int
    origin: str = Field(description="operator（运营人员录入）、chinese-calendar 或 unknown")
    origin_label: str
    source: str = Field(description="运营人员录入时的来源说明；内置时为 chinese-calendar 版本")
    entered_by: str | None = None
    entered_at: datetime | None = None
    holidays: list[DayOut] = Field(default_factory=list, description="休假日")
    workdays: list[DayOut] = Field(default_factory=list, description="调休上班日")
    working_days: int | None = Field(default=None, description="全年工作日天数")
    message: str = Field(default="", description="年份未录入时的说明")
    warnings: list[str] = Field(
        default_factory=list, description="与 chinese-calendar 不一致之处（仅提示）"
    )


class CheckOut(BaseModel):
    """What entering a schedule would do: the refusals, the warnings, what it replaces."""

    year: int
    holidays: int
    workdays: int
    problems: list[str]
    warnings: list[str]
    replaces: bool = Field(description="是否会替换已录入的该年份")
    previous_holidays: int = 0
    previous_workdays: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class YearSummary(BaseModel):
    year: int
    source: str
    entered_by: str
    entered_at: datetime
    holidays: int
    workdays: int


class CalendarYearUsed(BaseModel):
    year: int
    origin: str
    origin_label: str


class DeadlineOut(BaseModel):
    start: date
    days: int
    deadline: date
    weekday: str
    years: list[CalendarYearUsed] = Field(description="计算所用各年份日历的来源")
