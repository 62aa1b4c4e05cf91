"""The clock: now in UTC, and the calendar day in China's time zone.

Times are stored in UTC; a business day (a quote's date, a consent's last day, a deadline) is
the day in Beijing time, whatever the server's own zone. Pure standard library, so rules modules
may import it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Now, timezone-aware, in UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


def today() -> date:
    """Today in Beijing time."""
    return utcnow().astimezone(SHANGHAI).date()


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in Beijing time, in UTC: something "until ``day``" or
    "published by ``day``" holds for moments strictly before it."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI).astimezone(UTC)
