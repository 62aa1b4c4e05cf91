"""Verify the whole log (every leaf, head signature and confirmation) and export proofs: an
entry's inclusion in a signed head, the consistency of two heads. Re-exported by
``evidence.service``. Never commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Principal
from zhixin.errors import Conflict, Invalid, NotFound
from zhixin.evidence import merkle, rules
from zhixin.evidence import repository as repo
from zhixin.evidence.log import NOT_FOUND, _log, _read, sign_head
from zhixin.evidence.models import EvidenceKey, EvidenceTreeHead
from zhixin.evidence.reading import _sees

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
