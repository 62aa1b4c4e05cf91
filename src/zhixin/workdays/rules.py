"""China's working-day calendar (pure): the package's years, the operator's years, arithmetic.

A day is a working day when the year's schedule lists it as a make-up workday (调休上班), or when
it is Monday–Friday and not listed as a holiday. A year's schedule comes, in this order, from the
operator (a regulator enters the State Council's notice for the year) or from ``chinese-calendar``
(which knows 2004–2026 in 1.11.0). A year that neither knows raises :class:`UnknownYear`, which
names the year: a deadline is never computed on a guessed calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import metadata

import chinese_calendar

from zhixin.errors import Invalid

HOLIDAY = "休"
WORKDAY = "班"
KIND_LABELS = {HOLIDAY: "休假日", WORKDAY: "调休上班日"}

OPERATOR = "operator"
PACKAGE = "chinese-calendar"
UNKNOWN = "unknown"
ORIGIN_LABELS = {
    OPERATOR: "运营人员录入",
    PACKAGE: "chinese-calendar 内置",
    UNKNOWN: "未录入",
}

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NAME = 64
MAX_SOURCE = 200
WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

# The package names holidays in English; pages and files speak Chinese.
_PACKAGE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利 70 周年纪念日",
}


def weekday_label(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


@dataclass(frozen=True)
class YearSchedule:
    """One year's official arrangement.

    ``holidays``: days off that the notice lists (weekdays, and weekends inside a holiday period
    if the notice lists them; listing a weekend changes nothing). ``workdays``: make-up working
    days (调休上班), always a Saturday or Sunday. ``source``: where it comes from (the operator's
    note, e.g. the notice's number, or ``chinese-calendar``). ``names``: 春节, 国庆节 … for display.
    """

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: str
    names: Mapping[date, str] = field(default_factory=dict, hash=False)

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return not is_weekend(day)

    def name_of(self, day: date) -> str:
        return self.names.get(day, "")


class UnknownYear(Invalid):
    """No schedule for ``year``: neither entered by the operator nor known to the package."""

    def __init__(self, year: int) -> None:
        self.year = year
        span = package_span()
        known = (
            f"chinese-calendar 仅覆盖 {span[0]}–{span[1]} 年"
            if span and year < span[0]
            else f"chinese-calendar 仅覆盖至 {span[1]} 年"
            if span
            else "未安装 chinese-calendar 数据"
        )
        super().__init__(
            f"{year} 年的法定节假日与调休安排尚未录入（{known}），"
            "请在「工作日历」页面或用 zhixin calendar set-year 录入"
        )


# -- the package's years -------------------------------------------------------------------


@lru_cache(maxsize=1)
def package_span() -> tuple[int, int] | None:
    """First and last year ``chinese-calendar`` knows (2004, 2026 in 1.11.0)."""
    years = [d.year for d in chinese_calendar.holidays]
    return (min(years), max(years)) if years else None


def package_version() -> str:
    try:
        return f"chinese-calendar {metadata.version('chinese-calendar')}"
    except metadata.PackageNotFoundError:  # vendored without metadata: the name says enough
        return PACKAGE


@lru_cache(maxsize=64)
def package_schedule(year: int) -> YearSchedule | None:
    """The package's schedule for ``year``, or None outside its span."""
    span = package_span()
    if span is None or not span[0] <= year <= span[1]:
        return None
    names: dict[date, str] = {}
    holidays = set()
    for day, label in chinese_calendar.holidays.items():
        if day.year == year:
            holidays.add(day)
            names[day] = _PACKAGE_NAMES.get(str(label), str(label))
    workdays = set()
    for day, label in chinese_calendar.workdays.items():
        if day.year == year:
            workdays.add(day)
            names[day] = _PACKAGE_NAMES.get(str(label), str(label))
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), PACKAGE, names)


# -- the calendar --------------------------------------------------------------------------


class WorkCalendar:
    """Working days over the operator's years (preferred) and, if ``package``, chinese-calendar."""

    def __init__(self, years: Mapping[int, YearSchedule], *, package: bool = True) -> None:
        self._years = dict(years)
        self._package = package

    def origin(self, year: int) -> str:
        """``operator``, ``chinese-calendar`` or ``unknown``."""
        if year in self._years:
            return OPERATOR
        if self._package and package_schedule(year) is not None:
            return PACKAGE
        return UNKNOWN

    def knows(self, year: int) -> bool:
        return self.origin(year) != UNKNOWN

    def schedule(self, year: int) -> YearSchedule:
        """The schedule in force for ``year``; :class:`UnknownYear` if there is none."""
        found = self._years.get(year)
        if found is None and self._package:
            found = package_schedule(year)
        if found is None:
            raise UnknownYear(year)
        return found

    def is_workday(self, day: date) -> bool:
        return self.schedule(day.year).is_workday(day)

    def add_workdays(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        ``n == 0`` gives ``start`` whatever day it is. A day in a year nobody knows raises
        :class:`UnknownYear` naming that year.
        """
        if n < 0:
            raise ValueError("工作日天数不能为负数")
        day, seen = start, 0
        while seen < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                seen += 1
        return day

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; the negative count of ``(end, start]`` if ``end`` is
        earlier, so ``workdays_between(a, b) == -workdays_between(b, a)``."""
        if end < start:
            return -self.workdays_between(end, start)
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count

    def years_spanned(self, start: date, end: date) -> list[int]:
        lo, hi = min(start, end), max(start, end)
        return list(range(lo.year, hi.year + 1))


# -- checking an entered year --------------------------------------------------------------


def problems(year: int, schedule: YearSchedule) -> list[str]:
    """Every reason an entered schedule for ``year`` cannot be stored (empty: acceptable)."""
    found: list[str] = []
    if not MIN_YEAR <= year <= MAX_YEAR:
        found.append(f"年份 {year} 超出可录入的范围（{MIN_YEAR}–{MAX_YEAR}）")
    if schedule.year != year:
        found.append(f"文件中的年份（{schedule.year}）与要录入的年份（{year}）不一致")
    for day in sorted(schedule.holidays | schedule.workdays):
        if day.year != year:
            found.append(f"{day.isoformat()} 不属于 {year} 年")
    for day in sorted(schedule.holidays & schedule.workdays):
        found.append(f"{day.isoformat()} 不能既是休假日（休）又是调休上班日（班）")
    for day in sorted(schedule.workdays):
        if not is_weekend(day):
            found.append(
                f"{day.isoformat()} 是{weekday_label(day)}，本来就上班；"
                "调休上班日（班）只能是星期六或星期日"
            )
    if not schedule.holidays:
        found.append("至少需要一个法定节假日（休）")
    if len(schedule.source) > MAX_SOURCE:
        found.append(f"来源说明过长（最多 {MAX_SOURCE} 个字）")
    for day, name in sorted(schedule.names.items()):
        if len(name) > MAX_NAME:
            found.append(f"{day.isoformat()} 的名称过长（最多 {MAX_NAME} 个字）")
    return found


@dataclass(frozen=True)
class Difference:
    day: date
    entered_workday: bool
    package_workday: bool

    def describe(self) -> str:
        def word(w: bool) -> str:
            return "上班" if w else "休息"

        return (
            f"{self.day.isoformat()}（{weekday_label(self.day)}）：本次录入为{word(self.entered_workday)}，"
            f"chinese-calendar 为{word(self.package_workday)}"
        )


def differences(schedule: YearSchedule, other: YearSchedule) -> list[Difference]:
    """Days of ``schedule.year`` on which the two schedules disagree about working or resting.

    Compared day by day on the outcome, not on the lists: a notice that lists the weekend inside
    a holiday period and one that does not are the same calendar.
    """
    out = []
    day = date(schedule.year, 1, 1)
    while day.year == schedule.year:
        mine, theirs = schedule.is_workday(day), other.is_workday(day)
        if mine != theirs:
            out.append(Difference(day, mine, theirs))
        day += timedelta(days=1)
    return out


def warnings(
    year: int, schedule: YearSchedule, *, limit: int = 20, say_when_equal: bool = True
) -> list[str]:
    """Things worth a second look that do not prevent storing: a year the package knows too and
    on which the entry disagrees with it (and, if ``say_when_equal``, that it agrees)."""
    package = package_schedule(year)
    if package is None:
        return []
    diff = differences(schedule, package)
    if not diff:
        if not say_when_equal:
            return []
        return [f"chinese-calendar 也有 {year} 年的安排，与本次录入一致；录入后以本次录入为准"]
    shown = "；".join(d.describe() for d in diff[:limit])
    more = f"；另有 {len(diff) - limit} 天" if len(diff) > limit else ""
    return [
        f"chinese-calendar 也有 {year} 年的安排，与本次录入有 {len(diff)} 天不同"
        f"（录入后以本次录入为准）：{shown}{more}"
    ]


def working_days_in(schedule: YearSchedule) -> int:
    """How many working days the year has under ``schedule``."""
    day, count = date(schedule.year, 1, 1), 0
    while day.year == schedule.year:
        count += schedule.is_workday(day)
        day += timedelta(days=1)
    return count


def schedule_of(
    year: int,
    holidays: Mapping[date, str] | Iterable[date],
    workdays: Mapping[date, str] | Iterable[date],
    source: str,
) -> YearSchedule:
    """Build a schedule from days (with their names when given as a mapping)."""
    names: dict[date, str] = {}
    for days in (holidays, workdays):
        if isinstance(days, Mapping):
            names.update({d: n for d, n in days.items() if n})
    return YearSchedule(year, frozenset(holidays), frozenset(workdays), source, names)
