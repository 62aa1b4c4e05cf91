"""The officer's five-category classification (五级分类) of a drawdown, restructuring with its
observation period, and the classification history. Re-exported by ``loans.servicing``.
Never commits.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.errors import Conflict, Invalid
from zhixin.kit import clock
from zhixin.loans import repository as repo
from zhixin.loans import servicing_rules as rules
from zhixin.loans.servicing_common import _contract_of, _drawdown, _require
from zhixin.loans.servicing_models import LoanClassification

# ------------------------------------------------------------------------------ classification


def classify(
    session: Session,
    *,
    actor: Principal,
    drawdown_id: int,
    to_class: str,
    reason: str,
    on: date | None = None,
) -> LoanClassification:
    """An officer classifies a drawdown worse than the rules (never better), with a reason."""
    _require(actor, Permission.loan_manage)
    try:
        wanted = rules.Grade(to_class)
    except ValueError:
        raise Invalid(
            "五级分类须为 normal / special_mention / substandard / doubtful / loss"
        ) from None
    dd = _drawdown(session, drawdown_id, lock=True)
    _contract_of(session, dd, actor.tenant_id)
    floor = rules.rule_class(dd.days_past_due)
    try:
        rules.check_officer_class(rule=floor, wanted=wanted, reason=reason)
    except rules.ServicingError as exc:
        raise Invalid(str(exc)) from exc
    row = LoanClassification(
        drawdown_id=dd.id,
        from_class=dd.classification,
        to_class=wanted.value,
        rule_class=floor.value,
        on_date=on or clock.today(),
        by="officer",
        officer_id=actor.user_id,
        reason=reason.strip(),
    )
    session.add(row)
    dd.classification = wanted.value
    session.flush()
    audit.record(
        session,
        actor=audit.Actor.of(actor),
        action="loan.classify",
        object_type="loan_drawdown",
        object_id=dd.id,
        detail={"from": row.from_class, "to": row.to_class, "reason": row.reason},
    )
    return row


OBSERVATION_MONTHS = 12  # 第二十二条：重组观察期至少 1 年


def restructure(
    session: Session,
    *,
    actor: Principal,
    drawdown_id: int,
    reason: str,
    on: date | None = None,
) -> LoanClassification:
    """An officer records that a disbursed drawdown was restructured (重组) on ``on``, with a
    reason: the class before is kept, the observation period runs 12 months (both ends
    included), and the drawdown is at once at least 关注 and at least that class — the nightly
    batch keeps it so until the period ends (:func:`servicing_rules.rule_class`)."""
    from zhixin.lending.dates import add_months

    _require(actor, Permission.loan_manage)
    if not reason.strip():
        raise Invalid("登记重组须写明理由")
    day = on or clock.today()
    dd = _drawdown(session, drawdown_id, lock=True)
    _contract_of(session, dd, actor.tenant_id)
    if dd.status != "disbursed":
        raise Conflict("只有已放款未结清的用信可以登记重组")
    before = rules.Grade(dd.classification)
    floor = rules.rule_class(
        dd.days_past_due,
        restructured=True,
        class_before_restructuring=before,
        in_observation=True,
    )
    dd.restructured_on = day
    dd.restructured_from = before.value
    dd.observation_until = add_months(day, OBSERVATION_MONTHS)
    dd.restructure_reason = reason.strip()
    row = LoanClassification(
        drawdown_id=dd.id,
        from_class=before.value,
        to_class=floor.value,
        rule_class=floor.value,
        on_date=day,
        by="rule",
        officer_id=actor.user_id,
        reason=f"重组：{reason.strip()}",
    )
    session.add(row)
    dd.classification = floor.value
    session.flush()
    audit.record(
        session,
        actor=audit.Actor.of(actor),
        action="loan.restructure",
        object_type="loan_drawdown",
        object_id=dd.id,
        detail={
            "on": day.isoformat(),
            "from": before.value,
            "to": floor.value,
            "observation_until": dd.observation_until.isoformat(),
            "reason": reason.strip(),
        },
    )
    return row


def history(session: Session, *, actor: Principal, drawdown_id: int) -> list[LoanClassification]:
    """Every change of a drawdown's class, oldest first (loan:read, the book's visibility)."""
    from zhixin.loans import drawdowns

    drawdowns.drawdown_for(session, actor, drawdown_id)
    return list(repo.classifications_of(session, drawdown_id))
