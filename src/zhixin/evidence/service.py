"""The evidence log (链上存证): append, sign tree heads, confirm, read, verify, export proofs.
Never commits.

**Append** (:func:`append`) is the one entry point every domain calls, inside its own
transaction: the log's state row is locked (FOR UPDATE; SQLite: BEGIN IMMEDIATE) at the
transaction's first append, the entry's canonical bytes are hashed into the stored right edge
(one node hash on average; the tree is never recomputed). The entry rows wait in memory and are
written with one multi-row INSERT and one UPDATE of the state when the transaction commits
(``before_commit``) or when this module next reads the log, whichever is first; so they commit
or roll back with the event they record, and 1,000 appends in a transaction cost two
statements, not 2,000.

**Keys** (Ed25519, ``cryptography``): one for the log (signs tree heads) and one per confirming
tenant (a bank, a regulator), made on first use. The platform holds them for the tenants: the
private seed is stored encrypted with the data key (``ZHIXIN_DATA_KEY``, kit/crypto.py Fernet,
rotated by ``zhixin evidence reencrypt``), so a database copy alone signs nothing. The public
keys are printed by ``zhixin evidence keys`` for anyone who checks proofs offline.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import get_settings
from zhixin.enterprises import service as enterprises
from zhixin.errors import (
    Conflict,
    Forbidden,
    Invalid,
    KeyPending,
    KeyRetired,
    NotFound,
    SignatureInvalid,
)
from zhixin.evidence import merkle, rules
from zhixin.evidence import repository as repo
from zhixin.evidence.models import (
    EvidenceConfirmation,
    EvidenceEntry,
    EvidenceKey,
    EvidenceTreeHead,
)
from zhixin.kit import crypto
from zhixin.kit.db import utcnow

_CACHE = "zhixin.evidence.log"
# ``evidence_key.private_key`` of a key the tenant holds itself: the platform has no private half
TENANT_HELD = ""
NOT_FOUND = "未找到该存证 / evidence entry not found"


def _stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- keys --------------------------------------------------------------------------------------


def _cipher() -> crypto.DataCipher:
    return crypto.cipher(get_settings().data_keys)


def _raw_public(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )


def _key(session: Session, tenant_id: int | None) -> tuple[EvidenceKey, Ed25519PrivateKey]:
    """The signing key of the log (``tenant_id`` None) or of a tenant, made on first use."""
    row = repo.key_of(session, tenant_id)
    if row is None:
        private = Ed25519PrivateKey.generate()
        seed = private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        row = EvidenceKey(
            tenant_id=tenant_id,
            public_key=_raw_public(private),
            private_key=_cipher().encrypt(base64.b64encode(seed).decode("ascii")),
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return row, private
    if row.private_key == TENANT_HELD:
        raise Conflict(
            "本机构已登记自持签名公钥，平台不再代为签名：请用自持私钥签署确认内容后提交"
            "（POST /api/v1/evidence/signatures，格式见 docs/evidence.md）"
        )
    seed = base64.b64decode(_cipher().decrypt(row.private_key))
    return row, Ed25519PrivateKey.from_private_bytes(seed)


def reencrypt_keys(session: Session) -> int:
    """Re-encrypt every private key with the current data key (after a rotation)."""
    _read(session)
    cipher = _cipher()
    n = 0
    for k in repo.keys(session).values():
        if k.private_key != TENANT_HELD and not cipher.is_current(k.private_key):
            k.private_key = cipher.encrypt(cipher.decrypt(k.private_key))
            n += 1
    session.flush()
    return n


@dataclass(frozen=True)
class KeyView:
    id: int
    owner: str
    public_key: str
    created_at: datetime


def public_keys(session: Session) -> list[KeyView]:
    out = []
    for k in repo.keys(session).values():
        owner = (
            "存证日志（签署树头）"
            if k.tenant_id is None
            else (accounts.tenant_code(session, k.tenant_id) or str(k.tenant_id))
        )
        if k.tenant_id is not None and k.private_key == TENANT_HELD:
            owner += "（自持私钥）"
        if k.status == "pending":
            owner += "（待复核，未启用）"
        elif k.status == "rejected":
            owner += "（未通过复核或已撤回，从未启用）"
        elif k.status == "retired" and k.retired_at is not None:
            owner += f"（{k.retired_at.isoformat(timespec='seconds')} 起停用）"
        out.append(KeyView(k.id, owner, k.public_key, k.created_at))
    return out


# -- append ------------------------------------------------------------------------------------


@dataclass
class _Log:
    algorithm: str
    tree: merkle.CompactRange
    pending: list[dict[str, Any]] = field(default_factory=list)


def _current(session: Session) -> _Log | None:
    cached = session.info.get(_CACHE)
    if cached is not None and cached[0] is session.get_transaction():
        return cached[1]  # type: ignore[no-any-return]
    return None


def _write_pending(session: Session) -> None:
    """Write the entries appended in this transaction and not yet written, and move the state."""
    state = _current(session)
    if state is None or not state.pending:
        return
    rows, state.pending = state.pending, []
    tree = state.tree
    repo.insert_entries(session, rows)
    repo.move_log(
        session,
        tree_size=tree.size,
        compact=" ".join(x.hex() for x in tree.hashes),
        root_hash=tree.root().hex(),
        updated_at=rows[-1]["created_at"],
    )


def _log(session: Session) -> _Log:
    """The log's state for this transaction: read and locked once, then kept in memory (the
    same transaction's later appends reuse it)."""
    state = _current(session)
    if state is not None:
        return state
    algorithm, size, compact, _ = repo.log_for_update(session, get_settings().evidence_hash)
    h = merkle.hasher(algorithm)
    hashes = [bytes.fromhex(x) for x in compact.split()]
    state = _Log(algorithm, merkle.CompactRange(h, size, hashes))
    session.info[_CACHE] = (session.get_transaction(), state)
    if not event.contains(session, "before_commit", _write_pending):
        event.listen(session, "before_commit", _write_pending)
    return state


def _read(session: Session) -> None:
    """Before this module reads the log: what this transaction appended is written first."""
    _write_pending(session)


@dataclass(frozen=True)
class Event:
    """One thing to record: its kind (rules.KIND_LABELS), what it is about, and its data."""

    kind: str
    data: dict[str, Any]
    subject: tuple[str, str] | None = None
    contract: tuple[int, str] | None = None  # (id, contract number)
    enterprise_id: int | None = None
    bank_tenant_id: int | None = None
    file: bytes | None = None


def append(session: Session, event: Event, *more: Event) -> list[int]:
    """Append events to the log in this transaction; returns their leaf indexes (seq).

    Call it after the event's own ``audit.record``: the first append locks the log's state row
    until commit, and every writer takes the audit head first, then the log (one lock order,
    no deadlock between a loan's write and a confirmation)."""
    if event.kind not in rules.KIND_LABELS or any(e.kind not in rules.KIND_LABELS for e in more):
        raise Invalid("未知的存证类型")
    log = _log(session)
    tree, h = log.tree, log.tree.h
    now = utcnow()
    at = _stamp(now)
    rows: list[dict[str, Any]] = []
    for e in (event, *more):
        seq = tree.size
        payload = rules.entry_bytes(
            seq=seq,
            kind=e.kind,
            at=at,
            subject=e.subject,
            contract=e.contract,
            data=e.data,
            file=None if e.file is None else rules.file_digests(log.algorithm, e.file),
        )
        leaf = merkle.leaf_hash(h, payload)
        tree.append(leaf)
        rows.append(
            {
                "seq": seq,
                "kind": e.kind,
                "subject_type": e.subject[0] if e.subject else None,
                "subject_id": e.subject[1] if e.subject else None,
                "contract_id": e.contract[0] if e.contract else None,
                "enterprise_id": e.enterprise_id,
                "bank_tenant_id": e.bank_tenant_id,
                "payload": payload.decode(),
                "leaf_hash": leaf.hex(),
                "created_at": now,
            }
        )
    log.pending.extend(rows)
    return list(range(rows[0]["seq"], rows[0]["seq"] + len(rows)))


# -- tree heads ---------------------------------------------------------------------------------


def sign_new_head(session: Session) -> EvidenceTreeHead | None:
    """The worker's turn: sign a head if entries arrived since the latest one; None when
    nothing new (or the log is empty)."""
    _read(session)
    before = repo.latest_head(session)
    head = sign_head(session)
    if head is None or (before is not None and head.id == before.id):
        return None
    return head


def sign_head(session: Session) -> EvidenceTreeHead | None:
    """Sign the log's current size and root (an STH), unless the latest head already has them.
    None for an empty log."""
    _read(session)
    log = _log(session)
    if log.tree.size == 0:
        return None
    root = log.tree.root().hex()
    latest = repo.latest_head(session)
    if latest is not None and latest.tree_size == log.tree.size and latest.root_hash == root:
        return latest
    key, private = _key(session, None)
    now = utcnow()
    stamp = _stamp(now)
    body = rules.sth_bytes(
        algorithm=log.algorithm, tree_size=log.tree.size, root_hash=root, timestamp=stamp
    )
    head = EvidenceTreeHead(
        tree_size=log.tree.size,
        root_hash=root,
        hash_alg=log.algorithm,
        timestamp=stamp,
        key_id=key.id,
        signature=rules.b64(private.sign(body)),
        created_at=now,
    )
    session.add(head)
    session.flush()
    return head


# -- who sees, who confirms -----------------------------------------------------------------------


def _sees(session: Session, actor: Principal, e: EvidenceEntry) -> bool:
    if actor.can(Permission.evidence_read) and actor.tenant_kind == TenantKind.regulator:
        return e.enterprise_id is None or enterprises.visible(
            session, actor=actor, enterprise_id=e.enterprise_id
        )
    if not actor.can(Permission.loan_read):
        return False
    if actor.tenant_kind == TenantKind.bank:
        return e.bank_tenant_id == actor.tenant_id
    if actor.tenant_kind == TenantKind.enterprise:
        return e.enterprise_id is not None and e.enterprise_id == actor.enterprise_id
    if actor.tenant_kind == TenantKind.regulator:
        return e.enterprise_id is not None and enterprises.visible(
            session, actor=actor, enterprise_id=e.enterprise_id
        )
    return False


def _role(actor: Principal) -> str | None:
    if not actor.can(Permission.evidence_confirm):
        return None
    if actor.tenant_kind == TenantKind.bank:
        return "bank"
    if actor.tenant_kind == TenantKind.regulator:
        return "regulator"
    return None


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


# -- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    tenant: str
    signed_at: datetime


@dataclass(frozen=True)
class EntryView:
    seq: int
    kind: str
    kind_label: str
    at: str
    summary: str
    leaf_hash: str
    contract_id: int | None
    bank: Side | None
    regulator: Side | None

    @property
    def state(self) -> str:
        if self.bank and self.regulator:
            return "双方已确认"
        if self.bank:
            return "银行已确认，待监管部门确认"
        if self.regulator:
            return "监管部门已确认，待银行确认"
        return "待双方确认"


def _views(session: Session, rows: Sequence[EvidenceEntry]) -> list[EntryView]:
    ids = sorted(
        {c for e in rows for c in (e.bank_confirmation_id, e.regulator_confirmation_id) if c}
    )
    conf = repo.confirmations_by_id(session, ids)
    codes: dict[int, str] = {}

    def side(cid: int | None) -> Side | None:
        if cid is None or cid not in conf:
            return None
        c = conf[cid]
        if c.tenant_id not in codes:
            codes[c.tenant_id] = accounts.tenant_code(session, c.tenant_id) or str(c.tenant_id)
        return Side(codes[c.tenant_id], c.signed_at)

    out = []
    for e in rows:
        doc = json.loads(e.payload)
        out.append(
            EntryView(
                seq=e.seq,
                kind=e.kind,
                kind_label=rules.KIND_LABELS.get(e.kind, e.kind),
                at=str(doc.get("at", "")),
                summary=rules.summary(doc),
                leaf_hash=e.leaf_hash,
                contract_id=e.contract_id,
                bank=side(e.bank_confirmation_id),
                regulator=side(e.regulator_confirmation_id),
            )
        )
    return out


def for_contract(session: Session, *, actor: Principal, contract_id: int) -> list[EntryView]:
    """A loan's entries the actor sees (the loan page has checked the loan itself)."""
    _read(session)
    rows = [e for e in repo.entries_of_contract(session, contract_id) if _sees(session, actor, e)]
    return _views(session, rows)


def may_confirm(actor: Principal) -> str | None:
    """The side the actor confirms for (bank, regulator), or None."""
    return _role(actor)


@dataclass(frozen=True)
class LogView:
    algorithm: str | None
    tree_size: int
    root_hash: str
    heads: list[EvidenceTreeHead]
    entries: list[EntryView]
    log_key: str | None


def log_view(
    session: Session, *, actor: Principal, limit: int = 100, before: int | None = None
) -> LogView:
    """The regulator's view: the log's state, its latest signed heads, its latest entries."""
    _read(session)
    if not actor.can(Permission.evidence_read):
        raise Forbidden("无权查看存证日志")
    state = repo.log(session)
    rows = [e for e in repo.latest_entries(session, limit, before) if _sees(session, actor, e)]
    key = repo.key_of(session, None)
    return LogView(
        algorithm=state.hash_alg if state else None,
        tree_size=state.tree_size if state else 0,
        root_hash=state.root_hash if state else "",
        heads=list(repo.latest_heads(session, 20)),
        entries=_views(session, rows),
        log_key=key.public_key if key else None,
    )


def heads(session: Session, *, actor: Principal, limit: int = 100) -> list[EvidenceTreeHead]:
    if not actor.can(Permission.evidence_read) and not actor.can(Permission.loan_read):
        raise Forbidden("无权查看存证树头")
    return list(repo.latest_heads(session, limit))


# -- verify and prove ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    tree_size: int
    heads: int
    confirmations: int
    finding: rules.Finding | None


def verify(session: Session) -> Verified:
    """Check the whole log (rules.LogVerifier), stopping at the first bad entry."""
    _read(session)
    state = repo.log(session)
    if state is None:
        return Verified(0, 0, 0, None)
    keys = {k.id: k.public_key for k in repo.keys(session).values()}
    stored_heads = repo.heads(session)
    heads_ = [
        rules.Head(
            tree_size=hd.tree_size,
            root_hash=hd.root_hash,
            timestamp=hd.timestamp,
            signature=hd.signature,
            public_key=keys.get(hd.key_id, ""),
            algorithm=hd.hash_alg,
        )
        for hd in stored_heads
    ]
    rows = repo.keys(session)

    def signer(key_id: int, at: datetime) -> str:
        # a pending key signs nothing; a retired one nothing from its retirement on: such a
        # confirmation is checked against no key, so verify names its first entry
        k = rows.get(key_id)
        return k.public_key if k is not None and k.valid_at(at) else ""

    confs = {
        c.id: rules.Confirmation(
            c.id, c.role, c.message, c.signature, signer(c.key_id, c.signed_at)
        )
        for c in repo.confirmations(session)
    }
    v = rules.LogVerifier(state.hash_alg, heads_, confs)
    for chunk in repo.stream_entries(session):
        for seq, payload, leaf, bank, regulator in chunk:
            finding = v.feed(seq, payload, leaf, bank, regulator)
            if finding is not None:
                return Verified(v.tree.size, len(heads_), len(confs), finding)
    finding = v.finish(state.tree_size, state.root_hash)
    return Verified(v.tree.size, len(heads_), len(confs), finding)


def _sth(head: EvidenceTreeHead, keys: dict[int, EvidenceKey]) -> dict[str, Any]:
    return {
        "hash": head.hash_alg,
        "tree_size": head.tree_size,
        "root_hash": head.root_hash,
        "timestamp": head.timestamp,
        "signature": head.signature,
        "public_key": keys[head.key_id].public_key,
    }


def consistency(session: Session, *, old_size: int, new_size: int) -> dict[str, Any]:
    """The consistency file (docs/evidence.md) between the signed heads of ``old_size`` and
    ``new_size`` entries: RFC 9162's PROOF(m, D[n]) over the stored leaf hashes. Both sizes must
    be those of signed heads; a ``new_size`` equal to the log's current size is signed first
    when no head has it yet (an operator's export, as :func:`proof` does)."""
    _read(session)
    if not 0 < old_size <= new_size:
        raise Invalid(f"旧树头的条数（{old_size}）须大于 0 且不大于新树头的条数（{new_size}）")
    first = repo.head_of_size(session, old_size)
    if first is None:
        raise NotFound(
            f"没有 {old_size} 条存证的签名树头"
            "（树头由 zhixin evidence sign-head 签署，API 的 /evidence/heads 列出已签署的）"
        )
    second = repo.head_of_size(session, new_size)
    if second is None:
        log = _log(session)
        if log.tree.size == new_size:
            second = sign_head(session)
        if second is None or second.tree_size != new_size:
            raise NotFound(f"没有 {new_size} 条存证的签名树头，日志当前为 {log.tree.size} 条")
    if first.hash_alg != second.hash_alg:
        raise Conflict("两个树头的哈希算法不同，无法证明一致性")
    h = merkle.hasher(second.hash_alg)
    leaves = [bytes.fromhex(x) for x in repo.leaf_hashes(session, new_size)]
    path = merkle.consistency_path(h, leaves, old_size)
    keys = repo.keys(session)
    return {
        "format": rules.CONSISTENCY_FORMAT,
        "hash": second.hash_alg,
        "first": _sth(first, keys),
        "second": _sth(second, keys),
        "path": [p.hex() for p in path],
    }


def proof(session: Session, *, seq: int, actor: Principal | None = None) -> dict[str, Any]:
    """The proof file (docs/evidence.md) of one entry against the latest signed head that
    covers it; with no such head (an operator's export) a new head is signed first; through
    the API (``actor`` given) the entry must be the actor's to see."""
    _read(session)
    e = repo.entry(session, seq)
    if e is None or (actor is not None and not _sees(session, actor, e)):
        raise NotFound(NOT_FOUND)
    head = repo.latest_head(session)
    if head is None or head.tree_size <= seq:
        if actor is not None:
            raise Conflict(
                "尚无覆盖该条存证的签名树头，请稍后再试"
                "（树头由 zhixin evidence sign-head 定时签署）"
            )
        head = sign_head(session)
        assert head is not None
    h = merkle.hasher(head.hash_alg)
    leaves = [bytes.fromhex(x) for x in repo.leaf_hashes(session, head.tree_size)]
    path = merkle.inclusion_path(h, leaves, seq)
    keys = repo.keys(session)
    ids = [c for c in (e.bank_confirmation_id, e.regulator_confirmation_id) if c]
    confs = repo.confirmations_by_id(session, ids)
    return {
        "format": rules.PROOF_FORMAT,
        "hash": head.hash_alg,
        "entry": {"seq": e.seq, "payload": e.payload, "leaf_hash": e.leaf_hash},
        "inclusion": {
            "leaf_index": e.seq,
            "tree_size": head.tree_size,
            "path": [p.hex() for p in path],
        },
        "sth": {
            "hash": head.hash_alg,
            "tree_size": head.tree_size,
            "root_hash": head.root_hash,
            "timestamp": head.timestamp,
            "signature": head.signature,
            "public_key": keys[head.key_id].public_key,
        },
        "confirmations": [
            {
                "role": confs[c].role,
                "message": confs[c].message,
                "signature": confs[c].signature,
                "public_key": keys[confs[c].key_id].public_key,
            }
            for c in ids
            if c in confs
        ],
    }
