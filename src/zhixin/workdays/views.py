"""Pages: the year's calendar, a deadline calculator, and (regulators) entering a year."""

from __future__ import annotations

import calendar as months
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid, ZhixinError
from zhixin.kit import clock
from zhixin.web.deps import DB, require
from zhixin.web.templating import render
from zhixin.workdays import files, rules, service
from zhixin.workdays.schemas import DeadlineOut, YearOut

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.product_read))]
Manager = Annotated[Principal, Depends(require(Permission.calendar_manage))]
EXAMPLE = Path(__file__).parent / "data" / "2027.example.yaml"
PAGE_YEARS = (1949, 2200)


@dataclass(frozen=True)
class Cell:
    day: date | None
    kind: str = ""  # holiday / makeup / weekend / work
    name: str = ""


@dataclass(frozen=True)
class Month:
    number: int
    weeks: list[list[Cell]]


def month_grid(out: YearOut) -> list[Month]:
    """Twelve months of weeks (Monday first) with each day's kind, for the page's grid."""
    holidays = {d.day: d.name for d in out.holidays}
    workdays = {d.day: d.name for d in out.workdays}
    grid = []
    for number in range(1, 13):
        weeks = []
        for week in months.Calendar(firstweekday=0).monthdatescalendar(out.year, number):
            row = []
            for day in week:
                if day.month != number:
                    row.append(Cell(None))
                elif day in workdays:
                    row.append(Cell(day, "makeup", workdays[day] or "调休上班"))
                elif day in holidays:
                    row.append(Cell(day, "holiday", holidays[day] or "休假"))
                elif rules.is_weekend(day):
                    row.append(Cell(day, "weekend"))
                else:
                    row.append(Cell(day, "work"))
            weeks.append(row)
        grid.append(Month(number, weeks))
    return grid


def _page(
    request: Request,
    db: DB,
    principal: Principal,
    year: int,
    *,
    start: date | None = None,
    days: int | None = None,
    status_code: int = 200,
    **extra: object,
) -> Response:
    if not PAGE_YEARS[0] <= year <= PAGE_YEARS[1]:
        raise Invalid(f"年份应在 {PAGE_YEARS[0]}–{PAGE_YEARS[1]} 之间")
    out = service.get_year(db, actor=principal, year=year)
    result: DeadlineOut | None = None
    deadline_error = ""
    if start is not None and days is not None:
        try:
            result = service.deadline(db, actor=principal, start=start, days=days)
        except ZhixinError as exc:  # an unknown year is explained on the page, not a dead end
            deadline_error = exc.message
    span = rules.package_span()
    return render(
        request,
        "calendar.html",
        status_code=status_code,
        out=out,
        grid=month_grid(out) if out.origin != rules.UNKNOWN else [],
        entered=service.list_years(db, actor=principal),
        span=span,
        today=clock.today(),
        start=start,
        days=days,
        result=result,
        deadline_error=deadline_error,
        may_manage=principal.can(Permission.calendar_manage),
        example=EXAMPLE.read_text(encoding="utf-8"),
        max_bytes=files.MAX_BYTES,
        **extra,
    )


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    db: DB,
    principal: Reader,
    start: Annotated[date | None, Query()] = None,
    days: Annotated[int | None, Query(ge=0, le=service.MAX_DEADLINE_DAYS)] = None,
) -> Response:
    year = start.year if start is not None else clock.today().year
    return _page(request, db, principal, year, start=start, days=days)


@router.get("/calendar/{year}", response_class=HTMLResponse)
def calendar_year_page(
    request: Request,
    year: int,
    db: DB,
    principal: Reader,
    start: Annotated[date | None, Query()] = None,
    days: Annotated[int | None, Query(ge=0, le=service.MAX_DEADLINE_DAYS)] = None,
    saved: Annotated[int, Query()] = 0,
) -> Response:
    return _page(request, db, principal, year, start=start, days=days, saved=bool(saved))


def _read_upload(file: UploadFile | None, text: str) -> tuple[str, str]:
    """The submitted content and its file name: the uploaded file if any, else the pasted text."""
    if file is not None and file.filename:
        data = file.file.read(files.MAX_BYTES + 1)
        if len(data) > files.MAX_BYTES:
            raise Invalid(f"文件过大（最多 {files.MAX_BYTES // 1024} KB）")
        try:
            return files.decode(data), file.filename
        except ValueError as exc:
            raise Invalid(str(exc)) from exc
    if len(text.encode("utf-8")) > files.MAX_BYTES:
        raise Invalid(f"内容过长（最多 {files.MAX_BYTES // 1024} KB）")
    if not text.strip():
        raise Invalid("请上传文件，或把日期逐行粘贴到文本框中")
    return text, ""


@router.post("/calendar/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    db: DB,
    principal: Manager,
    year: Annotated[int, Form(ge=rules.MIN_YEAR, le=rules.MAX_YEAR)],
    note: Annotated[str, Form(max_length=rules.MAX_SOURCE)] = "",
    text: Annotated[str, Form()] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Step one of entering a year: read, check and show what would be stored (nothing saved)."""
    content, filename = _read_upload(file, text)
    parsed = files.parse(content, filename=filename)
    schedule = parsed.to_schedule(year, note.strip() or parsed.note)
    checked = service.check(db, actor=principal, year=year, schedule=schedule)
    problems = [*parsed.errors, *checked.problems]
    return _page(
        request,
        db,
        principal,
        year,
        status_code=422 if problems else 200,
        preview=checked,
        preview_problems=problems,
        preview_holidays=sorted(schedule.holidays),
        preview_workdays=sorted(schedule.workdays),
        preview_names=schedule.names,
        preview_text=content,
        preview_filename=filename,
        preview_note=schedule.source,
        weekday=rules.weekday_label,
    )


@router.post("/calendar/{year}/confirm")
def confirm(
    year: int,
    db: DB,
    principal: Manager,
    text: Annotated[str, Form()],
    filename: Annotated[str, Form(max_length=255)] = "",
    note: Annotated[str, Form(max_length=rules.MAX_SOURCE)] = "",
) -> Response:
    """Step two: store what the preview showed, replacing the year if it was entered before."""
    content, _ = _read_upload(None, text)
    parsed = files.parse(content, filename=filename)
    if parsed.errors:
        raise Invalid("文件有误，未保存：" + "；".join(parsed.errors))
    schedule = parsed.to_schedule(year, note.strip() or parsed.note)
    service.set_year(db, actor=principal, year=year, schedule=schedule)
    return RedirectResponse(f"/calendar/{year}?saved=1", status_code=303)
