"""Reading the loan book: a contract's view (lines, drawdowns, vouchers, payments) and the
portfolio with its filters and totals, for each reader what they may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound
from zhixin.kit import clock
from zhixin.loans import access, drawdowns, lines, rules
from zhixin.loans import repository as repo
from zhixin.loans.models import (
    ZERO,
    LoanContract,
    LoanCreditLine,
    LoanDrawdown,
    LoanInstalment,
    LoanPayee,
    LoanPayment,
    LoanVoucher,
)

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
    c = access.contract(session, actor, contract_id)
    names = enterprises.names_by_ids(session, actor=actor, ids=[c.enterprise_id])
    return _view(session, c, names.get(c.enterprise_id, ("", ""))[1])


def view_for_operator(session: Session, *, contract_id: int) -> ContractView:
    """One contract for the operator's command line (no tenant: every contract)."""
    c = repo.contract(session, contract_id)
    if c is None:
        raise NotFound(access.NOT_FOUND)
    ident = enterprises.identity(session, c.enterprise_id)
    return _view(session, c, ident.name if ident is not None else "")


def _view(session: Session, c: LoanContract, enterprise_name: str) -> ContractView:
    line = lines.line_of(session, c)
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
        availability=lines.availability_of(c, line, drawdowns),
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
    d = drawdowns.drawdown_for(session, actor, drawdown_id)
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
    if c is None or not access.may_see(session, actor, c):
        return None
    return c
