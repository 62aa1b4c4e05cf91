"""Tenant-held evidence keys (自持签名公钥): proposed by one officer of a bank or a regulator,
approved by another officer of the same tenant (maker-checker: the proposer cannot approve),
and rotated by proposing a successor.

A key's states (``evidence_key.status``): ``pending`` — proposed, signs nothing (a confirmation
signed with it is refused: ``key_pending``); ``active`` — approved, the tenant's confirmations
are the ones it signs and submits (``service.submit_confirmation``), the platform no longer
signs for the tenant; ``retired`` — replaced by the approval of a successor at ``retired_at``:
the confirmations it signed before that moment stay valid (``zhixin evidence verify``, proofs
carry its public key), a signature by it received at or after that moment is refused
(``key_retired``) and one stored anyway is a finding of ``verify``; ``rejected`` — a pending
key turned down by another officer, or withdrawn by its proposer, with a reason: it never
signed and never will (a signature with it is refused as ``key_pending``), and the tenant may
propose another. The platform-held key the tenant had before its first own key is retired the
same way. Every step is audited (``evidence.key.propose`` / ``evidence.key.approve`` /
``evidence.key.reject``). Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.evidence import repository as repo
from zhixin.evidence.models import EvidenceKey
from zhixin.kit.db import utcnow

TENANT_HELD = ""  # ``evidence_key.private_key`` of a key the tenant holds (no private half here)
STATUS_LABELS = {
    "pending": "待复核",
    "active": "在用",
    "retired": "已停用（已轮换）",
    "rejected": "未通过复核（或已撤回）",
}
KEY_NOT_FOUND = "未找到该签名公钥，或它不属于本机构"


def _may(actor: Principal) -> None:
    if not actor.can(Permission.evidence_confirm) or actor.tenant_kind not in (
        TenantKind.bank,
        TenantKind.regulator,
    ):
        raise Forbidden("只有银行或监管部门的有权人员可以登记、复核本机构的签名公钥")


def _public(text: str) -> str:
    text = text.strip().lower()
    try:
        raw = bytes.fromhex(text)
        if len(raw) != 32:
            raise ValueError
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise Invalid("公钥须为 Ed25519 原始公钥的 64 位十六进制（32 字节）") from exc
    return text


def propose(session: Session, *, actor: Principal, public_key: str) -> EvidenceKey:
    """One officer proposes the tenant's own Ed25519 public key (raw, 64 hex): the first, or
    a successor of the key in use (rotation). It is ``pending`` — it signs nothing — until
    another officer of the tenant approves it (:func:`approve`). One pending proposal per
    tenant at a time. Audited."""
    _may(actor)
    text = _public(public_key)
    assert actor.tenant_id is not None
    if repo.pending_keys(session, actor.tenant_id):
        raise Conflict("本机构已有一把待复核的签名公钥，请先由另一名有权人员复核")
    if repo.key_by_public(session, text) is not None:
        raise Conflict("该公钥已被登记")
    current = repo.key_of(session, actor.tenant_id)
    row = EvidenceKey(
        tenant_id=actor.tenant_id,
        public_key=text,
        private_key=TENANT_HELD,
        created_at=utcnow(),
        status="pending",
        proposed_by=actor.user_id,
        replaces_id=current.id if current is not None else None,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="evidence.key.propose",
        object_type="evidence_key",
        object_id=row.id,
        detail={"public_key": text, "replaces": row.replaces_id},
    )
    return row


def approve(session: Session, *, actor: Principal, key_id: int) -> EvidenceKey:
    """Another officer of the same tenant approves a pending key: it becomes the tenant's
    active key from this moment, and the key in use before (tenant-held or the platform's) is
    retired at the same moment. The proposer cannot approve (审核分离). Audited."""
    _may(actor)
    row = session.get(EvidenceKey, key_id)
    if row is None or row.tenant_id != actor.tenant_id:
        raise NotFound(KEY_NOT_FOUND)
    if row.status != "pending":
        raise Conflict(f"该签名公钥{STATUS_LABELS.get(row.status, row.status)}，无需复核")
    if row.proposed_by is not None and row.proposed_by == actor.user_id:
        raise Forbidden(
            "审核分离：提议登记该公钥的人员不能复核自己的提议，请由本机构另一名有权人员复核"
        )
    now = utcnow()
    assert actor.tenant_id is not None
    retired = [k for k in repo.keys_of_tenant(session, actor.tenant_id) if k.status == "active"]
    for old in retired:
        old.status, old.retired_at = "retired", now
    row.status, row.approved_by, row.approved_at = "active", actor.user_id, now
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="evidence.key.approve",
        object_type="evidence_key",
        object_id=row.id,
        detail={
            "public_key": row.public_key,
            "proposed_by": row.proposed_by,
            "retired": [k.id for k in retired],
            "from": now.isoformat(),
        },
    )
    return row


def reject(session: Session, *, actor: Principal, key_id: int, reason: str) -> EvidenceKey:
    """A pending key turned down by another officer of the tenant, or withdrawn by its
    proposer, with a reason (required): it becomes ``rejected`` and never signs; the key in
    use stays in use, and a new proposal may follow. Audited."""
    _may(actor)
    row = session.get(EvidenceKey, key_id)
    if row is None or row.tenant_id != actor.tenant_id:
        raise NotFound(KEY_NOT_FOUND)
    if row.status != "pending":
        raise Conflict(f"该签名公钥{STATUS_LABELS.get(row.status, row.status)}，不能驳回或撤回")
    reason = reason.strip()
    if not reason:
        raise Invalid("请填写驳回或撤回的理由")
    row.status = "rejected"
    session.flush()
    withdrawn = row.proposed_by is not None and row.proposed_by == actor.user_id
    audit.record(
        session,
        actor=Actor.of(actor),
        action="evidence.key.reject",
        object_type="evidence_key",
        object_id=row.id,
        detail={"public_key": row.public_key, "withdrawn": withdrawn, "reason": reason[:200]},
    )
    return row


@dataclass(frozen=True)
class KeyLine:
    """One of the tenant's keys as its officers read it."""

    id: int
    public_key: str
    status: str
    status_label: str
    tenant_held: bool
    proposed_by: str | None
    approved_by: str | None
    created_at: datetime
    approved_at: datetime | None
    retired_at: datetime | None
    mine: bool  # proposed by the reader (who therefore cannot approve it)


def of_tenant(session: Session, *, actor: Principal) -> list[KeyLine]:
    """The reader's tenant's keys, newest first, for the approving officer's page."""
    _may(actor)
    assert actor.tenant_id is not None
    rows: Sequence[EvidenceKey] = repo.keys_of_tenant(session, actor.tenant_id)
    names: dict[int, str] = {}

    def name(uid: int | None) -> str | None:
        if uid is None:
            return None
        if uid not in names:
            try:
                names[uid] = accounts.user_by_id(session, uid).display_name
            except NotFound:
                names[uid] = str(uid)
        return names[uid]

    return [
        KeyLine(
            k.id,
            k.public_key,
            k.status,
            STATUS_LABELS.get(k.status, k.status),
            k.private_key == TENANT_HELD,
            name(k.proposed_by),
            name(k.approved_by),
            k.created_at,
            k.approved_at,
            k.retired_at,
            k.proposed_by == actor.user_id,
        )
        for k in rows
    ]
