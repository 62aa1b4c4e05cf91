"""The audit chain: how one event's hash is computed and how a chain is checked (pure)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS = "0" * 64


def canonical(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor: str,
    tenant_id: int | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    ip: str | None,
    outcome: str,
    detail: dict[str, object],
) -> str:
    return json.dumps(
        {
            "seq": seq,
            "at": at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            "actor_id": actor_id,
            "actor": actor,
            "tenant_id": tenant_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "ip": ip,
            "outcome": outcome,
            "detail": detail,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )


def chain_hash(prev_hash: str, canonical_text: str) -> str:
    return hashlib.sha256((prev_hash + canonical_text).encode()).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    seq: int
    prev_hash: str
    hash: str
    canonical: str


@dataclass(frozen=True)
class Finding:
    seq: int
    problem: str


def verify_chain(rows: Iterable[ChainRow], *, head_seq: int, head_hash: str) -> list[Finding]:
    """Every place the chain is broken: altered rows, missing rows, a cut tail."""
    findings: list[Finding] = []
    prev_hash = GENESIS
    expected_seq = 1
    last_seq = 0
    for row in rows:
        if row.seq != expected_seq:
            findings.append(
                Finding(expected_seq, f"缺少第 {expected_seq}–{row.seq - 1} 条记录（已被删除）")
            )
        if row.prev_hash != prev_hash:
            findings.append(Finding(row.seq, "前序哈希不匹配（链条断裂）"))
        if chain_hash(row.prev_hash, row.canonical) != row.hash:
            findings.append(Finding(row.seq, "内容与哈希不符（记录被篡改）"))
        prev_hash = row.hash
        expected_seq = row.seq + 1
        last_seq = row.seq
    if last_seq != head_seq:
        findings.append(Finding(last_seq + 1, f"链尾缺失：应有 {head_seq} 条，实有 {last_seq} 条"))
    elif head_seq and prev_hash != head_hash:
        findings.append(Finding(last_seq, "最后一条记录与链头哈希不符"))
    return findings
