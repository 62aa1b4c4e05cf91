"""The working-day calendar (工作日历): the operator's years over chinese-calendar, deadlines.

Never commits. Entering a year needs calendar_manage (a regulator) and is audited with its counts;
reading needs product_read (the business side) or calendar_manage. :func:`calendar` and the
unchecked helpers (:func:`describe_year`, :func:`compute_deadline`) are for trusted callers:
other services (applications' fast-lane deadlines) and the operator's CLI.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid
from zhixin.kit.db import utcnow
from zhixin.workdays import repository as repo
from zhixin.workdays import rules
from zhixin.workdays.models import CalendarYear
from zhixin.workdays.rules import HOLIDAY, WORKDAY, WorkCalendar, YearSchedule
from zhixin.workdays.schemas import (
    CalendarYearUsed,
    CheckOut,
    DayOut,
    DeadlineOut,
    YearOut,
    YearSummary,
)

MAX_DEADLINE_DAYS = 1000
DEFAULT_SOURCE = "运营人员录入"
CLI_ACTOR = "cli"  # who entered a year on the command line without naming a user
CANNOT_MANAGE = "只有监管人员可以录入工作日历（法定节假日与调休安排）"
CANNOT_READ = "无权查看工作日历"


def _may_read(actor: Principal) -> None:
    if not (actor.can(Permission.product_read) or actor.can(Permission.calendar_manage)):
        raise Forbidden(CANNOT_READ)


def _may_manage(actor: Principal) -> None:
    if not actor.can(Permission.calendar_manage):
        raise Forbidden(CANNOT_MANAGE)


# -- reading -------------------------------------------------------------------------------


def operator_years(session: Session) -> dict[int, YearSchedule]:
    """Every year a regulator entered, as schedules."""
    sources: dict[int, str] = {}
    holidays: dict[int, dict[date, str]] = defaultdict(dict)
    workdays: dict[int, dict[date, str]] = defaultdict(dict)
    for year, source, day, kind, name in repo.year_days(session):
        sources[year] = source
        if day is not None:
            (holidays if kind == HOLIDAY else workdays)[year][day] = name
    return {
        year: rules.schedule_of(year, holidays[year], workdays[year], source)
        for year, source in sources.items()
    }


def calendar(session: Session) -> WorkCalendar:
    """China's working-day calendar: the operator's years first, then chinese-calendar.

    No permission check (every business process may count working days). A year neither knows
    raises :class:`zhixin.workdays.rules.UnknownYear` (an ``Invalid``, HTTP 422) naming it.
    """
    return WorkCalendar(operator_years(session))


def _days_out(schedule: YearSchedule, days: frozenset[date]) -> list[DayOut]:
    return [
        DayOut(day=d, weekday=rules.weekday_label(d), name=schedule.name_of(d))
        for d in sorted(days)
    ]


def _who(names: dict[int, str], user_id: int | None) -> str:
    if user_id is None:
        return f"{CLI_ACTOR}（命令行）"
    return names.get(user_id, f"用户 {user_id}")


def describe_year(session: Session, year: int) -> YearOut:
    """The year's holidays and make-up workdays and where they come from (no permission check)."""
    entered = repo.year(session, year)
    if entered is not None:
        schedule = operator_years(session)[year]
        names = repo.user_names(session, [i for i in [entered.entered_by_id] if i is not None])
        return YearOut(
            year=year,
            origin=rules.OPERATOR,
            origin_label=rules.ORIGIN_LABELS[rules.OPERATOR],
            source=entered.source,
            entered_by=_who(names, entered.entered_by_id),
            entered_at=entered.entered_at,
            holidays=_days_out(schedule, schedule.holidays),
            workdays=_days_out(schedule, schedule.workdays),
            working_days=rules.working_days_in(schedule),
            warnings=rules.warnings(year, schedule, say_when_equal=False),
        )
    package = rules.package_schedule(year)
    if package is not None:
        return YearOut(
            year=year,
            origin=rules.PACKAGE,
            origin_label=rules.ORIGIN_LABELS[rules.PACKAGE],
            source=rules.package_version(),
            holidays=_days_out(package, package.holidays),
            workdays=_days_out(package, package.workdays),
            working_days=rules.working_days_in(package),
        )
    return YearOut(
        year=year,
        origin=rules.UNKNOWN,
        origin_label=rules.ORIGIN_LABELS[rules.UNKNOWN],
        source="",
        message=rules.UnknownYear(year).message,
    )


def get_year(session: Session, *, actor: Principal, year: int) -> YearOut:
    _may_read(actor)
    return describe_year(session, year)


def list_years(session: Session, *, actor: Principal) -> list[YearSummary]:
    """The years a regulator entered, with who, when and how many days."""
    _may_read(actor)
    entered = repo.years(session)
    names = repo.user_names(session, [y.entered_by_id for y in entered if y.entered_by_id])
    counts = repo.all_counts(session)
    return [
        YearSummary(
            year=y.year,
            source=y.source,
            entered_by=_who(names, y.entered_by_id),
            entered_at=y.entered_at,
            holidays=counts.get(y.year, {}).get(HOLIDAY, 0),
            workdays=counts.get(y.year, {}).get(WORKDAY, 0),
        )
        for y in entered
    ]


def compute_deadline(session: Session, *, start: date, days: int) -> DeadlineOut:
    """``start`` + ``days`` working days (no permission check); UnknownYear names a missing year."""
    if days < 0:
        raise Invalid("工作日天数须为 0 或正整数")
    if days > MAX_DEADLINE_DAYS:
        raise Invalid(f"工作日天数最多 {MAX_DEADLINE_DAYS} 天")
    cal = calendar(session)
    due = cal.add_workdays(start, days)
    return DeadlineOut(
        start=start,
        days=days,
        deadline=due,
        weekday=rules.weekday_label(due),
        years=[
            CalendarYearUsed(
                year=y, origin=cal.origin(y), origin_label=rules.ORIGIN_LABELS[cal.origin(y)]
            )
            for y in cal.years_spanned(start, due)
        ],
    )


def deadline(session: Session, *, actor: Principal, start: date, days: int) -> DeadlineOut:
    """The date ``days`` working days after ``start`` (start itself not counted)."""
    if not actor.can(Permission.product_read):
        raise Forbidden(CANNOT_READ)
    return compute_deadline(session, start=start, days=days)


# -- entering a year -----------------------------------------------------------------------


def check(session: Session, *, actor: Principal, year: int, schedule: YearSchedule) -> CheckOut:
    """What :func:`set_year` would do with ``schedule``: every refusal, every warning, and
    whether it replaces a year already entered (the page's preview, the CLI's summary)."""
    _may_manage(actor)
    return preview(session, year=year, schedule=schedule)


def preview(session: Session, *, year: int, schedule: YearSchedule) -> CheckOut:
    """:func:`check` without a permission check (the command line's operator)."""
    previous = repo.counts(session, year) if repo.year(session, year) is not None else None
    return CheckOut(
        year=year,
        holidays=len(schedule.holidays),
        workdays=len(schedule.workdays),
        problems=rules.problems(year, schedule),
        warnings=rules.warnings(year, schedule),
        replaces=previous is not None,
        previous_holidays=(previous or {}).get(HOLIDAY, 0),
        previous_workdays=(previous or {}).get(WORKDAY, 0),
    )


def set_year(session: Session, *, actor: Principal, year: int, schedule: YearSchedule) -> None:
    """Enter (or replace) ``year``'s schedule; from then on it is preferred over chinese-calendar.

    The year's old days are replaced in the caller's transaction, so a reader sees the old year
    or the new one, never a mixture. Refused with every problem listed (``Invalid``, whose
    ``detail`` holds the list).
    """
    _may_manage(actor)
    _set_year(session, by=Actor.of(actor), user_id=actor.user_id, year=year, schedule=schedule)


def set_year_as_operator(session: Session, *, year: int, schedule: YearSchedule) -> None:
    """The command line's entry without a named user (as ``zhixin lpr set``): whoever runs
    ``zhixin`` on the server already holds the database; the audit log records the actor ``cli``."""
    _set_year(session, by=Actor.system(CLI_ACTOR), user_id=None, year=year, schedule=schedule)


def _set_year(
    session: Session, *, by: Actor, user_id: int | None, year: int, schedule: YearSchedule
) -> None:
    found = rules.problems(year, schedule)
    if found:
        raise Invalid(
            f"{year} 年的工作日历有 {len(found)} 处错误，未保存：" + "；".join(found),
            detail={"problems": found},
        )
    source = schedule.source.strip() or DEFAULT_SOURCE
    existing = repo.year_for_update(session, year)
    previous = repo.counts(session, year) if existing is not None else {}
    now = utcnow()
    if existing is None:
        session.add(CalendarYear(year=year, source=source, entered_by_id=user_id, entered_at=now))
        try:
            session.flush()
        except IntegrityError as exc:
            raise Conflict(f"{year} 年的工作日历刚被其他人录入，请刷新后重试") from exc
    else:
        existing.source = source
        existing.entered_by_id = user_id
        existing.entered_at = now
        repo.delete_days(session, year)
    rows = [(d, HOLIDAY, schedule.name_of(d)) for d in sorted(schedule.holidays)]
    rows += [(d, WORKDAY, schedule.name_of(d)) for d in sorted(schedule.workdays)]
    repo.add_days(session, year, rows)
    session.flush()
    package = rules.package_schedule(year)
    audit.record(
        session,
        actor=by,
        action="calendar.set_year",
        object_type="calendar_year",
        object_id=year,
        detail={
            "source": source,
            "holidays": len(schedule.holidays),
            "workdays": len(schedule.workdays),
            "replaced": existing is not None,
            "previous_holidays": previous.get(HOLIDAY, 0),
            "previous_workdays": previous.get(WORKDAY, 0),
            "differs_from_package": (
                len(rules.differences(schedule, package)) if package is not None else None
            ),
        },
    )
