"""Signed checkpoints of the audit chain's head, kept outside the database. Never commits.

``zhixin audit checkpoint --out DIR`` (cron, ideally on a host the database's administrators
cannot write to) verifies the chain and writes ``checkpoint-<seq>.json``: the head's seq, hash
and scheme, signed with the Ed25519 key of ``ZHIXIN_AUDIT_SIGNING_KEY_FILE``::

    {"format": "zhixin-audit-checkpoint/1", "seq": 1042, "hash": "…", "scheme": "hmac-sha256",
     "at": "2026-12-07T06:00:00.000000+00:00", "key_id": "…", "signature": "<hex>"}

The signature covers the canonical JSON (sorted keys, no spaces, UTF-8) of every other field.
``zhixin audit verify --checkpoints DIR`` checks each file's signature with the public key and
that the row at its seq still has that hash: someone who holds the HMAC key can rewrite the
chain so that it verifies, but not the hash of a row a checkpoint signed, nor sign a new
checkpoint.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from zhixin.audit import keys as audit_keys
from zhixin.audit import repository as repo
from zhixin.audit.rules import Finding
from zhixin.audit.service import VerifyResult, verify
from zhixin.errors import Invalid

FORMAT = "zhixin-audit-checkpoint/1"


def canonical_json(value: dict[str, object]) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Written:
    path: Path | None  # None: the head had not moved since the last checkpoint
    seq: int
    hash: str


def write_checkpoint(session: Session, *, out_dir: Path, now: datetime) -> Written:
    """Verify the chain, then sign its head into ``out_dir``. Refuses (Invalid) when the chain
    does not verify or the head has moved backwards from the newest checkpoint there."""
    keys = audit_keys.current()
    result = verify(session)
    if not result.ok:
        raise Invalid(
            f"审计日志校验未通过（{len(result.findings)} 处问题），不能为它签发检查点；"
            "先运行 zhixin audit verify 查明原因"
        )
    head = repo.head(session)
    if head is None or head.last_seq == 0:
        raise Invalid("审计日志还是空的，没有可签发的链头")
    older = checkpoints_in(out_dir) if out_dir.exists() else []
    newest = max((c for c in older if c.payload), key=lambda c: c.seq, default=None)
    if newest is not None and newest.seq > head.last_seq:
        raise Invalid(
            f"链头（第 {head.last_seq} 条）比目录中最新的检查点（第 {newest.seq} 条）还旧"
        )
    target = out_dir / f"checkpoint-{head.last_seq:012d}.json"
    if target.exists():
        return Written(None, head.last_seq, head.last_hash)
    last = repo.event_at(session, head.last_seq)
    private = keys.signing_key()
    payload: dict[str, object] = {
        "format": FORMAT,
        "seq": head.last_seq,
        "hash": head.last_hash,
        "scheme": last.scheme if last is not None else "",
        "at": now.isoformat(timespec="microseconds"),
        "key_id": audit_keys.key_id(private.public_key()),
    }
    signed = {**payload, "signature": audit_keys.sign(private, canonical_json(payload))}
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(signed, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return Written(target, head.last_seq, head.last_hash)


@dataclass(frozen=True)
class Checkpoint:
    name: str
    seq: int
    payload: dict[str, object] | None  # None: unreadable
    signature: str


def checkpoints_in(directory: Path) -> list[Checkpoint]:
    found = []
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            signature = str(data.pop("signature"))
            seq = int(data["seq"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            found.append(Checkpoint(path.name, 0, None, ""))
            continue
        found.append(Checkpoint(path.name, seq, data, signature))
    return found


def verify_with_checkpoints(session: Session, *, directory: Path) -> VerifyResult:
    """:func:`audit.service.verify`, then every signed checkpoint in ``directory`` against the
    rows: a bad signature, a checkpoint past the head, or a row whose hash differs from the one
    signed (the chain was rewritten, even with the HMAC key) is a finding."""
    keys = audit_keys.current()
    result = verify(session)
    findings = list(result.findings)
    public = keys.verify_key()
    expected_id = audit_keys.key_id(public)
    found = checkpoints_in(directory) if directory.is_dir() else []
    if not found:
        findings.append(Finding(0, f"目录 {directory.name or directory} 中没有检查点文件"))
    archives = {a.up_to_seq: a.last_hash for a in repo.archives(session)}
    archived_up_to = max(archives, default=0)
    for cp in found:
        if cp.payload is None:
            findings.append(Finding(0, f"检查点 {cp.name} 无法读取（格式错误）"))
            continue
        if cp.payload.get("format") != FORMAT or not audit_keys.signature_ok(
            public, canonical_json(cp.payload), cp.signature
        ):
            findings.append(
                Finding(cp.seq, f"检查点 {cp.name} 的签名无效（伪造、被改动，或不是这把密钥签的）")
            )
            continue
        if cp.payload.get("key_id") != expected_id:
            findings.append(Finding(cp.seq, f"检查点 {cp.name} 标注的密钥与签名密钥不符"))
        signed_hash = cp.payload.get("hash")
        if cp.seq > result.head_seq:
            findings.append(
                Finding(
                    cp.seq,
                    f"链头回退：检查点 {cp.name} 已签到第 {cp.seq} 条，"
                    f"数据库只有 {result.head_seq} 条",
                )
            )
        elif cp.seq <= archived_up_to:
            if cp.seq in archives and archives[cp.seq] != signed_hash:
                findings.append(Finding(cp.seq, f"第 {cp.seq} 条（已归档）与检查点 {cp.name} 不符"))
        else:
            row = repo.event_at(session, cp.seq)
            if row is None:
                findings.append(
                    Finding(cp.seq, f"第 {cp.seq} 条已不在数据库中（检查点 {cp.name}）")
                )
            elif row.hash != signed_hash:
                findings.append(
                    Finding(
                        cp.seq,
                        f"第 {cp.seq} 条的哈希与签名检查点 {cp.name} 不符：审计链在此之前被重写",
                    )
                )
    return VerifyResult(result.checked, findings, result.archived, result.head_seq)
