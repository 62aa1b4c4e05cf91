"""The reports' JSON (``/api/v1/reports/...``): the same tables as the pages and the XLSX, cell
for cell — money and rates as decimal strings (to the fen), days as ISO dates, none as null."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

Cell = str | int | None


def plain(value: Any) -> Cell:
    """A figure as the JSON carries it: a Decimal as its string, a date in ISO form."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


class ColumnOut(BaseModel):
    label: str = Field(description="列名（同页面与 XLSX 表头）")
    kind: str = Field(
        description="数值类型：text 文字、int 整数、money 金额（元，两位小数字符串）、"
        "tenth 一位小数、pct 百分比（两位小数字符串）、date 日期"
    )


class TableOut(BaseModel):
    key: str = Field(description="表的稳定键，如 banks、ranking、visits、lapses")
    title: str = Field(description="表名（同页面与 XLSX 工作表）")
    columns: list[ColumnOut]
    rows: list[list[Cell]] = Field(description="每行的数值，次序同 columns；无值为 null")
    note: str = Field(description="本表口径（同 XLSX 每张表末行）")


class PeriodOut(BaseModel):
    kind: str = Field(description="daily 日晾晒 / weekly 周例会 / monthly 月调度 / range 看板区间")
    key: str = Field(description="2026-12-07、2026-W49、2026-11 或 起~止")
    start: date
    end: date
    title: str


class ReportOut(BaseModel):
    period: PeriodOut
    scope: str = Field(description="读者范围：全部、本行、辖区或筛选条件")
    generated_on: date = Field(description="生成日期（北京时间）")
    tables: list[TableOut] = Field(description="各表，次序同页面与 XLSX（reports.registry）")
