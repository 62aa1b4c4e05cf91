"""Recording a visit's outcome (pure): what may be recorded, by whom, and what needs a
confirmation.

* 跟进中 (open) and 已申请 (applied) are steps; 已获贷 (granted), 暂无需求 (no_need) and
  未获支持 (declined) are **final**: the follow-up clock stops for good and the visit leaves the
  bank's queue. Recording a final outcome asks for a confirmation (``confirm``).
* An outcome other than 跟进中 has a date (结果日期): not before the visit, not after today.
* The bank assigned to the visit records its outcome while it is not final; a final outcome is
  changed (corrected) only by the task force, which may also set any outcome of any visit in
  its scope. Every change is audited with what it was (``visit.outcome``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from zhixin.visits.rules import OUTCOMES

FINAL = frozenset({"granted", "no_need", "declined"})


@dataclass(frozen=True)
class OutcomeProblem:
    """Why the outcome cannot be recorded: ``kind`` invalid (422) or conflict (409)."""

    kind: str
    message: str


def check(
    *,
    current: str,
    new: str,
    outcome_on: date | None,
    visited_on: date,
    today: date,
    corrector: bool,
    confirmed: bool,
) -> OutcomeProblem | None:
    """None when ``new`` may replace ``current``; else the reason (中文)."""
    if new not in OUTCOMES:
        return OutcomeProblem("invalid", "跟进结果应为：" + "、".join(OUTCOMES.values()))
    if current in FINAL and not corrector:
        return OutcomeProblem(
            "conflict",
            f"该走访已有最终结果（{OUTCOMES[current]}），如需更正请联系融资协调专班",
        )
    if new != "open" and outcome_on is None:
        return OutcomeProblem("invalid", "结果日期：跟进结果不是“跟进中”时须填写结果日期")
    if outcome_on is not None and outcome_on < visited_on:
        return OutcomeProblem("invalid", f"结果日期：不能早于走访日期（{visited_on}）")
    if outcome_on is not None and outcome_on > today:
        return OutcomeProblem("invalid", "结果日期：不能晚于今天")
    if new in FINAL and new != current and not confirmed:
        return OutcomeProblem(
            "invalid",
            f"确认：“{OUTCOMES[new]}”是最终结果，记录后跟进结束，请勾选确认后再提交",
        )
    return None
