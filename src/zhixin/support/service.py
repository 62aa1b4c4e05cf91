"""Guarantees (担保) and risk compensation (风险补偿): the services. Never commits.

Who: a bank officer (``compensation:file``) requests guarantees on the bank's contracts, files
claims and records recoveries; the guarantor (``guarantee:decide``) keeps its products and
approves or rejects guarantees (one by one or a batch as a whole or line by line); the finance
bureau (``fund:manage``) keeps the funds — contributions, review and approval of claims by two
different people (maker-checker), payment. Everyone with ``support:read`` sees its own side:
a bank its claims and guarantees, an enterprise its own, a guarantor its guarantees and the
claims on them, the finance bureau all. Whatever is not one's own answers as missing (404).
Every write is audited (``support.*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.loans import reads as book
from zhixin.support import repository as repo
from zhixin.support import rules
from zhixin.support.models import (
    ZERO,
    Claim,
    Fund,
    FundEntry,
    Guarantee,
    GuaranteeBatch,
    GuaranteeProduct,
    Recovery,
)
from zhixin.support.rules import (
    CLAIM_STATUS_LABELS,
    GUARANTEE_STATUS_LABELS,
)

NOT_FOUND = "未找到该对象，或不在您的可见范围内"


def _audit(
    session: Session, actor: Principal, action: str, kind: str, oid: int, **detail: Any
) -> None:
    audit.record(
        session,
        actor=Actor.of(actor),
        action=f"support.{action}",
        object_type=kind,
        object_id=oid,
        detail={k: str(v) if isinstance(v, Decimal | date) else v for k, v in detail.items()},
    )


def _need(actor: Principal, p: Permission, kind: TenantKind | None = None) -> None:
    if not actor.can(p) or (kind is not None and actor.tenant_kind != kind):
        raise Forbidden("无权办理该事项")


def _refused(exc: rules.Refused) -> Invalid:
    return Invalid(str(exc))


def _amount(value: Decimal, what: str) -> Decimal:
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise Invalid(f"{what}须为正数且精确到分")
    return value


# -- guarantee products and guarantees ---------------------------------------------------------


def add_guarantee_product(
    session: Session, *, actor: Principal, code: str, name: str, terms: dict[str, Any]
) -> GuaranteeProduct:
    _need(actor, Permission.guarantee_decide, TenantKind.guarantor)
    try:
        rules.guarantee_product(terms)
    except rules.Refused as exc:
        raise _refused(exc) from exc
    if repo.product_by_code(session, code) is not None:
        raise Conflict(f"担保产品代码 {code} 已存在")
    p = GuaranteeProduct(code=code, name=name, guarantor_tenant_id=actor.tenant_id, terms=terms)
    session.add(p)
    session.flush()
    _audit(session, actor, "guarantee_product.add", "guarantee_product", p.id, code=code)
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
    _need(actor, Permission.compensation_file, TenantKind.bank)
    p, _ = _product(session, product_code)
    g = _new_guarantee(session, actor, p, contract_id, None)
    _audit(session, actor, "guarantee.request", "guarantee", g.id, contract_id=contract_id)
    return g


def submit_batch(
    session: Session, *, actor: Principal, product_code: str, contract_ids: list[int]
) -> GuaranteeBatch:
    """批量担保: the bank submits a list of its contracts at once (all or nothing)."""
    _need(actor, Permission.compensation_file, TenantKind.bank)
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
    _audit(session, actor, "guarantee.batch", "guarantee_batch", b.id, contracts=len(contract_ids))
    return b


def _guarantor_owns(actor: Principal, g: Guarantee) -> None:
    _need(actor, Permission.guarantee_decide, TenantKind.guarantor)
    if g.guarantor_tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)


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
        fee, sub, _ = rules.guarantee_fee(terms, amount=g.amount, days=360)
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
    _audit(session, actor, "guarantee.decide", "guarantee", g.id, approve=approve)
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
    _audit(session, actor, "guarantee.batch_decide", "guarantee_batch", b.id, approve=approve)
    return b


def sync_guarantees(session: Session, *, today: date) -> tuple[int, int]:
    """A guarantee follows its loan, set-based: approved guarantees of contracts settled or
    renewed are released (解保); of contracts in default (a drawdown 次级 or worse) called (代偿
    责任触发). Returns (released, called)."""
    released: Any = session.execute(
        update(Guarantee)
        .where(Guarantee.status == "approved", Guarantee.contract_id.in_(book.ended_contracts()))
        .values(status="released", ended_on=today)
        .execution_options(synchronize_session=False)
    )
    called: Any = session.execute(
        update(Guarantee)
        .where(
            Guarantee.status == "approved", Guarantee.contract_id.in_(book.defaulted_contracts())
        )
        .values(status="called", ended_on=today)
        .execution_options(synchronize_session=False)
    )
    return int(released.rowcount or 0), int(called.rowcount or 0)


def visible_guarantees(
    session: Session, *, actor: Principal, status: str | None = None
) -> list[Guarantee]:
    _need(actor, Permission.support_read)
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


# -- funds -------------------------------------------------------------------------------------


def create_fund(
    session: Session, *, actor: Principal, code: str, name: str, terms: dict[str, Any]
) -> Fund:
    _need(actor, Permission.fund_manage, TenantKind.finance)
    try:
        rules.fund_rules(terms)
    except rules.Refused as exc:
        raise _refused(exc) from exc
    if repo.fund_by_code(session, code) is not None:
        raise Conflict(f"资金池代码 {code} 已存在")
    f = Fund(code=code, name=name, manager_tenant_id=actor.tenant_id, terms=terms)
    session.add(f)
    session.flush()
    _audit(session, actor, "fund.create", "fund", f.id, code=code)
    return f


def _fund(session: Session, code: str) -> Fund:
    f = repo.fund_by_code(session, code)
    if f is None:
        raise NotFound(f"未找到风险补偿资金池 {code}")
    return f


def _managed(session: Session, actor: Principal, fund_id: int) -> Fund:
    _need(actor, Permission.fund_manage, TenantKind.finance)
    f = repo.fund(session, fund_id)
    if f is None or f.manager_tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)
    return f


def contribute(
    session: Session, *, actor: Principal, fund_code: str, amount: Decimal, on: date, note: str = ""
) -> FundEntry:
    f = _managed(session, actor, _fund(session, fund_code).id)
    e = FundEntry(
        fund_id=f.id,
        kind="contribution",
        amount=_amount(amount, "注资金额"),
        on_date=on,
        note=note,
        created_by_id=actor.user_id,
    )
    session.add(e)
    session.flush()
    _audit(session, actor, "fund.contribute", "fund", f.id, amount=amount)
    return e


balance = repo.balance
entries = repo.entries
funds = repo.funds


# -- compensation claims -----------------------------------------------------------------------


def file_claim(
    session: Session,
    *,
    actor: Principal,
    fund_code: str,
    contract_id: int,
    today: date | None = None,
) -> Claim:
    """The bank files a claim on a defaulted contract: the loss from the loan book (outstanding
    principal, plus overdue interest when the fund's rules say so) split by the rules among the
    bank, the guarantor (a live guarantee on the contract) and the fund, within the fund's caps
    left for the bank and the year. The guarantee, if any, is called."""
    _need(actor, Permission.compensation_file, TenantKind.bank)
    today = today or clock.today()
    f = _fund(session, fund_code)
    fr = rules.fund_rules(f.terms)
    ex = book.exposure(session, contract_id)
    if ex is None or ex.bank_tenant_id != actor.tenant_id:
        raise NotFound(f"未找到贷款合同 #{contract_id}")
    why = rules.qualifies(
        fr, product_code=ex.product_code, amount=ex.principal_limit, classification=ex.worst_class
    )
    if why is not None:
        raise Invalid(f"不能申请代偿：{why}")
    if repo.open_claim_of(session, contract_id) is not None:
        raise Conflict(f"合同 {ex.contract_no} 已有代偿申请")
    loss = rules.loss_of(fr, outstanding=ex.outstanding, overdue_interest=ex.overdue_interest)
    if loss <= 0:
        raise Invalid("该合同没有未收回的本金，不能申请代偿")
    rooms = []
    if fr.cap_per_bank_year is not None:
        rooms.append(
            fr.cap_per_bank_year - repo.fund_claimed(session, f.id, today.year, ex.bank_tenant_id)
        )
    if fr.cap_per_year is not None:
        rooms.append(fr.cap_per_year - repo.fund_claimed(session, f.id, today.year, None))
    room = max(min(rooms), ZERO) if rooms else None
    g = repo.live_guarantee_of(session, contract_id)
    if g is not None and g.status == "requested":
        g = None  # a guarantee never approved bears nothing
    split = rules.split_loss(
        loss,
        fr,
        coverage=g.coverage if g is not None else Decimal(0),
        guarantor_liability=(
            rules.fen(g.amount * g.coverage / rules.HUNDRED) if g is not None else None
        ),
        room=room,
    )
    c = Claim(
        fund_id=f.id,
        bank_tenant_id=ex.bank_tenant_id,
        contract_id=contract_id,
        enterprise_id=ex.enterprise_id,
        guarantee_id=g.id if g is not None else None,
        year=today.year,
        outstanding=ex.outstanding,
        overdue_interest=ex.overdue_interest,
        loss=split.loss,
        bank_part=split.bank,
        guarantor_part=split.guarantor,
        fund_part=split.fund,
        remainder_to=fr.remainder_to,
        status="filed",
        filed_by_id=actor.user_id,
        filed_on=today,
    )
    session.add(c)
    if g is not None and g.status == "approved":
        g.status, g.ended_on = "called", today
    session.flush()
    _audit(
        session,
        actor,
        "claim.file",
        "claim",
        c.id,
        contract_id=contract_id,
        loss=split.loss,
        fund=split.fund,
        guarantor=split.guarantor,
    )
    return c


def _claim_for_manager(session: Session, actor: Principal, claim_id: int) -> Claim:
    c = repo.claim(session, claim_id)
    if c is None:
        raise NotFound(NOT_FOUND)
    f = repo.fund(session, c.fund_id)
    if f is None or not actor.can(Permission.fund_manage) or f.manager_tenant_id != actor.tenant_id:
        if _may_see_claim(actor, c, session):
            raise Forbidden("只有资金池管理人可以审核、拨付代偿")
        raise NotFound(NOT_FOUND)
    return c


def _state(c: Claim, *allowed: str) -> None:
    if c.status not in allowed:
        raise Conflict(f"代偿申请状态为「{CLAIM_STATUS_LABELS[c.status]}」，不能办理")


def review_claim(session: Session, *, actor: Principal, claim_id: int) -> Claim:
    """初审 (maker): the fund manager's first person checks the claim against the book."""
    c = _claim_for_manager(session, actor, claim_id)
    _state(c, "filed")
    c.status, c.reviewed_by_id = "reviewed", actor.user_id
    session.flush()
    _audit(session, actor, "claim.review", "claim", c.id)
    return c


def approve_claim(session: Session, *, actor: Principal, claim_id: int) -> Claim:
    """复核 (checker): a second person, never the reviewer, approves."""
    c = _claim_for_manager(session, actor, claim_id)
    _state(c, "reviewed")
    if c.reviewed_by_id == actor.user_id:
        raise Forbidden("初审人不能复核自己初审的代偿申请（审核与复核须为两人）")
    c.status, c.approved_by_id, c.decided_at = "approved", actor.user_id, utcnow()
    session.flush()
    _audit(session, actor, "claim.approve", "claim", c.id)
    return c


def reject_claim(session: Session, *, actor: Principal, claim_id: int, reason: str) -> Claim:
    c = _claim_for_manager(session, actor, claim_id)
    _state(c, "filed", "reviewed")
    if not reason.strip():
        raise Invalid("驳回须写明原因")
    c.status, c.reason, c.decided_at = "rejected", reason, utcnow()
    session.flush()
    _audit(session, actor, "claim.reject", "claim", c.id, reason=reason)
    return c


def pay_claim(session: Session, *, actor: Principal, claim_id: int, on: date) -> Claim:
    """拨付: the fund pays its part out of its balance (refused when the balance is short)."""
    c = _claim_for_manager(session, actor, claim_id)
    _state(c, "approved")
    have = repo.balance(session, c.fund_id)
    if have < c.fund_part:
        raise Conflict(f"资金池余额 {have} 元不足以拨付 {c.fund_part} 元")
    session.add(
        FundEntry(
            fund_id=c.fund_id,
            kind="payment",
            amount=c.fund_part,
            on_date=on,
            claim_id=c.id,
            note=f"代偿申请 #{c.id}",
            created_by_id=actor.user_id,
        )
    )
    c.status, c.paid_on = "paid", on
    session.flush()
    _audit(session, actor, "claim.pay", "claim", c.id, amount=c.fund_part)
    return c


def record_recovery(
    session: Session, *, actor: Principal, claim_id: int, amount: Decimal, on: date
) -> Recovery:
    """追偿: the bank records money recovered after the claim was paid; it is shared back pro
    rata (:func:`rules.share_recovery`) and the fund's share enters its ledger."""
    _need(actor, Permission.compensation_file, TenantKind.bank)
    c = repo.claim(session, claim_id)
    if c is None or c.bank_tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)
    _state(c, "paid")
    split = rules.Split(c.loss, c.bank_part, c.guarantor_part, c.fund_part)
    done = {"bank": c.recovered_bank, "guarantor": c.recovered_guarantor, "fund": c.recovered_fund}
    try:
        shares = rules.share_recovery(split, done, _amount(amount, "追偿金额"), c.remainder_to)
    except rules.Refused as exc:
        raise _refused(exc) from exc
    r = Recovery(
        claim_id=c.id,
        amount=amount,
        on_date=on,
        bank=shares["bank"],
        guarantor=shares["guarantor"],
        fund=shares["fund"],
        created_by_id=actor.user_id,
    )
    session.add(r)
    c.recovered_bank += shares["bank"]
    c.recovered_guarantor += shares["guarantor"]
    c.recovered_fund += shares["fund"]
    if shares["fund"] > 0:
        session.add(
            FundEntry(
                fund_id=c.fund_id,
                kind="recovery",
                amount=shares["fund"],
                on_date=on,
                claim_id=c.id,
                note=f"代偿申请 #{c.id} 追偿",
                created_by_id=actor.user_id,
            )
        )
    session.flush()
    _audit(session, actor, "claim.recovery", "claim", c.id, amount=amount, fund=shares["fund"])
    return r


def _may_see_claim(actor: Principal, c: Claim, session: Session) -> bool:
    if not actor.can(Permission.support_read):
        return False
    k = actor.tenant_kind
    if k == TenantKind.bank:
        return c.bank_tenant_id == actor.tenant_id
    if k == TenantKind.enterprise:
        return c.enterprise_id == actor.enterprise_id
    if k == TenantKind.finance:
        f = repo.fund(session, c.fund_id)
        return f is not None and f.manager_tenant_id == actor.tenant_id
    if k == TenantKind.guarantor and c.guarantee_id is not None:
        g = repo.guarantee(session, c.guarantee_id)
        return g is not None and g.guarantor_tenant_id == actor.tenant_id
    return False


def get_claim(session: Session, *, actor: Principal, claim_id: int) -> Claim:
    c = repo.claim(session, claim_id)
    if c is None or not _may_see_claim(actor, c, session):
        raise NotFound(NOT_FOUND)
    return c


def visible_claims(session: Session, *, actor: Principal, state: str | None = None) -> list[Claim]:
    _need(actor, Permission.support_read)
    k = actor.tenant_kind
    if k == TenantKind.bank:
        return list(repo.claims(session, state=state, bank_id=actor.tenant_id))
    if k == TenantKind.enterprise and actor.enterprise_id is not None:
        return list(repo.claims(session, state=state, enterprise_id=actor.enterprise_id))
    if k == TenantKind.guarantor:
        return list(repo.claims(session, state=state, guarantor_id=actor.tenant_id))
    if k == TenantKind.finance:
        return [c for c in repo.claims(session, state=state) if _may_see_claim(actor, c, session)]
    return []


def guarantees_for_operator(session: Session, *, status: str | None = None) -> list[Guarantee]:
    """Every guarantee (the operator's CLI, no principal)."""
    if status is not None and status not in GUARANTEE_STATUS_LABELS:
        raise Invalid(f"状态只能是：{'、'.join(GUARANTEE_STATUS_LABELS)}")
    return list(repo.guarantees(session, status=status))


def claims_for_operator(session: Session, *, state: str | None = None) -> list[Claim]:
    """Every claim (the operator's CLI, no principal)."""
    if state is not None and state not in CLAIM_STATUS_LABELS:
        raise Invalid(f"状态只能是：{'、'.join(CLAIM_STATUS_LABELS)}")
    return list(repo.claims(session, state=state))


recoveries_of = repo.recoveries_of


@dataclass(frozen=True)
class FundReport:
    """A fund's reconciliation for one quarter (对账): opening balance, contributions, payments,
    recoveries, closing balance — and each claim paid tied to its contract and the book's
    figures it was computed on."""

    fund: Fund
    quarter: str
    opening: Decimal
    contributions: Decimal
    payments: Decimal
    recoveries: Decimal
    closing: Decimal
    claims: list[tuple[Claim, str]]  # claims paid in the quarter, with the contract number


def reconcile(session: Session, *, fund_code: str, quarter: str) -> FundReport:
    try:
        first, last = rules.quarter(quarter)
    except rules.Refused as exc:
        raise _refused(exc) from exc
    f = _fund(session, fund_code)
    opening = contributions = payments = recoveries = ZERO
    for e in repo.entries(session, f.id):
        signed = -e.amount if e.kind == "payment" else e.amount
        if e.on_date < first:
            opening += signed
        elif e.on_date <= last:
            if e.kind == "contribution":
                contributions += e.amount
            elif e.kind == "payment":
                payments += e.amount
            else:
                recoveries += e.amount
    paid = [
        c
        for c in repo.claims(session, fund_id=f.id, state="paid")
        if c.paid_on is not None and first <= c.paid_on <= last
    ]
    nos = book.contract_nos(session, [c.contract_id for c in paid])
    return FundReport(
        fund=f,
        quarter=quarter,
        opening=opening,
        contributions=contributions,
        payments=payments,
        recoveries=recoveries,
        closing=opening + contributions - payments + recoveries,
        claims=[(c, nos.get(c.contract_id, "")) for c in paid],
    )


def fund_of(session: Session, *, actor: Principal, fund_id: int) -> Fund:
    """A fund the actor manages (404 otherwise)."""
    return _managed(session, actor, fund_id)


def managed_funds(session: Session, *, actor: Principal) -> list[tuple[Fund, Decimal]]:
    _need(actor, Permission.fund_manage, TenantKind.finance)
    return [
        (f, repo.balance(session, f.id))
        for f in repo.funds(session)
        if f.manager_tenant_id == actor.tenant_id
    ]


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


# -- the quote's support section (one source of truth) -----------------------------------------


@dataclass(frozen=True)
class QuoteSupport:
    """What a quote of a loan product shows of public support, read from the guarantee
    products and subsidy policies that name the product (``products`` in their rules)."""

    guarantor: str | None  # the guarantor tenant's name
    coverage: Decimal | None
    fee_rate: Decimal | None  # % p.a. the borrower pays: the product's rate − the fee subsidy
    subsidy_points: Decimal | None  # percentage points p.a. at the quoted rate
    subsidy_payer: str | None
    notes: tuple[str, ...]


def for_quote(session: Session, *, product_code: str, rate: Decimal) -> QuoteSupport | None:
    """The support a quote at ``rate`` % p.a. estimates for ``product_code``; None when no
    guarantee product or subsidy policy names the product (the product file's own estimate
    stands)."""
    from zhixin.accounts import service as accounts

    guarantee = next(
        (
            (p, rules.guarantee_product(p.terms))
            for p in repo.products(session)
            if product_code in (p.terms.get("products") or [])
        ),
        None,
    )
    policy_row = next(
        (p for p in repo.policies(session) if product_code in (p.terms.get("products") or [])),
        None,
    )
    if guarantee is None and policy_row is None:
        return None
    notes: list[str] = []
    points = payer = None
    if policy_row is not None:
        policy = rules.subsidy_policy(policy_row.terms)
        points = (
            min(policy.points, rate)
            if policy.kind == "points"
            else (rate * policy.share / rules.HUNDRED).quantize(Decimal("0.0001"))
        )
        payer = accounts.tenant_name(session, policy_row.finance_tenant_id)
        notes.append(f"贴息依据：{policy_row.name}（按季以实收利息计算）")
        if policy.cap_per_enterprise_year is not None:
            notes.append(f"贴息每户每年不超过 {policy.cap_per_enterprise_year} 元")
        for c in policy.conditions:
            notes.append(f"贴息条件：{rules.CONDITION_LABELS[c]}")
    name = coverage = fee = None
    if guarantee is not None:
        row, g = guarantee
        name = accounts.tenant_name(session, row.guarantor_tenant_id)
        coverage, fee = g.coverage, g.net_fee_rate
        if g.fee_subsidy_points > 0:
            notes.append(
                f"担保费率 {g.fee_rate}%，其中 {g.fee_subsidy_points} 个百分点由财政补贴"
                f"（{row.name}）"
            )
    return QuoteSupport(name, coverage, fee, points, payer, tuple(notes))
