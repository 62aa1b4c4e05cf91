"""The log itself (链上存证): the signing keys (the log's and each confirming tenant's, made on
first use, stored encrypted with the data key), :func:`append` — the one function every domain
calls — and the signed tree heads. Re-exported by ``evidence.service`` (its docstring says how
an append is written). Never commits.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import event
from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.config import get_settings
from zhixin.errors import Conflict, Invalid
from zhixin.evidence import merkle, rules
from zhixin.evidence import repository as repo
from zhixin.evidence.models import EvidenceKey, EvidenceTreeHead
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
