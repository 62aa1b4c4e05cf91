"""Due dates: months from a start, and the move off days that are not working days.

A loan's *nominal* dates fall monthly on the start's day of month, clamped to the month's end and
always counted from the start (start 2024-01-31 → 02-29 → 03-31 → 04-30 …), so a short month
never drags the later dates forward. A due date that is not a working day is then moved by the
holiday rule:

- ``following`` (顺延): the next working day;
- ``preceding`` (提前): the previous working day;
- ``none`` (不调整): kept where it falls — for callers that take dates as they come (a core
  system's dates); products do not offer it (a due date on a weekend is not an offer).

The working-day calendar is passed in as a value (anything with ``is_workday(day) -> bool``,
such as :class:`zhixin.workdays.rules.WorkCalendar`). :class:`DueDateCalendar` wraps it for due
dates: for a year the calendar does not know (it raises
:class:`~zhixin.workdays.rules.UnknownYear`: nobody has entered that year's holidays yet), and
for every year when no calendar is given, a day is a working day when it is Monday to Friday —
due dates still never fall on a weekend — and the year is recorded in ``weekends_only`` so the
caller can say that official holidays were not taken into account there. Any other error from
the calendar propagates.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal, Protocol

from zhixin.workdays.rules import UnknownYear

HolidayRule = Literal["none", "following", "preceding"]
HOLIDAY_RULES: tuple[HolidayRule, ...] = ("none", "following", "preceding")
HOLIDAY_RULE_LABELS: dict[str, str] = {
    "none": "不调整",
    "following": "遇节假日顺延至下一工作日",
    "preceding": "遇节假日提前至上一工作日",
}
MAX_SHIFT_DAYS = 31  # no official holiday run is this long; a calendar saying so is wrong


class WorkdayCalendar(Protocol):
    def is_workday(self, day: date, /) -> bool: ...


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months on the same day of month, clamped to the month's end."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not 1 <= year <= 9999:
        raise ValueError("日期超出可表示的范围")
    last = 29 if month == 2 and _calendar.isleap(year) else _MONTH_DAYS[month - 1]
    return date(year, month, min(day.day, last))


def months_between(start: date, day: date) -> int:
    """The whole months from ``start`` to ``day`` on ``start``'s monthly grid (``day`` ≥ start):
    the largest m with ``add_months(start, m) <= day``."""
    m = (day.year - start.year) * 12 + day.month - start.month
    if m > 0 and add_months(start, m) > day:
        m -= 1  # day falls before the start's day in its month (never more than one back)
    return max(m, 0)


class DueDateCalendar:
    """Working days for due dates: the given calendar where it knows the year, weekends only
    where it does not (or where none is given), those years kept in ``weekends_only``."""

    def __init__(self, calendar: WorkdayCalendar | None = None) -> None:
        self._calendar = calendar
        self.weekends_only: set[int] = set()

    def is_workday(self, day: date) -> bool:
        if self._calendar is not None:
            try:
                return self._calendar.is_workday(day)
            except UnknownYear:
                pass
        self.weekends_only.add(day.year)
        return day.weekday() < 5


def adjust(day: date, rule: HolidayRule, is_workday: Callable[[date], bool]) -> date:
    """Move ``day`` to a working day by ``rule`` (see the module's docstring)."""
    if rule == "none":
        return day
    if rule not in HOLIDAY_RULES:
        raise ValueError(
            f"未知的节假日规则「{rule}」（可选：none 不调整、following 顺延、preceding 提前）"
        )
    step = timedelta(days=1 if rule == "following" else -1)
    moved = day
    for _ in range(MAX_SHIFT_DAYS):
        if is_workday(moved):
            return moved
        moved += step
    raise ValueError(f"{day.isoformat()} 前后 {MAX_SHIFT_DAYS} 天内没有工作日，请检查工作日历")


def nominal_ends(start: date, *, term_months: int | None, maturity: date | None) -> list[date]:
    """The nominal period ends after ``start``: monthly on the start's grid up to the term, or
    up to ``maturity`` — which ends a last, shorter period when it is off the grid."""
    if (term_months is None) == (maturity is None):
        raise ValueError("请给出期限（月）或到期日之一")
    if term_months is not None:
        return [add_months(start, k) for k in range(1, term_months + 1)]
    assert maturity is not None
    if maturity <= start:
        raise ValueError("到期日须晚于放款日")
    ends: list[date] = []
    k = 1
    while (end := add_months(start, k)) < maturity:
        ends.append(end)
        k += 1
    ends.append(maturity)
    return ends


def adjusted(
    start: date, ends: list[date], rule: HolidayRule, is_workday: Callable[[date], bool]
) -> list[date]:
    """``ends`` moved by ``rule``; each must stay after the one before (and after ``start``)."""
    dues: list[date] = []
    previous = start
    for k, end in enumerate(ends, start=1):
        due = adjust(end, rule, is_workday)
        if due <= previous:
            raise ValueError(
                f"第 {k} 期还款日调整后为 {due.isoformat()}，不晚于上一日期 "
                f"{previous.isoformat()}，请检查工作日历或改用其他节假日规则"
            )
        dues.append(due)
        previous = due
    return dues
