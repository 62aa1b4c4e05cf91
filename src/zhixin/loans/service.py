"""The loan book's service: contracts from approved applications, credit lines and their
availability, freezes, and 无还本续贷 here; drawdowns (``drawdowns``), payees, vouchers and
entrusted payments (``payments``) and the reading of contracts and the portfolio (``book``) in
their own modules, re-exported here so that callers keep one name for the book's operations.

Who sees what: a bank its own contracts, an enterprise its own, a regulator those of
enterprises in its jurisdiction; anything else answers as a missing loan (404). Who writes:
an enterprise (``payment:submit``) requests drawdowns, proposes payees, uploads vouchers and
instructs payments on its own contracts; a bank officer (``loan:manage``) may do the same for
the bank's customers, disburses and verifies milestones; a bank approver (``loan:approve``)
approves drawdowns and payees, never those the same person requested (审贷分离). Every write
is audited (``access``). Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.lending.dates import add_months
from zhixin.loans import access, rules
from zhixin.loans import repository as repo

# The book's other modules, named here too: callers write ``service.X`` for every operation.
from zhixin.loans.access import (
    NO_SELF_PAYMENT,
    NOT_FOUND,
    STALE,
    visible_contract,
)
from zhixin.loans.book import (
    ContractView,
    DrawdownView,
    Filters,
    PortfolioRow,
    VoucherView,
    contract_of_application,
    drawdown_view,
    portfolio,
    portfolio_for_operator,
    view,
    view_for_operator,
)
from zhixin.loans.drawdowns import (
    approve_drawdown,
    disburse,
    drawdown_schedule,
    reject_drawdown,
    request_drawdown,
    verify_milestone,
)
from zhixin.loans.lines import (
    availability_of,
    set_frozen,
)
from zhixin.loans.models import (
    ZERO,
    LoanContract,
    LoanCreditLine,
    LoanDrawdown,
    LoanInstalment,
)
from zhixin.loans.payments import (
    decide_payee,
    make_payment,
    propose_payee,
    upload_voucher,
    voucher_file,
)
from zhixin.lpr import service as lpr
from zhixin.products import service as products
from zhixin.products.schema import DEFAULT_ALLOCATION
from zhixin.quotes import service as quotes

__all__ = [
    "NOT_FOUND",
    "NO_SELF_PAYMENT",
    "RENEWAL_WINDOW_DAYS",
    "STALE",
    "ContractView",
    "DrawdownView",
    "Filters",
    "PortfolioRow",
    "RenewalNotch",
    "Signed",
    "VoucherView",
    "approve_drawdown",
    "availability_of",
    "contract_of_application",
    "decide_payee",
    "disburse",
    "drawdown_schedule",
    "drawdown_view",
    "make_payment",
    "open_contract",
    "portfolio",
    "portfolio_for_operator",
    "propose_payee",
    "reject_drawdown",
    "renew",
    "request_drawdown",
    "set_frozen",
    "upload_voucher",
    "verify_milestone",
    "view",
    "view_for_operator",
    "visible_contract",
    "voucher_file",
]


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
    access.audited(
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
    access.log_evidence(
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
    old = access.as_bank(session, actor, contract_id, Permission.loan_manage)
    access.require_active(old)
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
        raise access.refused(exc) from exc
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
    access.bump(session, old)
    access.audited(
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
    access.log_evidence(
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
