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


def day_of(moment: datetime) -> date:
    """The day (Beijing time) of a stored moment."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(clock.SHANGHAI).date()


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


def reading_note(
    *,
    mode: str,
    state: str,
    bank: str,
    changed_on: date | None,
    records_readable: bool,
) -> str:
    """What an application's authorisation means now for the bank's reading of records, in one
    sentence for its page (``mode``: "granted" online or "attested" on paper; ``state``: the
    online grant's state; ``changed_on``: the day it was revoked, or its last day)."""
    if mode != "granted":
        text = (
            "客户经理确认已取得企业签章授权书；平台无法核验纸质授权，"
            "记录明细须企业在线授权后方可在平台查看"
        )
    elif state == "active":
        return f"企业在线授权有效：{bank}可以查看该企业的质量要素记录明细"
    elif state == "revoked":
        day = f"于 {changed_on.isoformat()} " if changed_on else ""
        text = (
            f"企业已{day}撤销授权：{bank}不能再查看该企业的质量要素记录明细（记录编号、名称、"
            "日期），评价结果与质量画像中依据的记录随之隐藏，等级、要素名称与得分仍可查看；"
            "申请时冻结的测算结论与五项标准核查结论保留在申请档案中"
        )
    else:
        day = f"（截止 {changed_on.isoformat()}）" if changed_on else ""
        text = f"企业授权已过期{day}：{bank}不能再查看该企业的质量要素记录明细"
    if records_readable:
        text += "。企业另有一项有效授权，本行目前仍可查看记录明细"
    return text
