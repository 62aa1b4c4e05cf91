"""Taking old audit rows out of the database into a signed file. Never commits.

``zhixin audit archive --before DATE --out DIR``: the rows written before DATE (00:00 Beijing
time), from the first row still in the database, are written to
``DIR/audit-archive-<first>-<last>.jsonl`` — one JSON object per row (every column, ``at`` in
ISO 8601 UTC), then one last line ``{"manifest": {...}, "signature": "<hex>"}``. The manifest
holds ``from_seq``, ``up_to_seq``, ``rows``, ``first_prev_hash``, ``last_hash``,
``rows_sha256`` (of the row lines, newlines included), ``created_at`` and ``key_id``; the
Ed25519 signature covers its canonical JSON. The same manifest and signature are stored in
``audit_archive``, which is what lets the triggers accept the DELETE of those rows, and where
``zhixin audit verify`` continues the chain from (``last_hash``).

Refused: a date less than ``ZHIXIN_AUDIT_RETENTION_DAYS`` (at least 180) days ago, a chain that
does not verify. The database refuses rows younger than 180 days by its own clock as well.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy.orm import Session

from zhixin.audit import keys as audit_keys
from zhixin.audit import repository as repo
from zhixin.audit import rules
from zhixin.audit.checkpoints import canonical_json
from zhixin.audit.models import AuditArchive, AuditEvent
from zhixin.audit.rules import GENESIS, ChainRow, Head, canonical, verify_chain
from zhixin.audit.service import Actor, record, verify
from zhixin.errors import Invalid
from zhixin.kit import clock

FORMAT = "zhixin-audit-archive/1"


def row_json(e: AuditEvent) -> dict[str, object]:
    return {
        "seq": e.seq,
        "at": e.at.isoformat(timespec="microseconds"),
        "actor_id": e.actor_id,
        "actor": e.actor,
        "tenant_id": e.tenant_id,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "ip": e.ip,
        "outcome": e.outcome,
        "detail": e.detail,
        "scheme": e.scheme,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


@dataclass(frozen=True)
class Archived:
    from_seq: int
    up_to_seq: int
    rows: int
    tmp_path: Path  # written; the caller renames it to ``path`` once the transaction commits
    path: Path


def archive(
    session: Session,
    *,
    before: date,
    out_dir: Path,
    retention_days: int,
    now: datetime,
    actor: Actor,
) -> Archived:
    """Write the rows before ``before`` to a signed file, record the archive and delete the
    rows (the triggers' one sanctioned path). The caller commits, then moves ``tmp_path`` to
    ``path`` (or deletes it when the transaction failed)."""
    cutoff_day = rules.archive_cutoff(now=now, retention_days=retention_days)
    if before > cutoff_day:
        raise Invalid(
            f"审计日志至少保留 {retention_days} 天：只能归档 {cutoff_day.isoformat()}"
            f"（含）之前的记录，不能是 {before.isoformat()}"
        )
    keys = audit_keys.current()
    private = keys.signing_key()
    checked = verify(session)
    if not checked.ok:
        raise Invalid(
            f"审计日志校验未通过（{len(checked.findings)} 处问题），拒绝归档；"
            "先运行 zhixin audit verify 查明原因"
        )
    first = repo.first_seq(session)
    cutoff = datetime.combine(before, time(0), tzinfo=clock.SHANGHAI)
    next_kept = repo.first_seq_at_or_after(session, cutoff)
    head = repo.head(session)
    if first is None or head is None:
        raise Invalid("数据库中没有审计记录可归档")
    last = (next_kept - 1) if next_kept is not None else head.last_seq
    if last < first:
        raise Invalid(f"{before.isoformat()} 之前没有尚未归档的审计记录")
    out_dir.mkdir(parents=True, exist_ok=True)
    name = f"audit-archive-{first:012d}-{last:012d}.jsonl"
    path = out_dir / name
    if path.exists():
        raise Invalid(f"{name} 已存在，不覆盖")
    tmp = out_dir / (name + ".tmp")
    rows_hash = hashlib.sha256()
    first_prev = None
    last_hash = ""
    count = 0
    with tmp.open("w", encoding="utf-8") as fh:
        seq = first
        while seq <= last:
            batch = repo.events_between(session, seq, last, 5000)
            if not batch:
                break
            for e in batch:
                if first_prev is None:
                    first_prev = e.prev_hash
                line = json.dumps(row_json(e), ensure_ascii=False, sort_keys=True) + "\n"
                fh.write(line)
                rows_hash.update(line.encode())
                last_hash = e.hash
                count += 1
            seq = batch[-1].seq + 1
            session.expunge_all()
        manifest: dict[str, object] = {
            "format": FORMAT,
            "from_seq": first,
            "up_to_seq": last,
            "rows": count,
            "first_prev_hash": first_prev or GENESIS,
            "last_hash": last_hash,
            "rows_sha256": rows_hash.hexdigest(),
            "created_at": now.isoformat(timespec="microseconds"),
            "key_id": audit_keys.key_id(private.public_key()),
        }
        text = canonical_json(manifest)
        signature = audit_keys.sign(private, text)
        fh.write(
            json.dumps({"manifest": manifest, "signature": signature}, ensure_ascii=False) + "\n"
        )
    try:
        _record_archive(session, first, last, count, last_hash, name, text, signature, now, actor)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return Archived(first, last, count, tmp, path)


def _record_archive(
    session: Session,
    first: int,
    last: int,
    count: int,
    last_hash: str,
    name: str,
    manifest: bytes,
    signature: str,
    now: datetime,
    actor: Actor,
) -> None:
    repo.add_archive(
        session,
        AuditArchive(
            from_seq=first,
            up_to_seq=last,
            last_hash=last_hash,
            rows=count,
            file_name=name,
            manifest=manifest.decode(),
            signature=signature,
            created_at=now,
        ),
    )
    repo.delete_archived(session, first, last)
    record(
        session,
        actor=actor,
        action="audit.archive",
        object_type="audit_archive",
        object_id=f"{first}-{last}",
        detail={"from_seq": first, "up_to_seq": last, "rows": count, "file": name},
    )


@dataclass(frozen=True)
class ArchiveCheck:
    rows: int
    from_seq: int
    up_to_seq: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_archive_file(path: Path) -> ArchiveCheck:
    """Check an archive file on its own: its signature (the public key), its rows' digest and
    their chain (the HMAC key)."""
    keys = audit_keys.current()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    try:
        trailer = json.loads(lines[-1])
        manifest = trailer["manifest"]
        signature = str(trailer["signature"])
        rows = [json.loads(line) for line in lines[:-1]]
    except (IndexError, ValueError, KeyError, TypeError):
        return ArchiveCheck(0, 0, 0, ["文件格式错误，无法读取"])
    problems = []
    if not audit_keys.signature_ok(keys.verify_key(), canonical_json(manifest), signature):
        problems.append("归档文件的签名无效（伪造、被改动，或不是这把密钥签的）")
    digest = hashlib.sha256("".join(lines[:-1]).encode()).hexdigest()
    if digest != manifest.get("rows_sha256") or len(rows) != manifest.get("rows"):
        problems.append("记录内容与签名清单不符（文件被改动）")
    chain = [
        ChainRow(
            r["seq"],
            r["prev_hash"],
            r["hash"],
            canonical(
                seq=r["seq"],
                at=datetime.fromisoformat(r["at"]),
                actor_id=r["actor_id"],
                actor=r["actor"],
                tenant_id=r["tenant_id"],
                action=r["action"],
                object_type=r["object_type"],
                object_id=r["object_id"],
                ip=r["ip"],
                outcome=r["outcome"],
                detail=r["detail"],
            ),
            r["scheme"],
        )
        for r in rows
    ]
    from_seq, up_to = int(manifest.get("from_seq", 0)), int(manifest.get("up_to_seq", 0))
    first_keyed = next((r.seq for r in chain if r.scheme != "sha256"), up_to + 1)
    for f in verify_chain(
        chain,
        head=Head(up_to, str(manifest.get("last_hash")), first_keyed, None),
        key=keys.hmac_key,
        start_seq=from_seq,
        start_hash=str(manifest.get("first_prev_hash")),
        sealed=False,  # the manifest's signature vouches for the end
    ):
        problems.append(f"第 {f.seq} 条：{f.problem}")
    return ArchiveCheck(len(rows), from_seq, up_to, problems)
