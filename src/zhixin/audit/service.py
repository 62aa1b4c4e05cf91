"""Append to and verify the keyed, chained audit log. Never commits.

Checkpoints and archives (the evidence kept outside the database) are in
``audit.checkpoints`` and ``audit.archive``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import keys as audit_keys
from zhixin.audit import repository as repo
from zhixin.audit.models import AuditArchive, AuditEvent, AuditHead
from zhixin.audit.rules import (
    GENESIS,
    ChainRow,
    Finding,
    Head,
    canonical,
    chain_hash,
    head_seal,
    seal_problem,
    verify_chain,
)
from zhixin.config import ConfigError
from zhixin.errors import Forbidden
from zhixin.kit import clock
from zhixin.kit.db import insert_if_absent, utcnow


@dataclass(frozen=True)
class Actor:
    """Who did it, from where: a principal, or a named system process (CLI, worker)."""

    id: int | None
    name: str
    tenant_id: int | None = None
    ip: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.user_id, principal.username, principal.tenant_id, principal.ip)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(None, name)


def _head(session: Session) -> tuple[int, str, int | None, str | None]:
    head = repo.head_for_update(session)
    if head is None:  # the first append: several writers may get here at once
        insert_if_absent(session, AuditHead, {"id": 1, "last_seq": 0, "last_hash": GENESIS})
        head = repo.head_for_update(session)
        assert head is not None
    return head


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    outcome: str = "success",
    detail: dict[str, object] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one event; returns its seq. The head row is locked FOR UPDATE, so writers chain
    one at a time. What the caller changed in ``session`` is written first.

    The row is hashed with the process's audit key (``audit.keys.current``) under the
    configured scheme, and the head is sealed again with the same key — but only when its seal
    held: a head whose seal is missing or wrong (cut, downgraded, or a different key) is never
    sealed by an ordinary append, so ``verify`` keeps reporting it until someone looks
    (:func:`reseal`). ``at`` defaults to now (tests pass a past time)."""
    keys = audit_keys.current()
    session.flush()
    last_seq, last_hash, keyed_from, seal = _head(session)
    held = last_seq == 0 or (
        seal is not None
        and seal_problem(Head(last_seq, last_hash, keyed_from, seal), keys.hmac_key) is None
    )
    seq = last_seq + 1
    fields = {
        "seq": seq,
        "at": at or utcnow(),
        "actor_id": actor.id,
        "actor": actor.name,
        "tenant_id": actor.tenant_id,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "ip": actor.ip,
        "outcome": outcome,
        "detail": detail or {},
    }
    text = canonical(**fields)  # type: ignore[arg-type]
    digest = chain_hash(last_hash, text, keys.scheme, keys.hmac_key)
    keyed_from = seq if keyed_from is None else keyed_from
    new_seal = (
        head_seal(keys.scheme, keys.hmac_key, seq=seq, hash=digest, keyed_from=keyed_from)
        if held
        else None
    )
    repo.append(
        session,
        {**fields, "scheme": keys.scheme, "prev_hash": last_hash, "hash": digest},
        keyed_from=keyed_from,
        seal=new_seal,
    )
    return seq


def reseal(session: Session, *, actor: Actor, reason: str) -> int:
    """Seal a head whose seal no longer holds, after someone has looked (``zhixin audit
    reseal``): appends an ``audit.reseal`` event naming the reason and what verification found,
    then seals the head over it. The findings stay visible in that event; signed checkpoints
    taken before still expose any rewrite. Returns the event's seq."""
    keys = audit_keys.current()
    found = verify(session)
    seq = record(
        session,
        actor=actor,
        action="audit.reseal",
        detail={
            "reason": reason[:200],
            "findings": len(found.findings),
            "first_findings": [f"{f.seq}: {f.problem}" for f in found.findings[:5]],
        },
    )
    head = repo.head(session)
    assert head is not None
    keyed_from = head.keyed_from if head.keyed_from is not None else seq
    head.keyed_from = keyed_from
    head.seal = head_seal(
        keys.scheme, keys.hmac_key, seq=head.last_seq, hash=head.last_hash, keyed_from=keyed_from
    )
    session.flush()
    return seq


def _rows(session: Session, start_seq: int = 1, batch: int = 5000) -> Iterator[ChainRow]:
    last = start_seq - 1
    while True:
        events = repo.events_after(session, last, batch)
        if not events:
            return
        for e in events:
            yield ChainRow(
                e.seq,
                e.prev_hash,
                e.hash,
                canonical(
                    seq=e.seq,
                    at=e.at,
                    actor_id=e.actor_id,
                    actor=e.actor,
                    tenant_id=e.tenant_id,
                    action=e.action,
                    object_type=e.object_type,
                    object_id=e.object_id,
                    ip=e.ip,
                    outcome=e.outcome,
                    detail=e.detail,
                ),
                e.scheme,
            )
        last = events[-1].seq
        session.expunge_all()


@dataclass(frozen=True)
class VerifyResult:
    checked: int  # rows in the database
    findings: list[Finding]
    archived: int = 0  # rows taken out by archives (their files are checked on their own)
    head_seq: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(session: Session) -> VerifyResult:
    """Check the chain in the database with the process's audit key: from the genesis, or from
    where the last archive ended once that archive's signature and continuity hold."""
    keys = audit_keys.current()
    stored = repo.head(session)
    head = (
        Head(stored.last_seq, stored.last_hash, stored.keyed_from, stored.seal)
        if stored
        else Head(0, GENESIS)
    )
    findings, start_seq, start_hash, archived = _archives(session, keys)
    findings += verify_chain(
        _rows(session, start_seq),
        head=head,
        key=keys.hmac_key,
        start_seq=start_seq,
        start_hash=start_hash,
    )
    return VerifyResult(repo.count(session), findings, archived, head.seq)


def archive_manifest(archive: AuditArchive) -> dict[str, object]:
    manifest: dict[str, object] = json.loads(archive.manifest)
    return manifest


def _archives(session: Session, keys: audit_keys.AuditKeys) -> tuple[list[Finding], int, str, int]:
    """Findings about the archives (signature, continuity), and where the rows still in the
    database start: (findings, first seq, the hash before it, rows archived)."""
    findings: list[Finding] = []
    start_seq, start_hash, archived = 1, GENESIS, 0
    archives = repo.archives(session)
    if not archives:
        return findings, start_seq, start_hash, archived
    try:
        public = keys.verify_key()
    except ConfigError as exc:
        return [Finding(archives[-1].up_to_seq, f"无法核对归档的签名：{exc}")], 1, GENESIS, 0
    for a in archives:
        manifest = archive_manifest(a)
        signed = (
            audit_keys.signature_ok(public, a.manifest.encode(), a.signature)
            and manifest.get("from_seq") == a.from_seq
            and manifest.get("up_to_seq") == a.up_to_seq
            and manifest.get("last_hash") == a.last_hash
            and manifest.get("first_prev_hash") == start_hash
        )
        if not signed:
            findings.append(
                Finding(a.up_to_seq, f"第 {a.from_seq}–{a.up_to_seq} 条的归档记录签名无效或被改动")
            )
        if a.from_seq != start_seq:
            findings.append(Finding(start_seq, f"归档不连续：应从第 {start_seq} 条开始"))
        archived += a.up_to_seq - a.from_seq + 1
        start_seq, start_hash = a.up_to_seq + 1, a.last_hash
    return findings, start_seq, start_hash, archived


def list_events(
    session: Session,
    *,
    actor: Principal,
    limit: int = 100,
    before_seq: int | None = None,
    action: str | None = None,
    who: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Sequence[AuditEvent]:
    """The newest events first, for the auditor. ``action`` is one action (``data.export``)
    or, ending in ``.`` or ``*``, every action it begins (``data.``, ``record.*``); ``who`` is
    an actor's user name; ``since``/``until`` are days in Beijing time, both included."""
    if not actor.can(Permission.audit_read):
        raise Forbidden("只有审计员可以查看审计日志（三权分立）")
    exact, prefix = action or None, None
    if action and action.endswith(("*", ".")):
        exact, prefix = None, action.rstrip("*")
    return repo.latest(
        session,
        limit=min(limit, 500),
        before_seq=before_seq,
        action=exact,
        action_prefix=prefix or None,
        actor=who or None,
        at_from=_day_start(since) if since else None,
        at_to=_day_start(until + timedelta(days=1)) if until else None,
    )


def _day_start(day: date) -> datetime:
    """The first moment of ``day`` in Beijing time, in UTC (the log stores UTC)."""
    return datetime.combine(day, time(0), tzinfo=clock.SHANGHAI).astimezone(UTC)


def events_about(
    session: Session,
    *,
    object_type: str,
    object_id: object,
    actions: Sequence[str],
    limit: int = 200,
) -> Sequence[AuditEvent]:
    """The newest events of ``actions`` about one object (an enterprise's access log: who took
    its data). No permission check: the calling service has made it."""
    return repo.on_object(
        session,
        object_type=object_type,
        object_id=str(object_id),
        actions=actions,
        limit=min(limit, 1000),
    )
