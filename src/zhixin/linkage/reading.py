"""What the pages and the API show of linkage: a loan's covenant results (with the payments
behind a quality-use result) and actions, an enterprise's, and a bank's queue of freezes in
force and reversal requests. Who sees what follows the loan book: the bank its own loans, the
enterprise its own, a regulator those in its jurisdiction. Never commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound
from zhixin.linkage import repository as repo
from zhixin.linkage import rules
from zhixin.linkage.models import CovenantResult, LinkageAction, ReversalRequest
from zhixin.loans import linked as book
from zhixin.loans import service as loans
from zhixin.products import service as products
from zhixin.products.loader import ProductInvalid
from zhixin.records import service as records


@dataclass(frozen=True)
class PaymentLine:
    id: int
    drawdown_id: int
    purpose: str
    purpose_label: str
    amount: Decimal
    quality: bool
    paid_on: str


@dataclass
class ResultView:
    row: CovenantResult
    label: str
    consequence_label: str
    payments: list[PaymentLine] = field(default_factory=list)


@dataclass
class ActionView:
    row: LinkageAction
    label: str
    status_label: str
    reversal: ReversalRequest | None = None
    show_record: bool = False  # the record's id only to who may read the enterprise's records


@dataclass
class LoanLinkage:
    contract_id: int
    blocked_reason: str | None
    results: list[ResultView]
    actions: list[ActionView]


def _purposes_of(session: Session, version_id: int, covenant: str) -> list[str]:
    try:
        product = products.by_version(session, version_id)[1]
    except (NotFound, ProductInvalid):  # a version that no longer reads shows no purposes
        return []
    cov = next((c for c in product.covenants if c.code == covenant), None)
    return list(cov.purposes) if cov is not None else []


def _label(session: Session, r: CovenantResult, cache: dict[tuple[int, str], str]) -> str:
    key = (r.product_version_id, r.covenant)
    if key not in cache:
        try:
            product = products.by_version(session, r.product_version_id)[1]
            cov = next((c for c in product.covenants if c.code == r.covenant), None)
            cache[key] = cov.label if cov is not None else r.covenant
        except (NotFound, ProductInvalid):
            cache[key] = r.covenant
    return cache[key]


def _results(session: Session, rows: list[CovenantResult], with_payments: bool) -> list[ResultView]:
    cache: dict[tuple[int, str], str] = {}
    out = []
    for r in rows:
        v = ResultView(
            r, _label(session, r, cache), rules.CONSEQUENCE_LABELS.get(r.consequence, r.consequence)
        )
        if with_payments and r.kind == "quality_use_share":
            quality = set(_purposes_of(session, r.product_version_id, r.covenant))
            v.payments = [
                PaymentLine(
                    p.id,
                    p.drawdown_id,
                    p.purpose,
                    rules.PURPOSE_LABELS.get(p.purpose, p.purpose),
                    p.amount,
                    p.purpose in quality,
                    p.created_at.date().isoformat(),
                )
                for p in book.payments_through(session, r.contract_id, r.period_end)
            ]
        out.append(v)
    return out


def _actions(session: Session, actor: Principal, rows: list[LinkageAction]) -> list[ActionView]:
    readable = records.readable_among(
        session, actor=actor, enterprise_ids=sorted({a.enterprise_id for a in rows})
    )
    return [
        ActionView(
            a,
            rules.ACTION_LABELS.get(a.kind, a.kind),
            rules.STATUS_LABELS.get(a.status, a.status),
            repo.pending_reversal_of(session, a.id),
            a.enterprise_id in readable,
        )
        for a in rows
    ]


def of_loan(session: Session, *, actor: Principal, contract_id: int) -> LoanLinkage:
    c = loans.visible_contract(session, actor=actor, contract_id=contract_id)
    return LoanLinkage(
        c.id,
        book.blocked_reason(session, c.id),
        _results(session, list(repo.results_of_contract(session, c.id)), with_payments=True),
        _actions(session, actor, list(repo.actions_of_contract(session, c.id))),
    )


@dataclass
class EnterpriseLinkage:
    enterprise_id: int
    results: list[ResultView]
    actions: list[ActionView]

    @property
    def frozen(self) -> list[ActionView]:
        return [a for a in self.actions if a.row.kind == "freeze" and a.row.status == "effective"]


def of_enterprise(session: Session, *, actor: Principal, enterprise_id: int) -> EnterpriseLinkage:
    """An enterprise's covenant results and linkage actions: a bank sees its own loans' only."""
    if not actor.can(Permission.loan_read):
        raise Forbidden("无权查看贷款")
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound("未找到该企业")
    contract_ids = book.contract_ids_of(session, enterprise_id)
    results = list(repo.results_of_contracts(session, contract_ids))
    actions = list(repo.actions_of_enterprise(session, enterprise_id))
    if actor.tenant_kind == TenantKind.bank:
        results = [r for r in results if r.bank_tenant_id == actor.tenant_id]
        actions = [a for a in actions if a.bank_tenant_id == actor.tenant_id]
    elif actor.tenant_kind not in (TenantKind.enterprise, TenantKind.regulator):
        results, actions = [], []
    return EnterpriseLinkage(
        enterprise_id,
        _results(session, results, with_payments=False),
        _actions(session, actor, actions),
    )


@dataclass
class Queue:
    freezes: list[ActionView]
    reversals: list[tuple[ReversalRequest, LinkageAction | None]]


def queue(session: Session, *, actor: Principal) -> Queue:
    """A bank's freezes in force and its reversal requests (pending first)."""
    if actor.tenant_kind != TenantKind.bank or not actor.can(Permission.loan_read):
        raise Forbidden("只有银行可以查看冻结与解冻队列")
    mine = repo.freezes_in_force(session, bank_tenant_id=actor.tenant_id)
    freezes = _actions(session, actor, list(mine))
    reqs = sorted(
        repo.reversals(session, bank_tenant_id=actor.tenant_id),
        key=lambda r: (r.status != "pending", -r.id),
    )
    return Queue(freezes, [(r, repo.action(session, r.action_id)) for r in reqs])
