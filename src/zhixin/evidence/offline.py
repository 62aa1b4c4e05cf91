"""The proof files, checked offline (pure): an entry's inclusion proof against its signed head
(:func:`check_proof`) and the consistency of two signed heads (:func:`check_consistency`),
what ``zhixin evidence check-proof`` runs. Re-exported by ``evidence.rules``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from zhixin.evidence import merkle
from zhixin.evidence.formats import (
    CONSISTENCY_FORMAT,
    PROOF_FORMAT,
    ROLE_LABELS,
    ProofError,
    file_digests,
    signature_holds,
    sth_bytes,
)

# -- the proof file, checked offline --------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    seq: int
    kind: str
    tree_size: int
    root_hash: str
    file_checked: bool
    confirmed_by: list[str]


def check_proof(
    doc: Mapping[str, Any], file: bytes | None = None, *, public_key: str | None = None
) -> Checked:
    """Check a proof file (docs/evidence.md) with nothing but its contents, the file it names
    and, optionally, the log's public key obtained elsewhere (pins the signer). Raises
    :class:`ProofError` naming what does not hold."""
    try:
        if doc.get("format") != PROOF_FORMAT:
            raise ProofError(f"不是存证证明文件（format 应为 {PROOF_FORMAT}）")
        algorithm = str(doc["hash"])
        h = merkle.hasher(algorithm)
        entry, inclusion, sth = doc["entry"], doc["inclusion"], doc["sth"]
        seq = int(entry["seq"])
        payload = str(entry["payload"])
        body = json.loads(payload)
        path = [bytes.fromhex(p) for p in inclusion["path"]]
        size = int(sth["tree_size"])
        root_hex = str(sth["root_hash"])
    except ProofError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError(f"证明文件格式有误（{type(exc).__name__}）") from exc
    if not isinstance(body, dict) or body.get("seq") != seq:
        raise ProofError("证明中的存证内容记载的序号与其位置不符")
    if int(inclusion.get("leaf_index", -1)) != seq or int(inclusion.get("tree_size", -1)) != size:
        raise ProofError("证明的叶位置或树大小与树头不符")
    leaf = merkle.leaf_hash(h, payload.encode())
    if entry.get("leaf_hash") is not None and entry["leaf_hash"] != leaf.hex():
        raise ProofError("存证内容与其叶哈希不符（内容被改动）")
    if not merkle.verify_inclusion(h, seq, size, leaf, path, bytes.fromhex(root_hex)):
        raise ProofError(
            "包含证明不成立：这条存证不在该树头所承诺的日志中（内容、位置或路径被改动）"
        )
    if sth.get("hash", algorithm) != algorithm:
        raise ProofError("树头的哈希算法与证明不符")
    signed = sth_bytes(
        algorithm=algorithm, tree_size=size, root_hash=root_hex, timestamp=str(sth["timestamp"])
    )
    key = str(sth.get("public_key", ""))
    if public_key is not None and key != public_key:
        raise ProofError("树头不是由指定的日志公钥签名的")
    if not signature_holds(key, str(sth.get("signature", "")), signed):
        raise ProofError("树头签名无效")
    file_checked = False
    if file is not None:
        recorded = body.get("file")
        if not isinstance(recorded, dict):
            raise ProofError("这条存证不登记文件，无法与文件核对")
        got = file_digests(algorithm, file)
        for name in ("sha256", "sm3", "size"):
            if name in recorded and recorded[name] != got.get(name):
                raise ProofError("文件与存证登记的摘要不符（文件被改动或不是这份凭证）")
        file_checked = True
    confirmed: list[str] = []
    for c in doc.get("confirmations", []):
        message = str(c.get("message", ""))
        if not signature_holds(
            str(c.get("public_key", "")), str(c.get("signature", "")), message.encode()
        ):
            raise ProofError(f"{ROLE_LABELS.get(c.get('role'), '确认')}确认的签名无效")
        listed = json.loads(message)
        if [seq, leaf.hex()] not in listed.get("entries", []) or listed.get("role") != c.get(
            "role"
        ):
            raise ProofError("确认记录不包含这条存证")
        confirmed.append(
            f"{ROLE_LABELS.get(listed['role'], listed['role'])}（{listed.get('tenant')}）"
        )
    return Checked(seq, str(body.get("kind")), size, root_hex, file_checked, confirmed)


@dataclass(frozen=True)
class Consistent:
    first_size: int
    second_size: int
    first_root: str
    second_root: str


def _signed_head(
    sth: Mapping[str, Any], algorithm: str, public_key: str | None, which: str
) -> None:
    """A signed tree head of a proof file holds: its hash algorithm, its signer, its signature."""
    if sth.get("hash", algorithm) != algorithm:
        raise ProofError(f"{which}树头的哈希算法与证明不符")
    key = str(sth.get("public_key", ""))
    if public_key is not None and key != public_key:
        raise ProofError(f"{which}树头不是由指定的日志公钥签名的")
    signed = sth_bytes(
        algorithm=algorithm,
        tree_size=int(sth["tree_size"]),
        root_hash=str(sth["root_hash"]),
        timestamp=str(sth["timestamp"]),
    )
    if not signature_holds(key, str(sth.get("signature", "")), signed):
        raise ProofError(f"{which}树头签名无效")


def check_consistency(doc: Mapping[str, Any], *, public_key: str | None = None) -> Consistent:
    """Check a consistency file (docs/evidence.md): both signed tree heads' signatures, and the
    RFC 9162 §2.1.4 consistency proof that the first head's tree is a prefix of the second's
    (nothing the first committed to was changed, removed or reordered). Nothing but the file
    and, optionally, the log's public key obtained elsewhere. Raises :class:`ProofError`."""
    try:
        if doc.get("format") != CONSISTENCY_FORMAT:
            raise ProofError(f"不是一致性证明文件（format 应为 {CONSISTENCY_FORMAT}）")
        algorithm = str(doc["hash"])
        h = merkle.hasher(algorithm)
        first, second = doc["first"], doc["second"]
        m, n = int(first["tree_size"]), int(second["tree_size"])
        first_root = bytes.fromhex(str(first["root_hash"]))
        second_root = bytes.fromhex(str(second["root_hash"]))
        path = [bytes.fromhex(p) for p in doc["path"]]
        _signed_head(first, algorithm, public_key, "旧")
        _signed_head(second, algorithm, public_key, "新")
    except ProofError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ProofError(f"一致性证明文件格式有误（{type(exc).__name__}）") from exc
    if not 0 < m <= n:
        raise ProofError(f"旧树头的条数（{m}）须大于 0 且不大于新树头的条数（{n}）")
    if not merkle.verify_consistency(h, m, n, path, first_root, second_root):
        raise ProofError(
            "一致性证明不成立：新树头所承诺的日志不是在旧日志之后追加而成"
            "（旧的存证被改动、删除或调换了位置，或证明被改动）"
        )
    return Consistent(m, n, first_root.hex(), second_root.hex())
