"""JSON API: the working-day calendar (工作日历) and deadlines in working days."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.web.deps import DB, require
from zhixin.workdays import rules, service
from zhixin.workdays.schemas import DeadlineOut, YearIn, YearOut

router = APIRouter(tags=["工作日历 working-day calendar"])
Reader = Annotated[Principal, Depends(require(Permission.product_read))]
Manager = Annotated[Principal, Depends(require(Permission.calendar_manage))]
Year = Annotated[int, Path(ge=1, le=9999, description="年份，如 2027")]


# Declared before /calendar/{year}, so that "deadline" is never read as a year.
@router.get("/calendar/deadline", response_model=DeadlineOut)
def deadline(
    db: DB,
    principal: Reader,
    start: Annotated[date, Query(description="起算日（当日不计），如 2026-12-28")],
    days: Annotated[int, Query(ge=0, le=service.MAX_DEADLINE_DAYS, description="工作日天数")],
) -> DeadlineOut:
    """起算日之后第 N 个工作日（按官方节假日与调休安排）；所需年份未录入时返回 422 并说明。"""
    return service.deadline(db, actor=principal, start=start, days=days)


@router.get("/calendar/{year}", response_model=YearOut)
def get_year(year: Year, db: DB, principal: Reader) -> YearOut:
    """该年的休假日与调休上班日，及其来源：运营人员录入、chinese-calendar 内置或未录入。"""
    return service.get_year(db, actor=principal, year=year)


@router.put("/calendar/{year}", response_model=YearOut)
def put_year(year: Year, body: YearIn, db: DB, principal: Manager) -> YearOut:
    """录入（或整体替换）该年的官方安排；此后优先于 chinese-calendar。有误时 422 并列出全部错误。"""
    schedule = rules.schedule_of(
        year,
        {d.day: d.name for d in body.holidays},
        {d.day: d.name for d in body.workdays},
        body.note,
    )
    checked = service.check(db, actor=principal, year=year, schedule=schedule)
    service.set_year(db, actor=principal, year=year, schedule=schedule)
    out = service.describe_year(db, year)
    out.warnings = checked.warnings
    return out
