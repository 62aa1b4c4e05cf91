"""JSON API of public support under /api/v1/support: guarantees (担保), compensation claims
and funds (风险补偿), subsidies (贴息)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.kit import clock
from zhixin.support import guarantees, matching, service, subsidies
from zhixin.support.schemas import (
    AmountIn,
    BatchDecisionIn,
    BatchIn,
    BatchOut,
    ClaimIn,
    ClaimOut,
    ComputeIn,
    DayIn,
    DecisionIn,
    FundOut,
    GuaranteeIn,
    GuaranteeOut,
    PaymentIn,
    PolicyMatchOut,
    ReasonIn,
    RecoveryOut,
    SubsidyClaimOut,
    SubsidyLineOut,
)
from zhixin.web.deps import DB, require

router = APIRouter(prefix="/support", tags=["担保·风险补偿·贴息 support"])
# 惠企政策 matching hangs under the enterprise, as the other per-firm reads do
policies_router = APIRouter(tags=["担保·风险补偿·贴息 support"])
Reader = Annotated[Principal, Depends(require(Permission.support_read))]
Bank = Annotated[Principal, Depends(require(Permission.compensation_file))]
Guarantor = Annotated[Principal, Depends(require(Permission.guarantee_decide))]
FundManager = Annotated[Principal, Depends(require(Permission.fund_manage))]
Finance = Annotated[Principal, Depends(require(Permission.subsidy_manage))]
GUARANTEE_STATES = "^(requested|approved|rejected|released|called)$"
CLAIM_STATES = "^(filed|reviewed|approved|rejected|paid)$"


# -- guarantees --------------------------------------------------------------------------------


@router.get("/guarantees", response_model=list[GuaranteeOut])
def list_guarantees(
    db: DB, principal: Reader, status: Annotated[str | None, Query(pattern=GUARANTEE_STATES)] = None
) -> list[GuaranteeOut]:
    """本方可见的担保：担保机构其承保的，银行本行的，企业自己的，财政部门全部。"""
    return [
        GuaranteeOut.of(g)
        for g in guarantees.visible_guarantees(db, actor=principal, status=status)
    ]


@router.post("/guarantees", response_model=GuaranteeOut, status_code=201)
def request_guarantee(db: DB, principal: Bank, body: GuaranteeIn) -> GuaranteeOut:
    g = guarantees.request_guarantee(
        db, actor=principal, contract_id=body.contract_id, product_code=body.product_code
    )
    return GuaranteeOut.of(g)


@router.post("/guarantees/{guarantee_id}/decision", response_model=GuaranteeOut)
def decide_guarantee(
    db: DB, principal: Guarantor, guarantee_id: int, body: DecisionIn
) -> GuaranteeOut:
    g = guarantees.decide_guarantee(
        db, actor=principal, guarantee_id=guarantee_id, approve=body.approve, reason=body.reason
    )
    return GuaranteeOut.of(g)


@router.post("/guarantee-batches", response_model=BatchOut, status_code=201)
def submit_batch(db: DB, principal: Bank, body: BatchIn) -> BatchOut:
    b = guarantees.submit_batch(
        db, actor=principal, product_code=body.product_code, contract_ids=body.contract_ids
    )
    _, members = guarantees.batch_of(db, actor=principal, batch_id=b.id)
    return BatchOut(id=b.id, status=b.status, guarantees=[GuaranteeOut.of(g) for g in members])


@router.get("/guarantee-batches/{batch_id}", response_model=BatchOut)
def get_batch(db: DB, principal: Reader, batch_id: int) -> BatchOut:
    b, members = guarantees.batch_of(db, actor=principal, batch_id=batch_id)
    return BatchOut(id=b.id, status=b.status, guarantees=[GuaranteeOut.of(g) for g in members])


@router.post("/guarantee-batches/{batch_id}/decision", response_model=BatchOut)
def decide_batch(db: DB, principal: Guarantor, batch_id: int, body: BatchDecisionIn) -> BatchOut:
    """整批审批（approve）或逐笔审批（lines：担保编号 → 是否承保）。"""
    guarantees.decide_batch(
        db, actor=principal, batch_id=batch_id, approve=body.approve, lines=body.lines,
        reason=body.reason,
    )  # fmt: skip
    b, members = guarantees.batch_of(db, actor=principal, batch_id=batch_id)
    return BatchOut(id=b.id, status=b.status, guarantees=[GuaranteeOut.of(g) for g in members])


# -- compensation ------------------------------------------------------------------------------


@router.get("/claims", response_model=list[ClaimOut])
def list_claims(
    db: DB, principal: Reader, state: Annotated[str | None, Query(pattern=CLAIM_STATES)] = None
) -> list[ClaimOut]:
    return [ClaimOut.of(c) for c in service.visible_claims(db, actor=principal, state=state)]


@router.post("/claims", response_model=ClaimOut, status_code=201)
def file_claim(db: DB, principal: Bank, body: ClaimIn) -> ClaimOut:
    """银行申报代偿（整笔合同或其中一笔借据）：损失取自贷款台账，按资金池规则在银行、担保机构、
    资金池间分摊到分。"""
    c = service.file_claim(
        db,
        actor=principal,
        fund_code=body.fund_code,
        contract_id=body.contract_id,
        drawdown_id=body.drawdown_id,
    )
    return ClaimOut.of(c)


@router.get("/claims/{claim_id}", response_model=ClaimOut)
def get_claim(db: DB, principal: Reader, claim_id: int) -> ClaimOut:
    return ClaimOut.of(service.get_claim(db, actor=principal, claim_id=claim_id))


@router.get("/claims/{claim_id}/recoveries", response_model=list[RecoveryOut])
def list_recoveries(db: DB, principal: Reader, claim_id: int) -> list[RecoveryOut]:
    c = service.get_claim(db, actor=principal, claim_id=claim_id)
    return [
        RecoveryOut(
            id=r.id,
            claim_id=r.claim_id,
            amount=r.amount,
            on_date=r.on_date,
            bank=r.bank,
            guarantor=r.guarantor,
            fund=r.fund,
        )
        for r in service.recoveries_of(db, c.id)
    ]


@router.post("/claims/{claim_id}/review", response_model=ClaimOut)
def review_claim(db: DB, principal: FundManager, claim_id: int) -> ClaimOut:
    return ClaimOut.of(service.review_claim(db, actor=principal, claim_id=claim_id))


@router.post("/claims/{claim_id}/approve", response_model=ClaimOut)
def approve_claim(db: DB, principal: FundManager, claim_id: int) -> ClaimOut:
    """复核：须为初审人以外的另一人。"""
    return ClaimOut.of(service.approve_claim(db, actor=principal, claim_id=claim_id))


@router.post("/claims/{claim_id}/reject", response_model=ClaimOut)
def reject_claim(db: DB, principal: FundManager, claim_id: int, body: ReasonIn) -> ClaimOut:
    c = service.reject_claim(db, actor=principal, claim_id=claim_id, reason=body.reason)
    return ClaimOut.of(c)


@router.post("/claims/{claim_id}/payment", response_model=ClaimOut)
def pay_claim(db: DB, principal: FundManager, claim_id: int, body: DayIn) -> ClaimOut:
    c = service.pay_claim(db, actor=principal, claim_id=claim_id, on=body.on or clock.today())
    return ClaimOut.of(c)


@router.post("/claims/{claim_id}/recoveries", response_model=RecoveryOut, status_code=201)
def record_recovery(db: DB, principal: Bank, claim_id: int, body: AmountIn) -> RecoveryOut:
    r = service.record_recovery(
        db, actor=principal, claim_id=claim_id, amount=body.amount, on=body.on or clock.today()
    )
    return RecoveryOut(
        id=r.id, claim_id=r.claim_id, amount=r.amount, on_date=r.on_date, bank=r.bank,
        guarantor=r.guarantor, fund=r.fund,
    )  # fmt: skip


@router.get("/funds", response_model=list[FundOut])
def list_funds(db: DB, principal: FundManager) -> list[FundOut]:
    return [
        FundOut(id=f.id, code=f.code, name=f.name, balance=bal, terms=f.terms)
        for f, bal in service.managed_funds(db, actor=principal)
    ]


@router.post("/funds/{fund_id}/contributions", response_model=FundOut, status_code=201)
def contribute(db: DB, principal: FundManager, fund_id: int, body: AmountIn) -> FundOut:
    f = service.fund_of(db, actor=principal, fund_id=fund_id)
    service.contribute(
        db, actor=principal, fund_code=f.code, amount=body.amount, on=body.on or clock.today(),
        note=body.note,
    )  # fmt: skip
    return FundOut(
        id=f.id, code=f.code, name=f.name, balance=service.balance(db, f.id), terms=f.terms
    )


# -- subsidies ---------------------------------------------------------------------------------


@router.get("/subsidies", response_model=list[SubsidyClaimOut])
def list_subsidies(db: DB, principal: Reader) -> list[SubsidyClaimOut]:
    """贴息清单：财政部门看全部；银行、企业只看含本方贷款的清单及本方合计。"""
    return [SubsidyClaimOut.of(*row) for row in subsidies.visible_claims(db, actor=principal)]


@router.post("/subsidies", response_model=SubsidyClaimOut, status_code=201)
def compute_subsidies(db: DB, principal: Finance, body: ComputeIn) -> SubsidyClaimOut:
    c = subsidies.compute(db, actor=principal, policy_code=body.policy_code, quarter=body.quarter)
    return SubsidyClaimOut.of(c, c.lines, c.basis, c.total)


@router.get("/subsidies/{subsidy_claim_id}/lines", response_model=list[SubsidyLineOut])
def subsidy_lines(
    db: DB,
    principal: Reader,
    subsidy_claim_id: int,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
) -> list[SubsidyLineOut]:
    """清单明细：每笔贷款的利息基数、利率、封顶前后贴息（本方可见部分）。"""
    lines = subsidies.visible_lines(db, actor=principal, claim_id=subsidy_claim_id, limit=limit)
    return [SubsidyLineOut.of(ln) for ln in lines]


@router.post("/subsidies/{subsidy_claim_id}/approve", response_model=SubsidyClaimOut)
def approve_subsidies(db: DB, principal: Finance, subsidy_claim_id: int) -> SubsidyClaimOut:
    c = subsidies.approve(db, actor=principal, claim_id=subsidy_claim_id)
    return SubsidyClaimOut.of(c, c.lines, c.basis, c.total)


@router.post("/subsidies/{subsidy_claim_id}/payment", response_model=SubsidyClaimOut)
def pay_subsidies(
    db: DB, principal: Finance, subsidy_claim_id: int, body: PaymentIn
) -> SubsidyClaimOut:
    c = subsidies.pay(
        db, actor=principal, claim_id=subsidy_claim_id, on=body.on or clock.today(),
        reference=body.reference,
    )  # fmt: skip
    return SubsidyClaimOut.of(c, c.lines, c.basis, c.total)


# -- 惠企政策 matching --------------------------------------------------------------------------


@policies_router.get("/enterprises/{enterprise_id}/policies", response_model=PolicyMatchOut)
def enterprise_policies(enterprise_id: int, db: DB, principal: Reader) -> PolicyMatchOut:
    """惠企政策：该企业现在符合的贴息政策与担保产品，以及不符合的各项还差哪些条件。"""
    return matching.policies_for(db, actor=principal, enterprise_id=enterprise_id)
