"""Append to and verify the hash-chained audit log. Never commits."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import repository as repo
from zhixin.audit.models import AuditEvent, AuditHead
from zhixin.audit.rules import GENESIS, ChainRow, Finding, canonical, chain_hash, verify_chain
from zhixin.errors import Forbidden
from zhixin.kit.db import insert_if_absent, utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")


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


def _head(session: Session) -> tuple[int, str]:
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
) -> int:
    """Append one event; returns its seq. The head row is locked FOR UPDATE, so writers chain
    one at a time. What the caller changed in ``session`` is written first."""
    session.flush()
    last_seq, last_hash = _head(session)
    seq = last_seq + 1
    fields = {
        "seq": seq,
        "at": utcnow(),
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
    digest = chain_hash(last_hash, canonical(**fields))  # type: ignore[arg-type]
    repo.append(session, {**fields, "prev_hash": last_hash, "hash": digest})
    return seq


def _rows(session: Session, batch: int = 5000) -> Iterator[ChainRow]:
    last = 0
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
            )
        last = events[-1].seq
        session.expunge_all()


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(session: Session) -> VerifyResult:
    head = repo.head(session)
    head_seq = head.last_seq if head else 0
    head_hash = head.last_hash if head else GENESIS
    findings = verify_chain(_rows(session), head_seq=head_seq, head_hash=head_hash)
    return VerifyResult(repo.count(session), findings)


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
    return datetime.combine(day, time(0), tzinfo=SHANGHAI).astimezone(UTC)
