"""Pure decisions about consents (授权): scopes, expiry limits, whether a grant is in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from zhixin.kit import clock

# What each scope lets the bank read beyond grades and radar charts (which it always sees).
SCOPES: dict[str, str] = {
    "records": "质量要素记录明细",
    "records+portrait": "质量要素记录明细，及质量画像中的证据与预警",
}
SCOPE_COVERS: dict[str, frozenset[str]] = {
    "records": frozenset({"records"}),
    "records+portrait": frozenset({"records", "portrait"}),
}
DEFAULT_YEARS = 1
MAX_YEARS = 3


class ConsentRefused(ValueError):
    """A grant that may not be made; the message says why (中文)."""


class Grant(Protocol):
    @property
    def scope(self) -> str: ...
    @property
    def granted_at(self) -> datetime: ...
    @property
    def expires_at(self) -> datetime: ...
    @property
    def revoked_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class State:
    code: str  # active / expired / revoked / pending
    label: str


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def default_expiry(today: date) -> date:
    return add_years(today, DEFAULT_YEARS)


def check_grant(*, scope: str, today: date, expires_on: date) -> None:
    """Scope known; expiry after today and no later than three years from today."""
    if scope not in SCOPES:
        raise ConsentRefused(f"未知的授权范围「{scope}」（可选：{'、'.join(SCOPES)}）")
    if expires_on <= today:
        raise ConsentRefused("授权截止日期须晚于今天")
    if expires_on > add_years(today, MAX_YEARS):
        raise ConsentRefused(f"授权期限最长 {MAX_YEARS} 年")


def end_of(expires_on: date) -> datetime:
    """A grant "until 2026-05-01" holds through that day in Beijing time (stored in UTC)."""
    return clock.end_of_day(expires_on)


def expiry_day(expires_at: datetime) -> date:
    """The last day (Beijing time) on which a grant holds: the inverse of :func:`end_of`."""
    aware = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
    return (aware.astimezone(clock.SHANGHAI) - timedelta(microseconds=1)).date()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def state(consent: Grant, now: datetime) -> State:
    now = _aware(now)
    if consent.revoked_at is not None and _aware(consent.revoked_at) <= now:
        return State("revoked", "已撤销")
    if _aware(consent.granted_at) > now:
        return State("pending", "未生效")
    if _aware(consent.expires_at) <= now:
        return State("expired", "已过期")
    return State("active", "有效")


def is_active(consent: Grant, now: datetime) -> bool:
    return state(consent, now).code == "active"


def covers(consent: Grant, need: str) -> bool:
    return need in SCOPE_COVERS.get(consent.scope, frozenset())
