"""确认: a bank (its own loans' entries) or a regulator (its jurisdiction's) signs entries' seq
and leaf hash, with the key the platform holds for it (:func:`confirm`) or its own key
(:func:`submit_confirmation`). Re-exported by ``evidence.service``. Never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import get_settings
from zhixin.errors import (
    Conflict,
    Forbidden,
    Invalid,
    KeyPending,
    KeyRetired,
    NotFound,
    SignatureInvalid,
)
from zhixin.evidence import repository as repo
from zhixin.evidence import rules
from zhixin.evidence.log import NOT_FOUND, TENANT_HELD, _key, _read, _stamp
from zhixin.evidence.models import EvidenceConfirmation, EvidenceEntry, EvidenceKey
from zhixin.evidence.reading import _role, _sees
from zhixin.kit.db import utcnow


def confirm(session: Session, *, actor: Principal, seqs: Sequence[int]) -> EvidenceConfirmation:
    """确认: the actor's tenant (a bank for its own loans' entries, a regulator for those in
    its jurisdiction) signs the listed entries' seq and leaf hash with its key. Entries this
    side has confirmed already are left out; when none is left, 409."""
    _read(session)
    role = _confirmer(actor)
    todo = _to_confirm(session, actor, role, seqs, partial=True)
    key, private = _key(session, actor.tenant_id)
    now = utcnow()
    message = rules.confirm_bytes(
        algorithm=_algorithm(session),
        role=role,
        tenant=_tenant_code(session, actor),
        at=_stamp(now),
        entries=[(e.seq, e.leaf_hash) for e in todo],
    )
    signature = rules.b64(private.sign(message))
    return _store_confirmation(session, actor, role, key, message.decode(), signature, todo, now)


def _confirmer(actor: Principal) -> str:
    role = _role(actor)
    if role is None:
        raise Forbidden("只有贷款银行或监管部门的有权人员可以确认存证")
    return role


def _algorithm(session: Session) -> str:
    # the log's algorithm, read without locking the state row: a confirmation appends nothing,
    # and audit.record locks the audit head (lock order everywhere: audit, then log)
    state = repo.log(session)
    return state.hash_alg if state is not None else get_settings().evidence_hash


def _tenant_code(session: Session, actor: Principal) -> str:
    return accounts.tenant_code(session, actor.tenant_id) or str(actor.tenant_id)


def _to_confirm(
    session: Session, actor: Principal, role: str, seqs: Sequence[int], *, partial: bool
) -> list[EvidenceEntry]:
    """The entries of ``seqs`` this side may confirm and has not: with ``partial`` those
    confirmed already are left out (409 when none is left); without, any is a 409."""
    wanted = sorted(set(seqs))
    if not wanted or len(wanted) > 10000:
        raise Invalid("请选择要确认的存证（一次最多 10000 条）")
    rows = repo.entries_by_seq(session, wanted)
    found = {e.seq: e for e in rows if _sees(session, actor, e)}
    missing = [s for s in wanted if s not in found]
    if missing:
        raise NotFound(f"{NOT_FOUND}（第 {missing[0]} 条）")
    if role == "bank" and any(e.bank_tenant_id != actor.tenant_id for e in found.values()):
        raise Forbidden("银行只能确认本行贷款的存证")
    column = "bank_confirmation_id" if role == "bank" else "regulator_confirmation_id"
    todo = [found[s] for s in wanted if getattr(found[s], column) is None]
    if not todo:
        raise Conflict("所选存证均已由本方确认")
    if not partial and len(todo) != len(wanted):
        done = next(s for s in wanted if getattr(found[s], column) is not None)
        raise Conflict(f"第 {done} 条存证已由本方确认，请从所签内容中去掉")
    return todo


def _store_confirmation(
    session: Session,
    actor: Principal,
    role: str,
    key: EvidenceKey,
    message: str,
    signature: str,
    todo: list[EvidenceEntry],
    now: datetime,
) -> EvidenceConfirmation:
    column = "bank_confirmation_id" if role == "bank" else "regulator_confirmation_id"
    c = EvidenceConfirmation(
        role=role,
        tenant_id=actor.tenant_id,
        key_id=key.id,
        user_id=actor.user_id,
        message=message,
        signature=signature,
        signed_at=now,
    )
    session.add(c)
    session.flush()
    seqs_done = [e.seq for e in todo]
    repo.mark_confirmed(session, seqs_done, role, c.id)
    for e in todo:  # the loaded rows agree with the UPDATE, without reading them back
        set_committed_value(e, column, c.id)
    audit.record(
        session,
        actor=Actor.of(actor),
        action="evidence.confirm",
        object_type="evidence_confirmation",
        object_id=c.id,
        detail={
            "role": role,
            "entries": seqs_done[:50],
            "count": len(todo),
            "key_id": key.id,
            "tenant_held": key.private_key == TENANT_HELD,
        },
    )
    return c


def submit_confirmation(
    session: Session, *, actor: Principal, message: str, signature: str
) -> EvidenceConfirmation:
    """A confirmation the tenant signed itself with the private half of its approved key
    (``evidence.keys``): ``message`` is the confirmation's canonical JSON exactly as signed
    (docs/evidence.md), ``signature`` its Ed25519 signature in base64. Accepted when the bytes
    are canonical, name this side, this tenant and the log's hash, list entries the side may
    confirm with their leaf hashes as logged, and the signature holds under the registered
    key; otherwise refused with the reason (a forged or altered signature: ``signature_invalid``).
    """
    _read(session)
    role = _confirmer(actor)
    key = repo.key_of(session, actor.tenant_id)
    if key is None or key.private_key != TENANT_HELD:
        _other_key(session, actor, message, signature)  # its own key, not approved yet
        raise Conflict(
            "本机构尚未登记自持签名公钥（POST /api/v1/evidence/keys）；"
            "未登记的机构由平台代为签名确认（POST /api/v1/evidence/confirmations）"
        )
    try:
        parsed = rules.parse_confirmation(message.encode("utf-8"))
    except rules.ProofError as exc:
        raise SignatureInvalid(f"所签内容不符合确认格式：{exc}") from exc
    if parsed.role != role:
        raise SignatureInvalid(f"所签内容的 role 应为 {role}")
    tenant = _tenant_code(session, actor)
    if parsed.tenant != tenant:
        raise SignatureInvalid(f"所签内容的 tenant 应为本机构代码 {tenant}")
    algorithm = _algorithm(session)
    if parsed.algorithm != algorithm:
        raise SignatureInvalid(f"所签内容的 hash 应为存证日志的算法 {algorithm}")
    todo = _to_confirm(session, actor, role, [seq for seq, _ in parsed.entries], partial=False)
    logged = {e.seq: e.leaf_hash for e in todo}
    for seq, leaf in parsed.entries:
        if logged.get(seq) != leaf:
            raise SignatureInvalid(f"所签内容中第 {seq} 条存证的叶哈希与日志不符")
    if not rules.signature_holds(key.public_key, signature, message.encode("utf-8")):
        _other_key(session, actor, message, signature)
        raise SignatureInvalid("签名无效：与本机构登记的公钥不符（或所签内容被改动）")
    return _store_confirmation(session, actor, role, key, message, signature, todo, utcnow())


def _other_key(session: Session, actor: Principal, message: str, signature: str) -> None:
    """A signature that does not hold under the active key but under another of the tenant's:
    a key still awaiting approval (``key_pending``) or one rotated out (``key_retired``)."""
    assert actor.tenant_id is not None
    for k in repo.keys_of_tenant(session, actor.tenant_id):
        if k.status == "active" or not rules.signature_holds(
            k.public_key, signature, message.encode("utf-8")
        ):
            continue
        if k.status == "pending":
            raise KeyPending(
                "签名所用的公钥尚待本机构另一名有权人员复核，复核通过前不能用于签署确认"
            )
        if k.status == "rejected":
            raise KeyPending("签名所用的公钥未通过复核（或已撤回），从未启用，不能用于签署确认")
        at = k.retired_at.isoformat(timespec="seconds") if k.retired_at else ""
        raise KeyRetired(
            f"签名所用的公钥已于 {at}（UTC）轮换停用，此后不能再用它签署确认；"
            "请用本机构现用的私钥签名"
        )
