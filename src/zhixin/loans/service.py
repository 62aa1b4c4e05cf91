"""The loan book's service: contracts from approved applications, credit lines, drawdowns with
maker-checker approval and their schedules, payees, vouchers and entrusted payments.

Who sees what: a bank its own contracts, an enterprise its own, a regulator those of
enterprises in its jurisdiction; anything else answers as a missing loan (404). Who writes:
an enterprise (``payment:submit``) requests drawdowns, proposes payees, uploads vouchers and
instructs payments on its own contracts; a bank officer (``loan:manage``) may do the same for
the bank's customers, disburses and verifies milestones; a bank approver (``loan:approve``)
approves drawdowns and payees, never those the same person requested (审贷分离). Every write
is audited. Never commits.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, LineFrozen, NotFound, ZhixinError
from zhixin.evidence import service as evidence
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.lending.dates import add_months
from zhixin.lending.schedule import Schedule, build_schedule
from zhixin.loans import repository as repo
from zhixin.loans import rules
from zhixin.loans.models import (
    CONTRACT_STATUS_LABELS,
    PURPOSE_LABELS,
    ZERO,
    LoanContract,
    LoanCreditLine,
    LoanDrawdown,
    LoanInstalment,
    LoanPayee,
    LoanPayment,
    LoanVoucher,
)
from zhixin.lpr import service as lpr
from zhixin.products import service as products
from zhixin.products.schema import DEFAULT_ALLOCATION
from zhixin.quotes import service as quotes
from zhixin.workdays import service as workdays

NOT_FOUND = "未找到该贷款 / loan not found"
STALE = "该合同刚被他人修改（版本已变化），本次操作未生效，请刷新后重试"
# Without a product's own statement: every payment entrusted (threshold 0).
NO_SELF_PAYMENT = "产品未载明自主支付阈值，一律受托支付"


def _refused(exc: rules.Refused) -> Invalid:
    return Invalid(str(exc))


# -- who sees, who writes --------------------------------------------------------------------


def _may_see(session: Session, actor: Principal, c: LoanContract) -> bool:
    if not actor.can(Permission.loan_read):
        return False
    if actor.tenant_kind == TenantKind.bank:
        return c.bank_tenant_id == actor.tenant_id
    if actor.tenant_kind == TenantKind.enterprise:
        return c.enterprise_id == actor.enterprise_id
    if actor.tenant_kind == TenantKind.regulator:
        return enterprises.visible(session, actor=actor, enterprise_id=c.enterprise_id)
    return False


def _contract(session: Session, actor: Principal, contract_id: int) -> LoanContract:
    if not actor.can(Permission.loan_read):
        raise Forbidden("无权查看贷款")
    c = repo.contract(session, contract_id)
    if c is None or not _may_see(session, actor, c):
        raise NotFound(NOT_FOUND)
    return c


def visible_contract(session: Session, *, actor: Principal, contract_id: int) -> LoanContract:
    """The contract if the actor may see it (else 404/403 as for the book's own pages)."""
    return _contract(session, actor, contract_id)


def _for_customer(session: Session, actor: Principal, contract_id: int) -> LoanContract:
    """A contract the actor may act on for the borrower: the enterprise itself
    (payment:submit) or an officer of the lending bank (loan:manage)."""
    c = _contract(session, actor, contract_id)
    if actor.tenant_kind == TenantKind.enterprise and actor.can(Permission.payment_submit):
        return c
    if actor.tenant_kind == TenantKind.bank and actor.can(Permission.loan_manage):
        return c
    raise Forbidden("无权办理该贷款的用信与支付")


def _as(session: Session, actor: Principal, contract_id: int, p: Permission) -> LoanContract:
    c = _contract(session, actor, contract_id)
    if actor.tenant_kind != TenantKind.bank or not actor.can(p):
        raise Forbidden("只有贷款银行的有权人员可以办理")
    return c


def _active(c: LoanContract) -> None:
    if c.status != "active":
        raise Conflict(f"合同状态为「{CONTRACT_STATUS_LABELS.get(c.status, c.status)}」，不能办理")


def _audit(
    session: Session, actor: Principal, action: str, kind: str, oid: int, **detail: Any
) -> None:
    audit.record(
        session,
        actor=Actor.of(actor),
        action=f"loan.{action}",
        object_type=kind,
        object_id=oid,
        detail=detail,
    )


def _evidence(
    session: Session,
    c: LoanContract,
    kind: str,
    subject: tuple[str, int],
    file: bytes | None = None,
    **data: Any,
) -> None:
    """Append the event to the evidence log (链上存证) in this transaction, for the bank and
    the regulator to confirm."""
    evidence.append(
        session,
        evidence.Event(
            kind=kind,
            data={"contract_no": c.contract_no, **data},
            subject=(subject[0], str(subject[1])),
            contract=(c.id, c.contract_no),
            enterprise_id=c.enterprise_id,
            bank_tenant_id=c.bank_tenant_id,
            file=file,
        ),
    )


def _bump(session: Session, c: LoanContract) -> None:
    """Compare-and-set on the contract's version: of two writers on one contract (two
    drawdowns at once), the second gets a 409 and writes nothing."""
    flag_modified(c, "terms")  # an UPDATE … WHERE version = :seen even when nothing else changed
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE) from exc


# -- the contract, from an approved application ----------------------------------------------


@dataclass(frozen=True)
class Signed:
    """What an approved application hands the book when its contract is signed (签订合同)."""

    application_id: int
    enterprise_id: int
    bank_tenant_id: int
    bank_code: str
    product_code: str
    product_version_id: int
    quote_id: int
    amount: Decimal  # approved
    rate: Decimal  # approved, % p.a.
    term_months: int
    method: str
    note: str = ""


def _repricing(start: date, cycle: int, anchor: str) -> date:
    if anchor == "january_1":
        return date(start.year + 1, 1, 1)
    return add_months(start, cycle)


def open_contract(session: Session, *, actor: Principal, signed: Signed, day: date) -> LoanContract:
    """For other domains' services (the application's 签订合同 step, which has checked the
    permission): the contract and its credit line from the application's frozen quote and
    product version. Idempotent per application: a second call returns the same contract."""
    existing = repo.contract_of_application(session, signed.application_id)
    if existing is not None:
        return existing
    _, product = products.by_version(session, signed.product_version_id)
    quote = quotes.to_out(quotes.get_row(session, actor=quotes.SYSTEM, quote_id=signed.quote_id))
    offer, loan = product.offer, product.loan
    rate_kind = offer.rate_type if offer is not None else "fixed"
    spread = signed.rate - quote.lpr
    locked = [
        {"milestone": t.milestone, "label": t.label, "amount": str(t.amount)}
        for t in quote.tranches
        if not t.met
    ]
    limit = signed.amount + sum((Decimal(t["amount"]) for t in locked), ZERO)
    maturity = add_months(day, signed.term_months)
    line_months = loan.line_months if loan is not None and loan.line_months else None
    terms: dict[str, Any] = {
        "renewal_allowed": bool(loan and loan.renewal_allowed),
        "revolving": bool(loan and loan.revolving),
        "self_payment": {
            "max_amount": str(loan.self_payment.max_amount) if loan else "0",
            "source": loan.self_payment.source if loan else NO_SELF_PAYMENT,
        },
        "compound": bool(offer.overdue.compound) if offer else True,
        "holiday_rule": product.service.holiday_rule,
        "lpr_at_signing": str(quote.lpr),
        "lpr_effective_on": quote.lpr_effective_on.isoformat(),
        "tranches": locked,
        "note": signed.note.strip()[:200],
    }
    c = LoanContract(
        contract_no=f"ZX{day:%Y%m%d}{signed.application_id:08d}",
        bank_tenant_id=signed.bank_tenant_id,
        bank_code=signed.bank_code,
        enterprise_id=signed.enterprise_id,
        application_id=signed.application_id,
        product_code=signed.product_code,
        product_version_id=signed.product_version_id,
        quote_id=signed.quote_id,
        rate_kind=rate_kind,
        lpr_tenor=quote.lpr_tenor if rate_kind == "floating" else None,
        spread=spread,
        repricing_rule=(
            f"{offer.repricing.anchor}/{offer.repricing.cycle_months}m"
            if offer is not None and offer.repricing is not None and rate_kind == "floating"
            else None
        ),
        repricing_date=(
            _repricing(day, offer.repricing.cycle_months, offer.repricing.anchor)
            if offer is not None and offer.repricing is not None and rate_kind == "floating"
            else None
        ),
        contract_rate=signed.rate,
        penalty_markup=(offer.overdue.markup / 100) if offer is not None else Decimal("0.5"),
        allocation_order=list(loan.allocation_order if loan else DEFAULT_ALLOCATION),
        principal_limit=limit,
        term_months=signed.term_months,
        method=signed.method,
        start_date=day,
        maturity_date=maturity,
        terms=terms,
        status="active",
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(c)
    session.flush()
    line = LoanCreditLine(
        contract_id=c.id,
        limit_amount=limit,
        expiry=add_months(day, line_months) if line_months else maturity,
        revolving=bool(loan and loan.revolving),
        frozen_amount=ZERO,
        created_at=utcnow(),
    )
    session.add(line)
    session.flush()
    _audit(
        session,
        actor,
        "contract.open",
        "loan_contract",
        c.id,
        application_id=signed.application_id,
        contract_no=c.contract_no,
        limit=str(limit),
        rate=str(signed.rate),
        rate_kind=rate_kind,
    )
    _evidence(
        session,
        c,
        "contract",
        ("loan_contract", c.id),
        limit=limit,
        rate=signed.rate,
        term_months=signed.term_months,
        start_date=day,
        maturity_date=maturity,
    )
    return c


# -- availability ------------------------------------------------------------------------------


def _tranches(c: LoanContract) -> list[rules.Tranche]:
    return [
        rules.Tranche(t["milestone"], Decimal(t["amount"]), bool(t.get("verified_on")))
        for t in (c.terms or {}).get("tranches", [])
    ]


def availability_of(
    c: LoanContract, line: LoanCreditLine, drawdowns: list[LoanDrawdown], *, skip: int = 0
) -> rules.Availability:
    """The line's availability; ``skip`` leaves one drawdown out of the in-flight sum (the one
    being approved, which already counts itself)."""
    outstanding = ZERO
    in_flight = ZERO
    for d in drawdowns:
        if d.id == skip:
            continue
        if d.status in rules.IN_FLIGHT:
            in_flight += d.amount
        elif d.status in ("disbursed", "settled"):
            # a revolving line gets repaid principal back; any other line does not
            outstanding += d.outstanding_principal if line.revolving else d.amount
    return rules.availability(
        limit=line.limit_amount,
        outstanding=outstanding,
        frozen=line.frozen_amount,
        in_flight=in_flight,
        tranches=_tranches(c),
    )


def _line(session: Session, c: LoanContract) -> LoanCreditLine:
    line = repo.line_of(session, c.id)
    if line is None:  # pragma: no cover - every contract is opened with its line
        raise NotFound(NOT_FOUND)
    return line


def _not_blocked(line: LoanCreditLine) -> None:
    """质量联动冻结: while the linkage service holds the line, no new drawdown or payment."""
    if line.blocked_reason:
        raise LineFrozen(f"授信额度已冻结，不能用信或支付：{line.blocked_reason}")


def set_frozen(
    session: Session, *, actor: Principal, contract_id: int, amount: Decimal, reason: str
) -> LoanCreditLine:
    """冻结 part of the line (risk control by the bank's approver): the amount frozen now, 0
    to release; availability falls by it."""
    c = _as(session, actor, contract_id, Permission.loan_approve)
    _active(c)
    line = _line(session, c)
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise Invalid("冻结金额须为不小于零、精确到分的金额")
    if amount > line.limit_amount:
        raise Invalid(f"冻结金额不能超过授信额度 {line.limit_amount:,.2f} 元")
    if not reason.strip():
        raise Invalid("请填写冻结或解冻的理由")
    before = line.frozen_amount
    line.frozen_amount = amount
    _bump(session, c)
    _audit(
        session,
        actor,
        "line.freeze",
        "loan_credit_line",
        line.id,
        contract_id=c.id,
        before=str(before),
        after=str(amount),
        reason=reason.strip()[:200],
    )
    _evidence(
        session,
        c,
        "freeze" if amount > 0 else "unfreeze",
        ("loan_credit_line", line.id),
        frozen=amount,
        reason=reason.strip()[:200],
    )
    return line


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
    c = _for_customer(session, actor, contract_id)
    _active(c)
    line = _line(session, c)
    _not_blocked(line)
    term = term_months or c.term_months
    if not 1 <= term <= c.term_months:
        raise Invalid(f"用信期限须在 1 至 {c.term_months} 个月之间（不超过合同期限）")
    milestone = (milestone or "").strip() or None
    if milestone is not None and milestone not in {t.milestone for t in _tranches(c)}:
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
        raise _refused(exc) from exc
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
    _bump(session, c)
    _audit(
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
    avail = availability_of(c, line, drawdowns, skip=skip)
    if milestone is None:
        return avail
    tranche = next(t for t in _tranches(c) if t.milestone == milestone)
    if not tranche.verified:
        raise Invalid(f"里程碑「{milestone}」尚未经客户经理核验，对应的增信额度仍锁定")
    return avail


def _drawdown(session: Session, actor: Principal, drawdown_id: int) -> LoanDrawdown:
    d = repo.drawdown(session, drawdown_id)
    if d is None:
        raise NotFound("未找到该笔用信")
    _contract(session, actor, d.contract_id)
    return d


def approve_drawdown(
    session: Session, *, actor: Principal, drawdown_id: int, on: date | None = None
) -> LoanDrawdown:
    """审批 (checker): not the requester; availability and the milestone checked again."""
    day = on or clock.today()
    d = _drawdown(session, actor, drawdown_id)
    c = _as(session, actor, d.contract_id, Permission.loan_approve)
    _active(c)
    if d.status != "requested":
        raise Conflict("该笔用信不在待审批状态")
    try:
        rules.check_maker_checker(requested_by=d.requested_by_id, approver=actor.user_id)
    except rules.Refused as exc:
        raise Forbidden(str(exc)) from exc
    line = _line(session, c)
    _not_blocked(line)
    drawdowns = list(repo.drawdowns_of(session, [c.id]))
    try:
        rules.check_drawdown(
            amount=d.amount,
            available=_available_for(c, line, drawdowns, d.milestone, skip=d.id),
            line_expiry=line.expiry,
            value_date=day,
        )
    except rules.Refused as exc:
        raise _refused(exc) from exc
    d.status = "approved"
    d.approved_by_id = actor.user_id
    d.decided_at = utcnow()
    _bump(session, c)
    _audit(session, actor, "drawdown.approve", "loan_drawdown", d.id, amount=str(d.amount))
    return d


def reject_drawdown(
    session: Session, *, actor: Principal, drawdown_id: int, reason: str
) -> LoanDrawdown:
    d = _drawdown(session, actor, drawdown_id)
    c = _as(session, actor, d.contract_id, Permission.loan_approve)
    if d.status not in rules.IN_FLIGHT:
        raise Conflict("该笔用信已放款或已处理，不能拒绝")
    if not reason.strip():
        raise Invalid("请填写拒绝理由")
    d.status = "rejected"
    d.approved_by_id = actor.user_id
    d.decided_at = utcnow()
    d.reject_reason = reason.strip()[:500]
    _bump(session, c)
    _audit(session, actor, "drawdown.reject", "loan_drawdown", d.id, reason=reason.strip()[:200])
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
    d = _drawdown(session, actor, drawdown_id)
    c = _as(session, actor, d.contract_id, Permission.loan_manage)
    _active(c)
    if d.status != "approved":
        raise Conflict("只有已审批的用信可以放款")
    _not_blocked(_line(session, c))
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
        raise _refused(exc) from exc
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
    _bump(session, c)
    _audit(
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
    _evidence(
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
    c = _as(session, actor, contract_id, Permission.loan_manage)
    _active(c)
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
    _bump(session, c)
    _audit(session, actor, "milestone.verify", "loan_contract", c.id, milestone=milestone)
    return c


# -- payees ----------------------------------------------------------------------------------


def propose_payee(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    name: str,
    bank_account: str,
    kind: str,
    uscc: str | None = None,
    bank_name: str | None = None,
) -> LoanPayee:
    c = _for_customer(session, actor, contract_id)
    _active(c)
    name = name.strip()
    if not name or len(name) > 200:
        raise Invalid("请填写收款人名称（不超过 200 字）")
    if kind not in rules.PAYEE_KINDS:
        raise Invalid(f"收款人类别须为：{'、'.join(rules.PAYEE_KINDS.values())}")
    try:
        account = rules.check_account(bank_account)
    except rules.Refused as exc:
        raise _refused(exc) from exc
    code = (uscc or "").strip().upper() or None
    if code is not None and len(code) != 18:
        raise Invalid("统一社会信用代码须为 18 位")
    p = LoanPayee(
        contract_id=c.id,
        name=name,
        uscc=code,
        bank_name=(bank_name or "").strip()[:100] or None,
        bank_account=account,
        kind=kind,
        status="proposed",
        proposed_by_id=actor.user_id,
        proposed_at=utcnow(),
    )
    session.add(p)
    session.flush()
    _audit(
        session,
        actor,
        "payee.propose",
        "loan_payee",
        p.id,
        contract_id=c.id,
        name=name,
        account=rules.mask_account(account),
    )
    return p


def decide_payee(
    session: Session, *, actor: Principal, payee_id: int, approve: bool, reason: str = ""
) -> LoanPayee:
    p = repo.payee(session, payee_id)
    if p is None:
        raise NotFound("未找到该收款人")
    _as(session, actor, p.contract_id, Permission.loan_approve)
    if p.status != "proposed":
        raise Conflict("该收款人已审核")
    if p.proposed_by_id == actor.user_id:
        raise Forbidden("审贷分离：提出收款人的人不能审核自己提出的收款人")
    if not approve and not reason.strip():
        raise Invalid("请填写驳回理由")
    p.status = "approved" if approve else "rejected"
    p.approved_by_id = actor.user_id
    p.decided_at = utcnow()
    p.reject_reason = None if approve else reason.strip()[:500]
    session.flush()
    _audit(session, actor, f"payee.{p.status}", "loan_payee", p.id, reason=reason.strip()[:200])
    return p


# -- vouchers --------------------------------------------------------------------------------


def _store(data: bytes, digest: str, store_dir: Path, media_type: str) -> Path:
    """Content-addressed: ``<store_dir>/ab/abcdef….<ext>``, written once (atomically)."""
    ext = {"application/pdf": ".pdf", "application/ofd": ".ofd", "image/jpeg": ".jpg"}.get(
        media_type, ".png"
    )
    target = store_dir / digest[:2] / f"{digest}{ext}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def upload_voucher(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    document_number: str,
    invoice_amount: Decimal,
    filename: str,
    data: bytes,
    store_dir: Path,
    max_bytes: int,
) -> LoanVoucher:
    """A voucher (contract/invoice number, amount, file): the file's type read from its bytes,
    its size bounded (413), stored by SHA-256 under ``store_dir`` (outside the web root)."""
    c = _for_customer(session, actor, contract_id)
    _active(c)
    if len(data) > max_bytes:
        raise ZhixinError(
            f"凭证文件超过 {max_bytes // (1024 * 1024) or 1} MB 的上限，请压缩或分开上传",
            status=413,
        )
    try:
        number = rules.check_document_number(document_number)
        rules.check_amount(invoice_amount, "凭证金额")
        media_type = rules.check_voucher(
            size=len(data), max_bytes=max_bytes, media_type=rules.sniff(data[:65536])
        )
    except rules.Refused as exc:
        raise _refused(exc) from exc
    if repo.voucher_by_number(session, c.id, number) is not None:
        raise Conflict(f"合同已有编号为「{number}」的凭证，同一凭证不能重复上传")
    digest = hashlib.sha256(data).hexdigest()
    path = _store(data, digest, store_dir, media_type)
    v = LoanVoucher(
        contract_id=c.id,
        document_number=number,
        invoice_amount=invoice_amount,
        file_sha256=digest,
        file_size=len(data),
        media_type=media_type,
        original_name=(Path(filename).name or "voucher")[:200],
        stored_path=str(path),
        uploaded_by_id=actor.user_id,
        uploaded_at=utcnow(),
    )
    session.add(v)
    session.flush()
    _audit(
        session,
        actor,
        "voucher.upload",
        "loan_voucher",
        v.id,
        contract_id=c.id,
        number=number,
        amount=str(invoice_amount),
        sha256=digest,
        size=len(data),
    )
    _evidence(
        session,
        c,
        "voucher",
        ("loan_voucher", v.id),
        file=data,
        document_number=number,
        amount=invoice_amount,
        media_type=media_type,
    )
    return v


def voucher_file(session: Session, *, actor: Principal, voucher_id: int) -> LoanVoucher:
    """A voucher whose loan the actor may see, with its file present."""
    v = repo.voucher(session, voucher_id)
    if v is None:
        raise NotFound("未找到该凭证")
    _contract(session, actor, v.contract_id)
    if not Path(v.stored_path).is_file():
        raise NotFound("凭证文件不在存储目录中，请联系管理员")
    return v


# -- payments --------------------------------------------------------------------------------


def make_payment(
    session: Session,
    *,
    actor: Principal,
    drawdown_id: int,
    amount: Decimal,
    purpose: str,
    payee_id: int | None = None,
    voucher_id: int | None = None,
    self_payment: bool = False,
    note: str = "",
) -> LoanPayment:
    """One payment of a disbursed drawdown (rules.check_payment)."""
    d = _drawdown(session, actor, drawdown_id)
    c = _for_customer(session, actor, d.contract_id)
    _active(c)
    _not_blocked(_line(session, c))
    payee = repo.payee(session, payee_id) if payee_id is not None else None
    if payee is not None and payee.contract_id != c.id:
        payee = None
    voucher = repo.voucher(session, voucher_id) if voucher_id is not None else None
    if voucher is not None and voucher.contract_id != c.id:
        voucher = None
    if voucher_id is not None and voucher is None:
        raise Invalid("未找到该凭证：凭证须为本合同已上传的凭证")
    sp = (c.terms or {}).get("self_payment") or {}
    check = rules.PaymentCheck(
        amount=amount,
        purpose=purpose,
        self_payment=self_payment,
        payee_status=payee.status if payee is not None else None,
        voucher_remaining=(
            voucher.invoice_amount - repo.paid_against_voucher(session, voucher.id)
            if voucher is not None
            else None
        ),
        drawdown_status=d.status,
        drawdown_remaining=d.amount - repo.paid_from_drawdown(session, d.id),
        self_payment_max=Decimal(str(sp.get("max_amount", "0"))),
        self_payment_source=str(sp.get("source", NO_SELF_PAYMENT)),
    )
    try:
        rules.check_payment(check)
    except rules.Refused as exc:
        raise _refused(exc) from exc
    p = LoanPayment(
        drawdown_id=d.id,
        payee_id=payee.id if payee is not None and not self_payment else None,
        purpose=purpose,
        amount=amount,
        voucher_id=voucher.id if voucher is not None else None,
        self_payment=self_payment,
        note=note.strip()[:500] or None,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(p)
    _bump(session, c)
    _audit(
        session,
        actor,
        "payment.make",
        "loan_payment",
        p.id,
        drawdown_id=d.id,
        amount=str(amount),
        purpose=purpose,
        payee_id=p.payee_id,
        voucher_id=p.voucher_id,
        self_payment=self_payment,
    )
    _evidence(
        session,
        c,
        "payment",
        ("loan_payment", p.id),
        drawdown=d.id,
        amount=amount,
        purpose=PURPOSE_LABELS.get(purpose, purpose),
        payee=payee.name if payee is not None and not self_payment else None,
        voucher=voucher.document_number if voucher is not None else None,
        voucher_sha256=voucher.file_sha256 if voucher is not None else None,
        self_payment=self_payment,
    )
    return p


# -- reading ---------------------------------------------------------------------------------


@dataclass
class DrawdownView:
    row: LoanDrawdown
    instalments: list[LoanInstalment]
    payments: list[LoanPayment]
    paid: Decimal

    @property
    def next_due(self) -> LoanInstalment | None:
        return next((i for i in self.instalments if i.status != "paid"), None)


@dataclass
class VoucherView:
    row: LoanVoucher
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.row.invoice_amount - self.paid


@dataclass
class ContractView:
    contract: LoanContract
    line: LoanCreditLine
    availability: rules.Availability
    enterprise_name: str
    drawdowns: list[DrawdownView]
    payees: list[LoanPayee]
    vouchers: list[VoucherView]
    tranches: list[dict[str, Any]] = field(default_factory=list)


def view(session: Session, *, actor: Principal, contract_id: int) -> ContractView:
    c = _contract(session, actor, contract_id)
    names = enterprises.names_by_ids(session, actor=actor, ids=[c.enterprise_id])
    return _view(session, c, names.get(c.enterprise_id, ("", ""))[1])


def view_for_operator(session: Session, *, contract_id: int) -> ContractView:
    """One contract for the operator's command line (no tenant: every contract)."""
    c = repo.contract(session, contract_id)
    if c is None:
        raise NotFound(NOT_FOUND)
    ident = enterprises.identity(session, c.enterprise_id)
    return _view(session, c, ident.name if ident is not None else "")


def _view(session: Session, c: LoanContract, enterprise_name: str) -> ContractView:
    line = _line(session, c)
    drawdowns = list(repo.drawdowns_of(session, [c.id]))
    ids = [d.id for d in drawdowns]
    plan: dict[int, list[LoanInstalment]] = {i: [] for i in ids}
    for i in repo.instalments_of(session, ids):
        plan[i.drawdown_id].append(i)
    pays: dict[int, list[LoanPayment]] = {i: [] for i in ids}
    by_voucher: dict[int, Decimal] = {}
    for p in repo.payments_of(session, ids):
        pays[p.drawdown_id].append(p)
        if p.voucher_id is not None:
            by_voucher[p.voucher_id] = by_voucher.get(p.voucher_id, ZERO) + p.amount
    return ContractView(
        contract=c,
        line=line,
        availability=availability_of(c, line, drawdowns),
        enterprise_name=enterprise_name,
        drawdowns=[
            DrawdownView(d, plan[d.id], pays[d.id], sum((p.amount for p in pays[d.id]), ZERO))
            for d in drawdowns
        ],
        payees=list(repo.payees_of(session, c.id)),
        vouchers=[
            VoucherView(v, by_voucher.get(v.id, ZERO)) for v in repo.vouchers_of(session, c.id)
        ],
        tranches=list((c.terms or {}).get("tranches", [])),
    )


def drawdown_view(session: Session, *, actor: Principal, drawdown_id: int) -> DrawdownView:
    d = _drawdown(session, actor, drawdown_id)
    payments = list(repo.payments_of(session, [d.id]))
    return DrawdownView(
        d,
        list(repo.instalments_of(session, [d.id])),
        payments,
        sum((p.amount for p in payments), ZERO),
    )


@dataclass(frozen=True)
class PortfolioRow:
    id: int
    contract_no: str
    enterprise_id: int
    enterprise_name: str
    uscc: str
    bank_code: str
    product_code: str
    limit: Decimal
    outstanding: Decimal
    overdue: Decimal
    rate: Decimal
    rate_kind: str
    start_date: date
    maturity_date: date
    status: str
    classification: str  # the worst of its drawdowns
    days_past_due: int
    next_due: date | None
    next_payment: Decimal  # principal + interest of every instalment due on next_due


_RANK = ["normal", "special_mention", "substandard", "doubtful", "loss"]


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    product_code: str | None = None
    classification: str | None = None
    overdue_only: bool = False
    maturing_within_days: int | None = None


def portfolio(
    session: Session,
    *,
    actor: Principal,
    status: str | None = None,
    product_code: str | None = None,
    classification: str | None = None,
    overdue_only: bool = False,
    maturing_within_days: int | None = None,
    enterprise_id: int | None = None,
) -> list[PortfolioRow]:
    """The contracts the actor may see (its bank's, its own, its jurisdiction's), filtered."""
    if not actor.can(Permission.loan_read):
        raise Forbidden("无权查看贷款")
    if actor.tenant_kind == TenantKind.bank:
        bank, ent = actor.tenant_id, enterprise_id
    elif actor.tenant_kind == TenantKind.enterprise:
        bank, ent = None, actor.enterprise_id if actor.enterprise_id is not None else -1
    elif actor.tenant_kind == TenantKind.regulator:
        bank, ent = None, enterprise_id
    else:
        raise Forbidden("无权查看贷款")
    f = Filters(status, product_code, classification, overdue_only, maturing_within_days)
    rows = _contracts(session, bank, ent, f)
    visible = enterprises.visible_among(
        session, actor=actor, ids=sorted({r.enterprise_id for r in rows})
    )
    rows = [r for r in rows if r.enterprise_id in visible]
    names = enterprises.names_by_ids(session, actor=actor, ids=sorted(visible))
    return _summed(session, rows, names, f)


def portfolio_for_operator(
    session: Session, *, bank_code: str | None = None, filters: Filters | None = None
) -> list[PortfolioRow]:
    """Every contract (of one bank, by its code), for the operator's command line."""
    f = filters or Filters()
    rows = [r for r in _contracts(session, None, None, f) if bank_code in (None, r.bank_code)]
    names: dict[int, tuple[str, str]] = {}
    for eid in sorted({r.enterprise_id for r in rows}):
        ident = enterprises.identity(session, eid)
        if ident is not None:
            names[eid] = (ident.uscc, ident.name)
    return _summed(session, rows, names, f)


def _contracts(
    session: Session, bank: int | None, ent: int | None, f: Filters
) -> list[LoanContract]:
    before = None
    if f.maturing_within_days is not None:
        before = clock.today() + timedelta(days=f.maturing_within_days)
    return list(
        repo.contracts(
            session,
            bank_tenant_id=bank,
            enterprise_id=ent,
            status=f.status or None,
            product_code=f.product_code or None,
            maturing_before=before,
        )
    )


def _summed(
    session: Session,
    rows: list[LoanContract],
    names: dict[int, tuple[str, str]],
    f: Filters,
) -> list[PortfolioRow]:
    drawdowns = repo.drawdowns_of(session, [r.id for r in rows])
    by_contract: dict[int, list[LoanDrawdown]] = {}
    for d in drawdowns:
        by_contract.setdefault(d.contract_id, []).append(d)
    dues: dict[int, date] = {}
    amounts: dict[int, Decimal] = {}
    live = [d.id for d in drawdowns if d.status == "disbursed"]
    owner = {d.id: d.contract_id for d in drawdowns}
    for i in repo.instalments_of(session, live):
        if i.status == "paid":
            continue
        cid = owner[i.drawdown_id]
        left = i.principal + i.interest - i.principal_paid - i.interest_paid
        if cid not in dues or i.due_date < dues[cid]:
            dues[cid], amounts[cid] = i.due_date, left
        elif i.due_date == dues[cid]:
            amounts[cid] += left
    out = []
    for r in rows:
        ds = [d for d in by_contract.get(r.id, []) if d.status in ("disbursed", "settled")]
        worst = max((_RANK.index(d.classification) for d in ds), default=0)
        overdue = sum((d.overdue_principal + d.overdue_interest for d in ds), ZERO)
        if f.classification and _RANK[worst] != f.classification:
            continue
        if f.overdue_only and overdue <= 0:
            continue
        uscc, name = names.get(r.enterprise_id, ("", ""))
        out.append(
            PortfolioRow(
                id=r.id,
                contract_no=r.contract_no,
                enterprise_id=r.enterprise_id,
                enterprise_name=name,
                uscc=uscc,
                bank_code=r.bank_code,
                product_code=r.product_code,
                limit=r.principal_limit,
                outstanding=sum((d.outstanding_principal for d in ds), ZERO),
                overdue=overdue,
                rate=r.contract_rate,
                rate_kind=r.rate_kind,
                start_date=r.start_date,
                maturity_date=r.maturity_date,
                status=r.status,
                classification=_RANK[worst],
                days_past_due=max((d.days_past_due for d in ds), default=0),
                next_due=dues.get(r.id),
                next_payment=amounts.get(r.id, ZERO),
            )
        )
    return out


def contract_of_application(
    session: Session, *, actor: Principal, application_id: int
) -> LoanContract | None:
    """The contract signed for an application, when the actor may see it."""
    c = repo.contract_of_application(session, application_id)
    if c is None or not _may_see(session, actor, c):
        return None
    return c


# -- 无还本续贷 ----------------------------------------------------------------------------------

RENEWAL_WINDOW_DAYS = 90


@dataclass(frozen=True)
class RenewalNotch:
    """A renewal's terms moved by quality linkage (众商贷's notch up, worked out by
    ``zhixin.linkage.renewals``): the rate cut from the renewal's first period, the line's
    limit (at least the principal carried), and what the new contract's terms record."""

    rate_cut_bp: int
    limit: Decimal | None
    terms: dict[str, Any]


def renew(
    session: Session,
    *,
    actor: Principal,
    contract_id: int,
    today: date | None = None,
    listed: Any = None,
    notch: RenewalNotch | None = None,
) -> LoanContract:
    """无还本续贷 of an eligible contract by an officer of the lending bank (loan:manage).

    Eligibility is :func:`servicing.renewal_candidates`' (maturity within 90 days, still on the
    whitelist, nothing overdue, every drawdown 正常, the product allows it); an ineligible
    contract is refused with the reasons. A new contract (no application: ``renewed_from_id``
    links it to the old one) starts on the renewal day with the old one's term, method and rate
    terms (floating: the LPR in force that day + the same spread). No money moves: the old
    drawdowns' outstanding principal becomes one disbursed drawdown of the new contract, valued
    that day and scheduled by the lending core; the old drawdowns are 已结清 with their unpaid
    instalments 已续贷 (their rows kept), and the interest accrued on them up to the renewal day
    is added to the new drawdown's first instalment. The old contract becomes 续贷. The new
    drawdown keeps the worst class of the old ones (a renewal of a 正常 loan without financial
    difficulty is not a restructuring, 2023 办法 第二十二条).

    With a ``notch`` (quality linkage, for other domains' services), the renewal's rate is cut
    from its first period (contract rate and spread) and its line's limit is the notch's (not
    below the principal carried: the headroom may be drawn with the usual maker-checker).
    """
    from zhixin.loans import servicing
    from zhixin.loans.batch import next_repricing

    day = today or clock.today()
    old = _as(session, actor, contract_id, Permission.loan_manage)
    _active(old)
    found = [
        r
        for r in servicing.renewal_candidates(
            session,
            today=day,
            within=RENEWAL_WINDOW_DAYS,
            bank_tenant_id=old.bank_tenant_id,
            listed=listed,
        )
        if r.contract_id == old.id
    ]
    if not found:
        raise Invalid(
            f"不能无还本续贷：合同到期日须在{RENEWAL_WINDOW_DAYS}天内（到期日 {old.maturity_date}）"
        )
    if found[0].reasons:
        raise Invalid("不能无还本续贷：" + "；".join(found[0].reasons))
    drawdowns = [
        d
        for d in session.query(LoanDrawdown).filter(LoanDrawdown.contract_id == old.id)
        if d.status == "disbursed"
    ]
    principal = sum((d.outstanding_principal for d in drawdowns), ZERO)
    if principal <= 0:
        raise Invalid("不能无还本续贷：合同没有未还本金")
    carried_interest = sum((d.accrued_interest for d in drawdowns), ZERO)
    from zhixin.loans.servicing_rules import RANK, Grade

    grade = max(
        (Grade(d.classification) for d in drawdowns), key=lambda g: RANK[g], default=Grade.normal
    )
    closed = [d.last_accrual_date for d in drawdowns if d.last_accrual_date is not None]
    maturity = add_months(day, old.term_months)
    shift = Decimal(notch.rate_cut_bp) / Decimal(100) if notch is not None else ZERO
    limit = max(principal, notch.limit) if notch is not None and notch.limit else principal
    terms = {**(old.terms or {}), "tranches": [], "renewal_of": old.contract_no}
    if notch is not None:
        terms.update(notch.terms)
    new = LoanContract(
        contract_no=f"ZX{day:%Y%m%d}R{old.id:08d}",
        bank_tenant_id=old.bank_tenant_id,
        bank_code=old.bank_code,
        enterprise_id=old.enterprise_id,
        application_id=None,
        product_code=old.product_code,
        product_version_id=old.product_version_id,
        quote_id=old.quote_id,
        rate_kind=old.rate_kind,
        lpr_tenor=old.lpr_tenor,
        spread=old.spread - shift,
        repricing_rule=old.repricing_rule,
        repricing_date=(
            next_repricing(day, old.repricing_rule, day)
            if old.rate_kind == "floating" and old.repricing_rule
            else None
        ),
        contract_rate=old.contract_rate - shift,
        penalty_markup=old.penalty_markup,
        allocation_order=list(old.allocation_order or []),
        principal_limit=limit,
        term_months=old.term_months,
        method=old.method,
        start_date=day,
        maturity_date=maturity,
        terms=terms,
        status="active",
        renewed_from_id=old.id,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(new)
    session.flush()
    session.add(
        LoanCreditLine(
            contract_id=new.id,
            limit_amount=limit,
            expiry=maturity,
            revolving=False,
            frozen_amount=ZERO,
            created_at=utcnow(),
        )
    )
    lpr_rate: Decimal | None = None
    lpr_on: date | None = None
    if new.rate_kind == "floating":
        in_force = lpr.rates_on(session, day)
        lpr_rate, lpr_on = in_force.tenor(new.lpr_tenor or "1y"), in_force.effective_on
    try:
        rate = rules.drawdown_rate(
            rate_kind=new.rate_kind,
            contract_rate=new.contract_rate,
            lpr=lpr_rate,
            spread=new.spread,
        )
    except rules.Refused as exc:
        raise _refused(exc) from exc
    sched = drawdown_schedule(
        session, c=new, amount=principal, rate=rate, start=day, term=new.term_months
    )
    dd = LoanDrawdown(
        contract_id=new.id,
        amount=principal,
        requested_by_id=actor.user_id,
        requested_at=utcnow(),
        approved_by_id=actor.user_id,
        decided_at=utcnow(),
        status="disbursed",
        value_date=day,
        maturity=sched.maturity,
        term_months=new.term_months,
        lpr_rate=lpr_rate,
        lpr_on=lpr_on,
        annual_rate=rate,
        method=new.method,
        outstanding_principal=principal,
        classification=grade.value,
        # a day the batch closed for the old drawdowns is not closed again for the new one
        last_accrual_date=max(closed) if closed and max(closed) >= day else None,
    )
    session.add(dd)
    session.flush()
    for i in sched.instalments:
        session.add(
            LoanInstalment(
                drawdown_id=dd.id,
                seq=i.number,
                period_start=i.start,
                due_date=i.due,
                principal=i.principal,
                interest=i.interest + (carried_interest if i.number == 1 else ZERO),
                principal_paid=ZERO,
                interest_paid=ZERO,
                status="due",
            )
        )
    for d in drawdowns:
        for inst in session.query(LoanInstalment).filter(
            LoanInstalment.drawdown_id == d.id, LoanInstalment.status == "due"
        ):
            inst.status = "renewed"
        d.outstanding_principal = ZERO
        d.accrued_interest = ZERO
        d.status = "settled"
    old.status = "renewed"
    _bump(session, old)
    _audit(
        session,
        actor,
        "contract.renew",
        "loan_contract",
        old.id,
        renewed_to=new.id,
        contract_no=new.contract_no,
        principal=str(principal),
        interest_carried=str(carried_interest),
        rate=str(rate),
        classification=grade.value,
        limit=str(limit),
        notch_bp=notch.rate_cut_bp if notch is not None else None,
    )
    _evidence(
        session,
        old,
        "renewal",
        ("loan_contract", old.id),
        renewed_to=new.contract_no,
        principal=principal,
        interest_carried=carried_interest,
        rate=rate,
        maturity_date=maturity,
    )
    return new
