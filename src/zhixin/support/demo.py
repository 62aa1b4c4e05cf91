"""Demo public support (called by ``zhixin.demo.loader`` after the demo loans): the guarantor's
product and a guarantee on every demo loan, followed by the book (the defaulted ones called);
the finance bureau's risk-compensation fund with a contribution, one claim paid (filed by the
bank, reviewed by 郑财政, approved by 王复核) and one filed awaiting review; a subsidy policy and
the current quarter's list, computed from the interest the book has received, approved and paid.
Never commits."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.errors import ZhixinError
from zhixin.kit import clock
from zhixin.loans import reads as book
from zhixin.support import guarantees, rules, service, subsidies
from zhixin.support import repository as repo

PRODUCT = {
    "coverage": "80",
    "fee_rate": "0.5",
    "fee_base": "loan",
    "fee_subsidy_points": "0.2",
    "cap_per_enterprise": "5000000",
    "cap_total": "100000000",
}
FUND = {
    "share": "50",
    "order": "after_guarantee",
    "remainder_to": "bank",
    "cap_per_loan": "2000000",
    "cap_per_bank_year": "10000000",
    "products": ["luzhidai"],
}
POLICY = {
    "kind": "points",
    "points": "1",
    "cap_per_enterprise_year": "50000",
    "payee": "enterprise",
}


def _who(session: Session, username: str) -> Principal | None:
    user = accounts.user_by_username(session, username)
    return accounts.principal_for(session, user) if user is not None else None


def load(session: Session, *, contract_ids: list[int]) -> list[str]:
    """Support around the demo loans ``contract_ids`` (the lending bank's)."""
    officer = _who(session, "xmrcb-officer")
    guarantor = _who(session, "guarantor")
    maker, checker = _who(session, "finance"), _who(session, "finance2")
    if None in (officer, guarantor, maker, checker):
        return ["演示担保·补偿·贴息：缺少演示账号，未生成"]
    assert officer and guarantor and maker and checker
    today = clock.today()
    done: list[str] = []
    guarantees.add_guarantee_product(
        session, actor=guarantor, code="XMDB-LZB", name="鹭质保（批量担保）", terms=PRODUCT
    )
    for cid in contract_ids:
        try:
            g = guarantees.request_guarantee(
                session, actor=officer, contract_id=cid, product_code="XMDB-LZB"
            )
            guarantees.decide_guarantee(session, actor=guarantor, guarantee_id=g.id, approve=True)
        except ZhixinError:
            continue
    _released, called = guarantees.sync_guarantees(session, today=today)
    done.append(f"担保：{len(contract_ids)} 笔，转代偿 {called} 笔")
    service.create_fund(
        session, actor=maker, code="XMFC", name="厦门市质量贷风险补偿资金池", terms=FUND
    )
    service.contribute(
        session,
        actor=maker,
        fund_code="XMFC",
        amount=Decimal("10000000.00"),
        on=today - timedelta(days=60),
        note="市级财政注资",
    )
    defaulted = []
    for cid in contract_ids:
        ex = book.exposure(session, cid)
        if ex is not None and ex.worst_class in ("doubtful", "loss"):
            defaulted.append(cid)
    for n, cid in enumerate(defaulted[:2]):
        try:
            c = service.file_claim(session, actor=officer, fund_code="XMFC", contract_id=cid)
        except ZhixinError:
            continue
        if n == 0:
            service.review_claim(session, actor=maker, claim_id=c.id)
            service.approve_claim(session, actor=checker, claim_id=c.id)
            service.pay_claim(session, actor=maker, claim_id=c.id, on=today)
        done.append(f"代偿申请 #{c.id}：损失 {c.loss} 元，资金池补偿 {c.fund_part} 元")
    subsidies.add_policy(
        session, actor=maker, code="XMTX", name="厦门市质量贷贴息（1 个百分点）", terms=POLICY
    )
    quarter = rules.quarter_of(today)
    claim = subsidies.compute(session, actor=maker, policy_code="XMTX", quarter=quarter)
    if claim.lines:
        subsidies.approve(session, actor=checker, claim_id=claim.id)
        subsidies.pay(
            session, actor=maker, claim_id=claim.id, on=today, reference=f"CZ-{quarter}-001"
        )
    done.append(f"贴息 {quarter}：{claim.lines} 笔，{claim.total} 元")
    return done


def loaded(session: Session) -> bool:
    return repo.fund_by_code(session, "XMFC") is not None
