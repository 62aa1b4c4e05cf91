"""The evidence log's API bodies and answers."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from zhixin.evidence.models import EvidenceConfirmation, EvidenceKey, EvidenceTreeHead
from zhixin.evidence.service import EntryView, Side


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seqs: list[int] = Field(
        min_length=1, max_length=10000, title="存证序号", description="要确认的存证序号（叶位置）"
    )


class KeyRejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(
        min_length=1,
        max_length=200,
        title="理由",
        description="驳回（本机构另一名有权人员）或撤回（提议人本人）待复核公钥的理由，必填",
    )


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_key: str = Field(
        min_length=64,
        max_length=64,
        title="公钥",
        description="本机构 Ed25519 原始公钥（32 字节）的十六进制，64 位",
    )


class KeyOut(BaseModel):
    id: int
    public_key: str = Field(description="登记的公钥（十六进制）")
    status: str = Field(
        description="pending 待另一名有权人员复核（不能签名）/ active 在用 / retired 已轮换停用"
    )
    created_at: dt.datetime
    approved_at: dt.datetime | None = Field(None, description="复核通过、开始启用的时刻（UTC）")
    retired_at: dt.datetime | None = Field(
        None, description="被新公钥替换的时刻（UTC）：此前的签名有效，此后的不予接受"
    )
    replaces_id: int | None = Field(None, description="复核通过后将替换（轮换）的公钥")

    @classmethod
    def of(cls, k: EvidenceKey) -> KeyOut:
        return cls(
            id=k.id,
            public_key=k.public_key,
            status=k.status,
            created_at=k.created_at,
            approved_at=k.approved_at,
            retired_at=k.retired_at,
            replaces_id=k.replaces_id,
        )


class SignedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(
        min_length=2,
        max_length=2_000_000,
        title="所签内容",
        description="确认内容的规范 JSON，与签名时的字节完全相同（格式见 docs/evidence.md）",
    )
    signature: str = Field(
        min_length=8, max_length=200, title="签名", description="Ed25519 签名（base64）"
    )


class SideOut(BaseModel):
    tenant: str = Field(description="确认机构代码")
    signed_at: dt.datetime = Field(description="确认时间（UTC）")

    @classmethod
    def of(cls, s: Side | None) -> SideOut | None:
        return None if s is None else cls(tenant=s.tenant, signed_at=s.signed_at)


class EntryOut(BaseModel):
    seq: int = Field(description="存证序号（默克尔树叶位置，从 0 起）")
    kind: str = Field(description="类型：voucher/contract/drawdown/payment/renewal/…")
    kind_label: str = Field(description="类型（中文）")
    at: str = Field(description="登记时间（UTC，ISO 8601）")
    summary: str = Field(description="内容摘要")
    leaf_hash: str = Field(description="叶哈希（十六进制）")
    contract_id: int | None = None
    state: str = Field(description="确认状态（中文）")
    bank: SideOut | None = Field(None, description="银行的确认")
    regulator: SideOut | None = Field(None, description="监管部门的确认")

    @classmethod
    def of(cls, e: EntryView) -> EntryOut:
        return cls(
            seq=e.seq,
            kind=e.kind,
            kind_label=e.kind_label,
            at=e.at,
            summary=e.summary,
            leaf_hash=e.leaf_hash,
            contract_id=e.contract_id,
            state=e.state,
            bank=SideOut.of(e.bank),
            regulator=SideOut.of(e.regulator),
        )


class ConfirmationOut(BaseModel):
    id: int
    role: str = Field(description="bank 或 regulator")
    message: str = Field(description="签名的内容（规范 JSON）")
    signature: str = Field(description="Ed25519 签名（base64）")
    signed_at: dt.datetime

    @classmethod
    def of(cls, c: EvidenceConfirmation) -> ConfirmationOut:
        return cls(
            id=c.id, role=c.role, message=c.message, signature=c.signature, signed_at=c.signed_at
        )


class HeadOut(BaseModel):
    tree_size: int = Field(description="树头承诺的存证条数")
    root_hash: str = Field(description="根哈希（十六进制）")
    hash: str = Field(description="哈希算法：sha256 或 sm3")
    timestamp: str = Field(description="签署时间（UTC，ISO 8601，签名内容的一部分）")
    signature: str = Field(description="日志密钥的 Ed25519 签名（base64）")

    @classmethod
    def of(cls, h: EvidenceTreeHead) -> HeadOut:
        return cls(
            tree_size=h.tree_size,
            root_hash=h.root_hash,
            hash=h.hash_alg,
            timestamp=h.timestamp,
            signature=h.signature,
        )
