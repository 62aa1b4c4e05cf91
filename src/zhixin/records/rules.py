"""Pure decisions about quality records: what is in force on a date, what may be repaired."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from zhixin.records.kinds import RECORD_KINDS

REPAIR_STATUSES = {"pending": "待审核", "approved": "已通过", "rejected": "已驳回"}


class RepairRefused(ValueError):
    pass


def check_repair_request(
    *,
    kind: str,
    is_current: bool,
    repaired_on: date | None,
    event_day: date | None,
    repair_date: date,
) -> None:
    """A repair applies to a current negative record, not already repaired, dated after it."""
    spec = RECORD_KINDS.get(kind)
    if spec is None or not spec.negative:
        raise RepairRefused("只有负面记录（行政处罚、监督抽查不合格、名录名单）可以申请信用修复")
    if not is_current:
        raise RepairRefused("该记录已被更正或删除，请对现行版本申请")
    if repaired_on is not None:
        raise RepairRefused("该记录已完成信用修复")
    if event_day is not None and repair_date < event_day:
        raise RepairRefused("修复日期不能早于记录发生日期")


def in_force(
    *,
    on: date,
    valid_from: date | None,
    valid_to: date | None,
    repaired_on: date | None = None,
) -> bool:
    """Whether a dated fact has effect on ``on``: inside its validity and not yet repaired."""
    if valid_from is not None and on < valid_from:
        return False
    if valid_to is not None and on > valid_to:
        return False
    return not (repaired_on is not None and on >= repaired_on)


# Quality penalties (质量类行政处罚): the penalty categories that are about quality; advertising,
# pricing and "other" penalties are not.
QUALITY_PENALTY_SUBTYPES = ("产品质量", "计量", "标准化", "认证认可", "特种设备", "食品安全")


# -- patent annual fees (专利年费) -------------------------------------------------------------

# 专利法 art. 42: 发明 20 years from filing, 实用新型 10, 外观设计 15 (10 if filed before 2021-6-1)
PATENT_TERMS = {"发明": 20, "实用新型": 10, "外观设计": 15}
DESIGN_TERM_CHANGE = date(2021, 6, 1)
FEE_GRACE_MONTHS = 6  # 专利法实施细则 (2023) 第一百一十六条: 期满之日起 6 个月内补缴，加收滞纳金


def patent_key(number: str | None) -> str:
    """A patent number compared across sources: no ZL prefix, spaces or dots, upper case."""
    text = (number or "").upper().replace(" ", "").replace(".", "")
    return text[2:] if text.startswith("ZL") else text


def _on(day: date, year: int, month: int | None = None) -> date:
    """``day``'s month-day in ``year`` (and ``month``), clamped to the month's end (2-29 → 2-28)."""
    m = month or day.month
    return date(year, m, min(day.day, calendar.monthrange(year, m)[1]))


def add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    return _on(day, day.year + total // 12, total % 12 + 1)


@dataclass(frozen=True)
class FeeDue:
    """One annual fee falling due: the day (申请日对应日), the patent year it pays for (counted
    from the filing date, the first year being the one filed in), and the last day of the grace
    period after which, unpaid, the patent right ends."""

    due_on: date
    patent_year: int
    grace_until: date
    from_grant: bool  # no filing date on record: the grant date's anniversary stands in


def annual_fee_due(
    *,
    filed_on: date | None,
    granted_on: date | None,
    subtype: str | None,
    start: date,
    end: date,
) -> FeeDue | None:
    """The annual fee of a patent in force falling due in [start, end], or None.

    Rule (docs/reports.md): each year's fee is paid before the previous patent year ends, i.e. by
    the anniversary of the filing date (申请日对应日); the fee of the year of grant is paid at
    grant, so only anniversaries after the grant date count; none falls due once the statutory
    term (:data:`PATENT_TERMS`) has run. Unpaid, it may be paid within :data:`FEE_GRACE_MONTHS`
    months after with a surcharge (滞纳金); unpaid then, the right ends. Without a filing date
    the grant date's anniversary stands in (an approximation the warning states)."""
    base = filed_on or granted_on
    if base is None or end < start:
        return None
    for year in range(start.year, end.year + 1):
        due = _on(base, year)
        if not start <= due <= end or due <= base:
            continue
        if granted_on is not None and due <= granted_on:
            continue
        if filed_on is not None and subtype in PATENT_TERMS:
            term = PATENT_TERMS[subtype]
            if subtype == "外观设计" and filed_on < DESIGN_TERM_CHANGE:
                term = 10
            if due >= _on(filed_on, filed_on.year + term):
                return None
        return FeeDue(
            due_on=due,
            patent_year=year - base.year + 1,
            grace_until=add_months(due, FEE_GRACE_MONTHS),
            from_grant=filed_on is None,
        )
    return None
