"""Pure decisions about quality records: what is in force on a date, what may be repaired."""

from __future__ import annotations

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
