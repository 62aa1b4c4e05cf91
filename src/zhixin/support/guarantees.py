"""Guarantee products and guarantees (担保): a bank officer requests one on a contract or a batch;
the guarantor approves or rejects each (a batch as a whole or line by line); a guarantee follows
its loan (released at settlement or renewal, called at default). Never commits."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.errors import Conflict, Invalid, NotFound
from zhixin.kit.db import utcnow
from zhixin.loans import reads as book
from zhixin.support import repository as repo
from zhixin.support import rules
from zhixin.support.common import NOT_FOUND, audited, refused, require
from zhixin.support.models import Guarantee, GuaranteeBatch, GuaranteeProduct
from zhixin.support.rules import GUARANTEE_STATUS_LABELS


def add_guarantee_product(
    session: Session, *, actor: Principal, code: str, name: str, terms: dict[str, Any]
) -> GuaranteeProduct:
    require(actor, Permission.guarantee_decide, TenantKind.guarantor)
    try:
        rules.guarantee_product(terms)
    except rules.Refused as exc:
        raise refused(exc) from exc
    if repo.product_by_code(session, code) is not None:
        raise Conflict(f"担保产品代码 {code} 已存在")
    p = GuaranteeProduct(code=code, name=name, guarantor_tenant_id=actor.tenant_id, terms=terms)
    session.add(p)
    session.flush()
    audited(session, actor, "guarantee_product.add", "guarantee_product", p.id, code=code)
    return p


def _product(session: Session, code: str) -> tuple[GuaranteeProduct, rules.GuaranteeProduct]:
    p = repo.product_by_code(session, code)
    if p is None:
        raise NotFound(f"未找到担保产品 {code}")
    return p, rules.guarantee_product(p.terms)


def _new_guarantee(
    session: Session, actor: Principal, p: GuaranteeProduct, contract_id: int, batch_id: int | None
) -> Guarantee:
    ex = book.exposure(session, contract_id)
    if ex is None or ex.bank_tenant_id != actor.tenant_id:
        raise NotFound(f"未找到贷款合同 #{contract_id}")
    if ex.status != "active":
        raise Conflict(f"合同 {ex.contract_no} 已不在存续期，不能申请担保")
    if repo.live_guarantee_of(session, contract_id) is not None:
        raise Conflict(f"合同 {ex.contract_no} 已有担保（或担保申请）")
    terms = rules.guarantee_product(p.terms)
    g = Guarantee(
        product_id=p.id,
        batch_id=batch_id,
        guarantor_tenant_id=p.guarantor_tenant_id,
        bank_tenant_id=ex.bank_tenant_id,
        contract_id=contract_id,
        enterprise_id=ex.enterprise_id,
        amount=ex.principal_limit,
        coverage=terms.coverage,
        fee_rate=terms.fee_rate,
        status="requested",
        requested_by_id=actor.user_id,
    )
    session.add(g)
    session.flush()
    return g


def request_guarantee(
    session: Session, *, actor: Principal, contract_id: int, product_code: str
) -> Guarantee:
    """A bank officer asks the guarantor to guarantee one of the bank's contracts."""
    require(actor, Permission.compensation_file, TenantKind.bank)
    p, _ = _product(session, product_code)
    g = _new_guarantee(session, actor, p, contract_id, None)
    audited(session, actor, "guarantee.request", "guarantee", g.id, contract_id=contract_id)
    return g


def submit_batch(
    session: Session, *, actor: Principal, product_code: str, contract_ids: list[int]
) -> GuaranteeBatch:
    """批量担保: the bank submits a list of its contracts at once (all or nothing)."""
    require(actor, Permission.compensation_file, TenantKind.bank)
    if not contract_ids or len(set(contract_ids)) != len(contract_ids):
        raise Invalid("批量担保清单不能为空，也不能重复列出同一合同")
    p, _ = _product(session, product_code)
    b = GuaranteeBatch(
        product_id=p.id, bank_tenant_id=actor.tenant_id, submitted_by_id=actor.user_id
    )
    session.add(b)
    session.flush()
    for cid in contract_ids:
        _new_guarantee(session, actor, p, cid, b.id)
    audited(session, actor, "guarantee.batch", "guarantee_batch", b.id, contracts=len(contract_ids))
    return b


def _guarantor_owns(actor: Principal, g: Guarantee) -> None:
    require(actor, Permission.guarantee_decide, TenantKind.guarantor)
    if g.guarantor_tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)


def _fee_days(session: Session, g: Guarantee, terms: rules.GuaranteeProduct) -> int:
    """The days the fee recorded at approval covers: a year of 360 (``yearly``: the first
    guarantee year's fee), or the contract's whole term (``upfront``: the one fee)."""
    term = book.contract_term(session, g.contract_id) if terms.fee_period == "upfront" else None
    return 360 if term is None else max((term[1] - term[0]).days, 0)


def _decide(
    session: Session, actor: Principal, g: Guarantee, approve: bool, reason: str | None
) -> None:
    if g.status != "requested":
        raise Conflict(f"担保状态为「{GUARANTEE_STATUS_LABELS[g.status]}」，不能再审批")
    if approve:
        product = session.get(GuaranteeProduct, g.product_id)
        if product is None:
            raise NotFound(NOT_FOUND)
        terms = rules.guarantee_product(product.terms)
        why = rules.guarantee_room(
            terms,
            amount=g.amount,
            enterprise_live=repo.guaranteed_live(session, g.product_id, g.enterprise_id),
            total_live=repo.guaranteed_live(session, g.product_id, None),
        )
        if why is not None:
            raise Invalid(f"不能承保：{why}")
        fee, sub, _ = rules.guarantee_fee(terms, amount=g.amount, days=_fee_days(session, g, terms))
        g.fee, g.fee_subsidy, g.status = fee, sub, "approved"
    else:
        if not (reason or "").strip():
            raise Invalid("拒绝担保须写明原因")
        g.status = "rejected"
    g.reason = reason
    g.decided_by_id = actor.user_id
    g.decided_at = utcnow()
    session.flush()


def decide_guarantee(
    session: Session,
    *,
    actor: Principal,
    guarantee_id: int,
    approve: bool,
    reason: str | None = None,
) -> Guarantee:
    g = repo.guarantee(session, guarantee_id)
    if g is None:
        raise NotFound(NOT_FOUND)
    _guarantor_owns(actor, g)
    _decide(session, actor, g, approve, reason)
    audited(session, actor, "guarantee.decide", "guarantee", g.id, approve=approve)
    return g


def decide_batch(
    session: Session,
    *,
    actor: Principal,
    batch_id: int,
    approve: bool | None = None,
    lines: dict[int, bool] | None = None,
    reason: str | None = None,
) -> GuaranteeBatch:
    """The guarantor decides a batch as a whole (``approve``) or line by line (``lines``:
    guarantee id → approve; lines not named stay requested)."""
    b = repo.batch(session, batch_id)
    if b is None:
        raise NotFound(NOT_FOUND)
    members = repo.guarantees_of_batch(session, batch_id)
    if not members:
        raise NotFound(NOT_FOUND)
    _guarantor_owns(actor, members[0])
    if (approve is None) == (lines is None):
        raise Invalid("请选择整批审批或逐笔审批")
    for g in members:
        verdict = approve if lines is None else lines.get(g.id)
        if verdict is None or g.status != "requested":
            continue
        _decide(session, actor, g, verdict, reason)
    if lines is not None and set(lines) - {g.id for g in members}:
        raise Invalid("逐笔审批中有不属于该批次的担保")
    if all(g.status != "requested" for g in members):
        b.status = "decided"
    session.flush()
    audited(session, actor, "guarantee.batch_decide", "guarantee_batch", b.id, approve=approve)
    return b


def sync_guarantees(session: Session, *, today: date) -> tuple[int, int]:
    """A guarantee follows its loan, set-based: approved guarantees of contracts settled or
    renewed are released (解保); of contracts in default (a drawdown 次级 or worse) called (代偿
    责任触发). Returns (released, called)."""
    return (
        repo.end_guarantees(session, book.ended_contracts(), status="released", on=today),
        repo.end_guarantees(session, book.defaulted_contracts(), status="called", on=today),
    )


def visible_guarantees(
    session: Session, *, actor: Principal, status: str | None = None
) -> list[Guarantee]:
    require(actor, Permission.support_read)
    k = actor.tenant_kind
    if k == TenantKind.guarantor:
        return list(repo.guarantees(session, guarantor_id=actor.tenant_id, status=status))
    if k == TenantKind.bank:
        return list(repo.guarantees(session, bank_id=actor.tenant_id, status=status))
    if k == TenantKind.enterprise:
        if actor.enterprise_id is None:
            return []
        return list(repo.guarantees(session, enterprise_id=actor.enterprise_id, status=status))
    if k == TenantKind.finance:
        return list(repo.guarantees(session, status=status))
    return []


def guarantees_for_operator(session: Session, *, status: str | None = None) -> list[Guarantee]:
    """Every guarantee (the operator's CLI, no principal)."""
    if status is not None and status not in GUARANTEE_STATUS_LABELS:
        raise Invalid(f"状态只能是：{'、'.join(GUARANTEE_STATUS_LABELS)}")
    return list(repo.guarantees(session, status=status))


def batch_of(
    session: Session, *, actor: Principal, batch_id: int
) -> tuple[GuaranteeBatch, list[Guarantee]]:
    b = repo.batch(session, batch_id)
    members = list(repo.guarantees_of_batch(session, batch_id)) if b is not None else []
    if b is None or not members:
        raise NotFound(NOT_FOUND)
    mine = (actor.tenant_kind == TenantKind.bank and b.bank_tenant_id == actor.tenant_id) or (
        actor.tenant_kind == TenantKind.guarantor
        and members[0].guarantor_tenant_id == actor.tenant_id
    )
    if not actor.can(Permission.support_read) or not mine:
        raise NotFound(NOT_FOUND)
    return b, members
