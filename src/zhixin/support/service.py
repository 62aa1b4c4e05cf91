"""Risk compensation (风险补偿) and the quote's support section: the services. Never commits.
Guarantees are in :mod:`.guarantees`, 贴息 in :mod:`.subsidies`. Claims are here; the funds
(:mod:`.funds`) and the quote's section (:mod:`.quote_support`) are split off by concept and
re-exported, so callers keep ``service.X``.

Who: a bank officer (``compensation:file``) files claims and records recoveries; the finance
bureau (``fund:manage``) keeps the funds — contributions, review and approval of claims by two
different people (maker-checker), payment. Everyone with ``support:read`` sees its own side:
a bank its claims, an enterprise its own, a guarantor the claims on its guarantees, the finance
bureau all. Whatever is not one's own answers as missing (404). Every write is audited
(``support.*``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.errors import ClaimOverlap, Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow
from zhixin.loans import reads as book
from zhixin.support import repository as repo
from zhixin.support import rules
from zhixin.support.common import NOT_FOUND, audited, money, refused, require

# The modules split off by concept, named here too: callers write ``service.X``.
from zhixin.support.funds import (
    FundReport,
    _fund,
    balance,
    contribute,
    create_fund,
    entries,
    fund_of,
    funds,
    managed_funds,
    reconcile,
)
from zhixin.support.models import ZERO, Claim, FundEntry, Recovery
from zhixin.support.quote_support import QuoteSupport, for_quote
from zhixin.support.rules import CLAIM_STATUS_LABELS

__all__ = [
    "FundReport",
    "QuoteSupport",
    "approve_claim",
    "balance",
    "claims_for_operator",
    "contribute",
    "create_fund",
    "entries",
    "file_claim",
    "for_quote",
    "fund_of",
    "funds",
    "get_claim",
    "managed_funds",
    "pay_claim",
    "reconcile",
    "record_recovery",
    "recoveries_of",
    "reject_claim",
    "review_claim",
    "visible_claims",
]


# -- compensation claims -----------------------------------------------------------------------


def file_claim(
    session: Session,
    *,
    actor: Principal,
    fund_code: str,
    contract_id: int,
    drawdown_id: int | None = None,
    today: date | None = None,
) -> Claim:
    """The bank files a claim on a defaulted contract, or on one defaulted drawdown (借据) of it:
    the loss from the loan book (outstanding principal, plus overdue interest when the fund's
    rules say so — the contract's disbursed drawdowns together, or the one drawdown's) split by
    the rules among the bank, the guarantor (a live guarantee on the contract) and the fund,
    within the fund's caps left for the bank and the year. The guarantee, if any, is called.

    Claims of one contract never overlap (:class:`ClaimOverlap`): a whole-contract claim
    excludes any drawdown claim of it and the reverse, and a drawdown has at most one claim —
    rejected claims do not count. ``cap_per_loan`` is per contract: the fund parts of all the
    contract's claims not rejected (drawdown by drawdown) together stay within it, and the
    guarantor's parts together within its liability (guaranteed amount × coverage)."""
    require(actor, Permission.compensation_file, TenantKind.bank)
    today = today or clock.today()
    f = _fund(session, fund_code)
    fr = rules.fund_rules(f.terms)
    ex = book.exposure(session, contract_id)
    if ex is None or ex.bank_tenant_id != actor.tenant_id:
        raise NotFound(f"未找到贷款合同 #{contract_id}")
    outstanding, overdue_interest, classification = (
        ex.outstanding,
        ex.overdue_interest,
        ex.worst_class,
    )
    if drawdown_id is not None:
        dd = book.drawdown_exposure(session, drawdown_id)
        if dd is None or dd.contract_id != contract_id or dd.status != "disbursed":
            raise NotFound(f"合同 {ex.contract_no} 下未找到已放款的借据 #{drawdown_id}")
        outstanding, overdue_interest = dd.outstanding, dd.overdue_interest
        classification = dd.classification
    why = rules.qualifies(
        fr, product_code=ex.product_code, amount=ex.principal_limit, classification=classification
    )
    if why is not None:
        raise Invalid(f"不能申请代偿：{why}")
    _no_overlap(session, ex.contract_no, contract_id, drawdown_id)
    loss = rules.loss_of(fr, outstanding=outstanding, overdue_interest=overdue_interest)
    if loss <= 0:
        what = "该借据" if drawdown_id is not None else "该合同"
        raise Invalid(f"{what}没有未收回的本金，不能申请代偿")
    earlier = repo.contract_claimed(session, contract_id)
    rooms = []
    if fr.cap_per_loan is not None:
        rooms.append(fr.cap_per_loan - earlier.fund)
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
            max(rules.fen(g.amount * g.coverage / rules.HUNDRED) - earlier.guarantor, ZERO)
            if g is not None
            else None
        ),
        room=room,
    )
    c = Claim(
        fund_id=f.id,
        bank_tenant_id=ex.bank_tenant_id,
        contract_id=contract_id,
        drawdown_id=drawdown_id,
        enterprise_id=ex.enterprise_id,
        guarantee_id=g.id if g is not None else None,
        year=today.year,
        outstanding=outstanding,
        overdue_interest=overdue_interest,
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
    audited(
        session,
        actor,
        "claim.file",
        "claim",
        c.id,
        contract_id=contract_id,
        drawdown_id=drawdown_id if drawdown_id is not None else "",
        loss=split.loss,
        fund=split.fund,
        guarantor=split.guarantor,
    )
    return c


def _no_overlap(
    session: Session, contract_no: str, contract_id: int, drawdown_id: int | None
) -> None:
    """Refuse a claim that overlaps one of the contract's claims not rejected (see
    :func:`file_claim`)."""
    others = repo.open_claims_of(session, contract_id)
    whole = next((c for c in others if c.drawdown_id is None), None)
    if whole is not None:
        raise ClaimOverlap(
            f"合同 {contract_no} 已有代偿申请（整笔合同，申请 #{whole.id}，"
            f"{CLAIM_STATUS_LABELS[whole.status]}），不能再申请"
        )
    if drawdown_id is None and others:
        ids = "、".join(f"#{c.drawdown_id}" for c in others)
        raise ClaimOverlap(
            f"合同 {contract_no} 的借据 {ids} 已申请代偿，不能再按整笔合同申请；"
            "请按借据分别申请其余借据"
        )
    same = next((c for c in others if c.drawdown_id == drawdown_id), None)
    if same is not None:
        raise ClaimOverlap(
            f"借据 #{drawdown_id} 已有代偿申请（申请 #{same.id}，"
            f"{CLAIM_STATUS_LABELS[same.status]}），不能重复申请"
        )


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
    audited(session, actor, "claim.review", "claim", c.id)
    return c


def approve_claim(session: Session, *, actor: Principal, claim_id: int) -> Claim:
    """复核 (checker): a second person, never the reviewer, approves."""
    c = _claim_for_manager(session, actor, claim_id)
    _state(c, "reviewed")
    if c.reviewed_by_id == actor.user_id:
        raise Forbidden("初审人不能复核自己初审的代偿申请（审核与复核须为两人）")
    c.status, c.approved_by_id, c.decided_at = "approved", actor.user_id, utcnow()
    session.flush()
    audited(session, actor, "claim.approve", "claim", c.id)
    return c


def reject_claim(session: Session, *, actor: Principal, claim_id: int, reason: str) -> Claim:
    c = _claim_for_manager(session, actor, claim_id)
    _state(c, "filed", "reviewed")
    if not reason.strip():
        raise Invalid("驳回须写明原因")
    c.status, c.reason, c.decided_at = "rejected", reason, utcnow()
    session.flush()
    audited(session, actor, "claim.reject", "claim", c.id, reason=reason)
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
    audited(session, actor, "claim.pay", "claim", c.id, amount=c.fund_part)
    return c


def record_recovery(
    session: Session, *, actor: Principal, claim_id: int, amount: Decimal, on: date
) -> Recovery:
    """追偿: the bank records money recovered after the claim was paid; it is shared back pro
    rata (:func:`rules.share_recovery`) and the fund's share enters its ledger."""
    require(actor, Permission.compensation_file, TenantKind.bank)
    c = repo.claim(session, claim_id)
    if c is None or c.bank_tenant_id != actor.tenant_id:
        raise NotFound(NOT_FOUND)
    _state(c, "paid")
    split = rules.Split(c.loss, c.bank_part, c.guarantor_part, c.fund_part)
    done = {"bank": c.recovered_bank, "guarantor": c.recovered_guarantor, "fund": c.recovered_fund}
    try:
        shares = rules.share_recovery(split, done, money(amount, "追偿金额"), c.remainder_to)
    except rules.Refused as exc:
        raise refused(exc) from exc
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
    audited(session, actor, "claim.recovery", "claim", c.id, amount=amount, fund=shares["fund"])
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
    require(actor, Permission.support_read)
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


def claims_for_operator(session: Session, *, state: str | None = None) -> list[Claim]:
    """Every claim (the operator's CLI, no principal)."""
    if state is not None and state not in CLAIM_STATUS_LABELS:
        raise Invalid(f"状态只能是：{'、'.join(CLAIM_STATUS_LABELS)}")
    return list(repo.claims(session, state=state))


recoveries_of = repo.recoveries_of
