"""Drawdowns (用信): requested by the enterprise or an officer, approved by another person of the
bank (审贷分离), disbursed into their schedules; milestones verified for tranches. Never commits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.lending.schedule import Schedule, build_schedule
from zhixin.loans import access, lines, rules
from zhixin.loans import repository as repo
from zhixin.loans.models import (
    ZERO,
    LoanContract,
    LoanCreditLine,
    LoanDrawdown,
    LoanInstalment,
)
from zhixin.lpr import service as lpr
from zhixin.workdays import service as workdays

# -- drawdowns -------------------------------------------------------------------------------


def request_drawdown(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    amount: Decimal,
    term_months: int | None = None,
    milestone: str | None = None,
    on: date | None = None,
) -> LoanDrawdown:
    """用信申请 within the line's availability (re-checked at approval)."""
    day = on or clock.today()
    c = access.for_customer(session, actor, contract_id)
    access.require_active(c)
    line = lines.line_of(session, c)
    lines.not_blocked(line)
    term = term_months or c.term_months
    if not 1 <= term <= c.term_months:
        raise Invalid(f"用信期限须在 1 至 {c.term_months} 个月之间（不超过合同期限）")
    milestone = (milestone or "").strip() or None
    if milestone is not None and milestone not in {t.milestone for t in lines.tranches(c)}:
        raise Invalid(f"合同没有里程碑「{milestone}」对应的增信额度")
    drawdowns = list(repo.drawdowns_of(session, [c.id]))
    try:
        rules.check_drawdown(
            amount=amount,
            available=_available_for(c, line, drawdowns, milestone),
            line_expiry=line.expiry,
            value_date=day,
        )
    except rules.Refused as exc:
        raise access.refused(exc) from exc
    d = LoanDrawdown(
        contract_id=c.id,
        amount=amount,
        requested_by_id=actor.user_id,
        requested_at=utcnow(),
        status="requested",
        term_months=term,
        method=c.method,
        milestone=milestone,
    )
    session.add(d)
    access.bump(session, c)
    access.audited(
        session,
        actor,
        "drawdown.request",
        "loan_drawdown",
        d.id,
        contract_id=c.id,
        amount=str(amount),
        milestone=milestone,
    )
    return d


def _available_for(
    c: LoanContract,
    line: LoanCreditLine,
    drawdowns: list[LoanDrawdown],
    milestone: str | None,
    skip: int = 0,
) -> rules.Availability:
    """A drawdown on a milestone's tranche may use the tranche once verified; any other only
    what is unlocked."""
    avail = lines.availability_of(c, line, drawdowns, skip=skip)
    if milestone is None:
        return avail
    tranche = next(t for t in lines.tranches(c) if t.milestone == milestone)
    if not tranche.verified:
        raise Invalid(f"里程碑「{milestone}」尚未经客户经理核验，对应的增信额度仍锁定")
    return avail


def drawdown_for(session: Session, actor: Principal, drawdown_id: int) -> LoanDrawdown:
    d = repo.drawdown(session, drawdown_id)
    if d is None:
        raise NotFound("未找到该笔用信")
    access.contract(session, actor, d.contract_id)
    return d


def approve_drawdown(
    session: Session, *, actor: Principal, drawdown_id: int, on: date | None = None
) -> LoanDrawdown:
    """审批 (checker): not the requester; availability and the milestone checked again."""
    day = on or clock.today()
    d = drawdown_for(session, actor, drawdown_id)
    c = access.as_bank(session, actor, d.contract_id, Permission.loan_approve)
    access.require_active(c)
    if d.status != "requested":
        raise Conflict("该笔用信不在待审批状态")
    try:
        rules.check_maker_checker(requested_by=d.requested_by_id, approver=actor.user_id)
    except rules.Refused as exc:
        raise Forbidden(str(exc)) from exc
    line = lines.line_of(session, c)
    lines.not_blocked(line)
    drawdowns = list(repo.drawdowns_of(session, [c.id]))
    try:
        rules.check_drawdown(
            amount=d.amount,
            available=_available_for(c, line, drawdowns, d.milestone, skip=d.id),
            line_expiry=line.expiry,
            value_date=day,
        )
    except rules.Refused as exc:
        raise access.refused(exc) from exc
    d.status = "approved"
    d.approved_by_id = actor.user_id
    d.decided_at = utcnow()
    access.bump(session, c)
    access.audited(session, actor, "drawdown.approve", "loan_drawdown", d.id, amount=str(d.amount))
    return d


def reject_drawdown(
    session: Session, *, actor: Principal, drawdown_id: int, reason: str
) -> LoanDrawdown:
    d = drawdown_for(session, actor, drawdown_id)
    c = access.as_bank(session, actor, d.contract_id, Permission.loan_approve)
    if d.status not in rules.IN_FLIGHT:
        raise Conflict("该笔用信已放款或已处理，不能拒绝")
    if not reason.strip():
        raise Invalid("请填写拒绝理由")
    d.status = "rejected"
    d.approved_by_id = actor.user_id
    d.decided_at = utcnow()
    d.reject_reason = reason.strip()[:500]
    access.bump(session, c)
    access.audited(
        session, actor, "drawdown.reject", "loan_drawdown", d.id, reason=reason.strip()[:200]
    )
    return d


def drawdown_schedule(
    session: Session, *, c: LoanContract, amount: Decimal, rate: Decimal, start: date, term: int
) -> Schedule:
    """The lending core's schedule of one drawdown (the contract's method and holiday rule)."""
    try:
        return build_schedule(
            principal=amount,
            annual_rate=rate,
            start=start,
            method=c.method,
            term_months=term,
            holiday_rule="preceding"
            if (c.terms or {}).get("holiday_rule") == "preceding"
            else "following",
            calendar=workdays.calendar(session),
        )
    except ValueError as exc:
        raise Invalid(f"无法生成还款计划：{exc}") from exc


def disburse(
    session: Session, *, actor: Principal, drawdown_id: int, on: date | None = None
) -> LoanDrawdown:
    """放款 of an approved drawdown: priced on the value date (floating: the LPR of the
    contract's tenor in force that day + the contract spread), scheduled by the lending core,
    its principal outstanding from that day."""
    day = on or clock.today()
    d = drawdown_for(session, actor, drawdown_id)
    c = access.as_bank(session, actor, d.contract_id, Permission.loan_manage)
    access.require_active(c)
    if d.status != "approved":
        raise Conflict("只有已审批的用信可以放款")
    lines.not_blocked(lines.line_of(session, c))
    lpr_rate: Decimal | None = None
    lpr_on: date | None = None
    if c.rate_kind == "floating":
        in_force = lpr.rates_on(session, day)
        lpr_rate, lpr_on = in_force.tenor(c.lpr_tenor or "1y"), in_force.effective_on
    try:
        rate = rules.drawdown_rate(
            rate_kind=c.rate_kind, contract_rate=c.contract_rate, lpr=lpr_rate, spread=c.spread
        )
    except rules.Refused as exc:
        raise access.refused(exc) from exc
    sched = drawdown_schedule(
        session, c=c, amount=d.amount, rate=rate, start=day, term=d.term_months
    )
    d.status = "disbursed"
    d.value_date = day
    d.maturity = sched.maturity
    d.lpr_rate, d.lpr_on, d.annual_rate = lpr_rate, lpr_on, rate
    d.outstanding_principal = d.amount
    # no day closed yet: the nightly batch closes the value date itself (it bears interest)
    d.last_accrual_date = None
    for i in sched.instalments:
        session.add(
            LoanInstalment(
                drawdown_id=d.id,
                seq=i.number,
                period_start=i.start,
                due_date=i.due,
                principal=i.principal,
                interest=i.interest,
                principal_paid=ZERO,
                interest_paid=ZERO,
                status="due",
            )
        )
    access.bump(session, c)
    access.audited(
        session,
        actor,
        "drawdown.disburse",
        "loan_drawdown",
        d.id,
        value_date=day.isoformat(),
        rate=str(rate),
        lpr=str(lpr_rate) if lpr_rate is not None else None,
        instalments=len(sched.instalments),
    )
    access.log_evidence(
        session,
        c,
        "drawdown",
        ("loan_drawdown", d.id),
        amount=d.amount,
        rate=rate,
        value_date=day,
        maturity=sched.maturity,
    )
    return d


def verify_milestone(
    session: Session, *, actor: Principal, contract_id: int, milestone: str, note: str = ""
) -> LoanContract:
    """An officer verifies a milestone (linkage to the regulator's records comes later): its
    tranche unlocks, and drawdowns on it carry who verified it and when."""
    c = access.as_bank(session, actor, contract_id, Permission.loan_manage)
    access.require_active(c)
    tranches = [dict(t) for t in (c.terms or {}).get("tranches", [])]
    found = next((t for t in tranches if t["milestone"] == milestone), None)
    if found is None:
        raise Invalid(f"合同没有里程碑「{milestone}」对应的增信额度")
    if found.get("verified_on"):
        raise Conflict("该里程碑已核验")
    now = utcnow()
    found["verified_on"] = clock.today().isoformat()
    found["verified_by_id"] = actor.user_id
    found["note"] = note.strip()[:200]
    c.terms = {**c.terms, "tranches": tranches}
    for d in repo.drawdowns_of(session, [c.id]):
        if d.milestone == milestone and d.milestone_verified_at is None:
            d.milestone_verified_at = now
            d.milestone_verified_by_id = actor.user_id
    access.bump(session, c)
    access.audited(session, actor, "milestone.verify", "loan_contract", c.id, milestone=milestone)
    return c
