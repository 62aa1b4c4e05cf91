"""JSON API of the evidence log (链上存证) under /api/v1/evidence: a loan's entries with their
confirmation, confirming entries (bank, regulator), an entry's inclusion proof, the signed heads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.evidence import keys, service
from zhixin.evidence.schemas import (
    ConfirmationOut,
    ConfirmIn,
    EntryOut,
    HeadOut,
    KeyIn,
    KeyOut,
    KeyRejectIn,
    SignedIn,
)
from zhixin.loans import service as loans
from zhixin.web.deps import DB, require

router = APIRouter(tags=["链上存证 evidence"])
Reader = Annotated[Principal, Depends(require(Permission.loan_read, Permission.evidence_read))]
Confirmer = Annotated[Principal, Depends(require(Permission.evidence_confirm))]


@router.get("/evidence/contracts/{contract_id}/entries", response_model=list[EntryOut])
def contract_entries(contract_id: int, db: DB, principal: Reader) -> list[EntryOut]:
    """一笔贷款的存证（合同、放款、凭证、支付、续贷、冻结等）及银行、监管部门的确认状态。"""
    loans.view(db, actor=principal, contract_id=contract_id)  # 404 unless the loan is visible
    return [
        EntryOut.of(e) for e in service.for_contract(db, actor=principal, contract_id=contract_id)
    ]


@router.post("/evidence/confirmations", response_model=ConfirmationOut, status_code=201)
def confirm(body: ConfirmIn, db: DB, principal: Confirmer) -> ConfirmationOut:
    """本方（银行或监管部门）以本机构的 Ed25519 密钥签名确认所列存证；已确认的不重复确认。"""
    return ConfirmationOut.of(service.confirm(db, actor=principal, seqs=body.seqs))


@router.post("/evidence/keys", response_model=KeyOut, status_code=201)
def register_key(body: KeyIn, db: DB, principal: Confirmer) -> KeyOut:
    """提议登记本机构自持的 Ed25519 签名公钥（银行或监管部门；已有在用公钥时即为轮换）。
    提议后为“待复核”，不能签名；须由本机构另一名有权人员复核
    （POST /evidence/keys/{key_id}/approve）后启用，此后本方的确认由本机构用自持私钥签名后
    提交（POST /evidence/signatures），平台不再代为签名。留痕审计。"""
    return KeyOut.of(keys.propose(db, actor=principal, public_key=body.public_key))


@router.post("/evidence/keys/{key_id}/approve", response_model=KeyOut)
def approve_key(key_id: int, db: DB, principal: Confirmer) -> KeyOut:
    """复核本机构待复核的签名公钥（审核分离：提议人不能复核自己的提议）：自此刻起启用，
    原在用的公钥同时停用——停用前的签名仍可核验，停用后用它的签名答 key_retired。留痕审计。"""
    return KeyOut.of(keys.approve(db, actor=principal, key_id=key_id))


@router.post("/evidence/keys/{key_id}/reject", response_model=KeyOut)
def reject_key(key_id: int, body: KeyRejectIn, db: DB, principal: Confirmer) -> KeyOut:
    """驳回（本机构另一名有权人员）或撤回（提议人本人）一把待复核的签名公钥，须填写理由：
    该公钥从未启用、不能签名，原在用的公钥继续在用，之后可重新提议。留痕审计。"""
    return KeyOut.of(keys.reject(db, actor=principal, key_id=key_id, reason=body.reason))


@router.post("/evidence/signatures", response_model=ConfirmationOut, status_code=201)
def submit_signature(body: SignedIn, db: DB, principal: Confirmer) -> ConfirmationOut:
    """提交本机构用自持私钥签署的确认（所签内容与签名）：签名须与登记的公钥相符，所列存证的
    叶哈希须与日志相符；不符时答 signature_invalid。"""
    return ConfirmationOut.of(
        service.submit_confirmation(
            db, actor=principal, message=body.message, signature=body.signature
        )
    )


@router.get("/evidence/entries/{seq}/proof")
def entry_proof(seq: int, db: DB, principal: Reader) -> dict[str, Any]:
    """一条存证的包含证明文件（格式见 docs/evidence.md）。

    可用 zhixin evidence check-proof 离线核验。"""
    return service.proof(db, seq=seq, actor=principal)


@router.get("/evidence/heads", response_model=list[HeadOut])
def tree_heads(
    db: DB, principal: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[HeadOut]:
    """最近的签名树头（条数、根哈希、签署时间、签名）。"""
    return [HeadOut.of(h) for h in service.heads(db, actor=principal, limit=limit)]
