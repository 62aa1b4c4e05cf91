"""The report's periods and arithmetic (pure: no database, no web).

A period is a closed range of calendar days in Beijing time: a day (日晾晒), an ISO week Monday
to Sunday (周例会, ``2026-W49``), a calendar month (月调度, ``2026-11``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from zhixin.errors import Invalid


class Kind(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


KIND_LABELS: dict[Kind, str] = {
    Kind.daily: "日晾晒",
    Kind.weekly: "周例会",
    Kind.monthly: "月调度",
}


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date
    end: date
    key: str  # 2026-12-07, 2026-W49, 2026-11

    @property
    def label(self) -> str:
        if self.kind == Kind.daily:
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.kind == Kind.weekly:
            iso = self.start.isocalendar()
            return (
                f"{iso.year}年第{iso.week}周（{self.start.isoformat()} 至 {self.end.isoformat()}）"
            )
        return f"{self.start.year}年{self.start.month}月"

    @property
    def title(self) -> str:
        return f"{KIND_LABELS[self.kind]} · {self.label}"

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


def daily(text: str) -> Period:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"日期格式应为 2026-12-07：{text}") from None
    return Period(Kind.daily, day, day, day.isoformat())


_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def weekly(text: str) -> Period:
    m = _WEEK.match(text.strip().upper())
    if not m:
        raise Invalid(f"周的格式应为 2026-W49（ISO 周）：{text}")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise Invalid(f"{year} 年没有第 {week} 周") from None
    return Period(Kind.weekly, monday, monday + timedelta(days=6), f"{year}-W{week:02d}")


def monthly(text: str) -> Period:
    m = _MONTH.match(text.strip())
    if not m:
        raise Invalid(f"月份格式应为 2026-11：{text}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise Invalid(f"没有这个月份：{text}")
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Period(Kind.monthly, first, nxt - timedelta(days=1), f"{year}-{month:02d}")


def period_of(kind: str, key: str) -> Period:
    parse = {Kind.daily: daily, Kind.weekly: weekly, Kind.monthly: monthly}
    try:
        k = Kind(kind)
    except ValueError:
        raise Invalid("报表类型须为 daily、weekly 或 monthly") from None
    return parse[k](key)


def custom(start: date, end: date) -> Period:
    """A range of days the dashboard filters by (both included)."""
    if end < start:
        raise Invalid("结束日期不能早于开始日期")
    return Period(Kind.daily if start == end else Kind.weekly, start, end, f"{start}~{end}")


TENTH = Decimal("0.1")
CENT = Decimal("0.01")


def mean_tenth(values: list[int]) -> Decimal | None:
    """The mean to one decimal, half-up; None for no values."""
    if not values:
        return None
    return (Decimal(sum(values)) / len(values)).quantize(TENTH, ROUND_HALF_UP)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` / ``whole`` in percent to two decimals, half-up; None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP)
