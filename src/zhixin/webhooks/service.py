"""Webhook use cases: endpoints (register, list, rotate), the outbox (enqueue on publication,
claim and record for the worker), the delivery log and manual re-sends. Never commits: the
request dependency, the CLI or the worker's unit of work does.

A bank manages its own tenant's endpoints only; another tenant's endpoint or delivery raises
``NotFound`` exactly like a missing one.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import get_settings
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit import crypto
from zhixin.kit.crypto import DataCipher
from zhixin.kit.db import utcnow
from zhixin.webhooks import repository as repo
from zhixin.webhooks import rules
from zhixin.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookOutbox
from zhixin.webhooks.schemas import AttemptOut, DeliveryOut
from zhixin.whitelist import rules as whitelist_rules
from zhixin.whitelist.models import WhitelistPublication

EVENT_PUBLISHED = "whitelist.published"
CHANGES_PATH = "/api/v1/whitelist/changes"
ENTERPRISE = "enterprise"  # the tenant kind whose endpoints get only its own loans' events
LEASE_SECONDS = 120  # a claimed row is hidden this long; a crashed worker's row comes back


def _require(actor: Principal) -> None:
    if not actor.can(Permission.webhook_manage):
        raise Forbidden()


@dataclass(frozen=True)
class Issued:
    """An endpoint and its new secret: shown once (register, rotate)."""

    endpoint: WebhookEndpoint
    secret: str


# -- endpoints -------------------------------------------------------------------------------


def register(
    session: Session,
    *,
    actor: Principal,
    url: str,
    description: str = "",
    allow_loopback: bool = False,
) -> Issued:
    _require(actor)
    try:
        rules.check_url(url, allow_loopback=allow_loopback)
    except rules.Refused as exc:
        raise Invalid(str(exc)) from exc
    secret = rules.new_secret()
    endpoint = WebhookEndpoint(
        tenant_id=actor.tenant_id,
        url=url.strip(),
        description=description.strip()[:200] or None,
        secret=seal(secret),
        active=True,
        created_by_id=actor.user_id,
        created_at=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="webhook.register",
        object_type="webhook_endpoint",
        object_id=endpoint.id,
        detail={"url": endpoint.url},
    )
    return Issued(endpoint, secret)


def list_endpoints(session: Session, *, actor: Principal) -> list[WebhookEndpoint]:
    _require(actor)
    return list(repo.endpoints_of_tenant(session, actor.tenant_id))


def get_endpoint(session: Session, *, actor: Principal, endpoint_id: int) -> WebhookEndpoint:
    _require(actor)
    endpoint = repo.endpoint_of_tenant(session, endpoint_id=endpoint_id, tenant_id=actor.tenant_id)
    if endpoint is None:
        raise NotFound("未找到该推送端点 / endpoint not found")
    return endpoint


def rotate(session: Session, *, actor: Principal, endpoint_id: int) -> Issued:
    """A new secret; the old one keeps signing (alongside) for ROTATION_OVERLAP_SECONDS."""
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    now = utcnow()
    secret = rules.new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_expires_at = now + timedelta(seconds=rules.ROTATION_OVERLAP_SECONDS)
    endpoint.secret = seal(secret)
    endpoint.rotated_at = now
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="webhook.rotate",
        object_type="webhook_endpoint",
        object_id=endpoint.id,
        detail={"overlap_seconds": rules.ROTATION_OVERLAP_SECONDS},
    )
    return Issued(endpoint, secret)


def signing_secrets(endpoint: WebhookEndpoint, *, now: datetime) -> tuple[str, ...]:
    """The secrets that sign now, decrypted (the current one, and the previous one during a
    rotation's overlap)."""
    if (
        endpoint.previous_secret
        and endpoint.previous_expires_at is not None
        and endpoint.previous_expires_at > now
    ):
        return (unseal(endpoint.secret), unseal(endpoint.previous_secret))
    return (unseal(endpoint.secret),)


# -- secrets at rest -------------------------------------------------------------------------
# Stored encrypted with the data key (kit.crypto: Fernet, ZHIXIN_DATA_KEY, newest key first).
# A row written before encryption holds "whsec_…" in the clear: read as it is, and encrypted by
# `zhixin webhooks reencrypt`, which also moves every secret to the newest key after a rotation.


def _cipher() -> DataCipher:
    return crypto.cipher(get_settings().data_keys)


def seal(secret: str) -> str:
    return _cipher().encrypt(secret)


def unseal(stored: str) -> str:
    if stored.startswith(rules.SECRET_PREFIX):  # written before encryption at rest
        return stored
    return _cipher().decrypt(stored)


@dataclass(frozen=True)
class Reencrypted:
    endpoints: int
    values: int  # secrets rewritten (plaintext encrypted, or moved to the newest key)


def reencrypt(session: Session) -> Reencrypted:
    """Encrypt every webhook secret with the newest data key (after a key rotation, or once
    after upgrading from plaintext secrets). Audited; idempotent."""
    c = _cipher()
    endpoints = rewritten = 0
    for endpoint in repo.all_endpoints(session):
        endpoints += 1
        for attr in ("secret", "previous_secret"):
            stored = getattr(endpoint, attr)
            if stored is None or (
                not stored.startswith(rules.SECRET_PREFIX) and c.is_current(stored)
            ):
                continue
            setattr(endpoint, attr, c.encrypt(unseal(stored)))
            rewritten += 1
    session.flush()
    audit.record(
        session,
        actor=Actor.system("cli"),
        action="webhook.reencrypt",
        object_type="webhook_endpoint",
        detail={"endpoints": endpoints, "rewritten": rewritten},
    )
    return Reencrypted(endpoints, rewritten)


# -- the outbox ------------------------------------------------------------------------------


def publication_payload(session: Session, publication: WhitelistPublication) -> dict[str, object]:
    """What a bank is told: the version, its basis and counts, and where its changes start."""
    assert publication.version is not None, "only a published version is announced"
    since = whitelist_rules.change_cursor(repo.changes_before_version(session, publication.version))
    return {
        "type": EVENT_PUBLISHED,
        "timestamp": (publication.published_at or utcnow()).isoformat(),
        "data": {
            "publication_id": publication.id,
            "version": publication.version,
            "kind": publication.kind,
            "urgent": publication.urgent,
            "as_of": publication.as_of.isoformat(),
            "catalog": {
                "name": publication.catalog_name,
                "version": publication.catalog_version,
                "sha256": publication.catalog_sha256,
            },
            "counts": {
                "enterprises": publication.enterprises,
                "entries": publication.entries,
                "changes": repo.changes_of_publication(session, publication.id),
            },
            "changes": {"since": since, "href": f"{CHANGES_PATH}?since={since}"},
            "entries": {"href": f"/api/v1/whitelist/versions/{publication.version}/entries"},
        },
    }


def enqueue_publication(session: Session, *, publication: WhitelistPublication) -> int:
    """One outbox row per active endpoint of the financial side (an enterprise's endpoint gets
    its own loans' events, not the whitelist feed, which it does not read), in the publishing
    transaction. Idempotent."""
    endpoints = repo.active_endpoints(session)
    if endpoints:
        kinds = accounts.tenant_kinds(session, {e.tenant_id for e in endpoints})
        endpoints = [e for e in endpoints if kinds.get(e.tenant_id, ("", None))[0] != ENTERPRISE]
    if not endpoints:
        return 0
    body = json.dumps(
        publication_payload(session, publication),
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    now = utcnow()
    added = 0
    for endpoint in endpoints:
        eid = rules.event_id(endpoint_id=endpoint.id, publication_id=publication.id)
        if repo.outbox_exists(session, endpoint_id=endpoint.id, event_id=eid):
            continue
        session.add(
            WebhookOutbox(
                endpoint_id=endpoint.id,
                event_id=eid,
                event_type=EVENT_PUBLISHED,
                publication_id=publication.id,
                body=body,
                status=rules.Status.pending,
                attempts=0,
                resends=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        added += 1
    session.flush()
    return added


@dataclass(frozen=True)
class Event:
    """An event for one tenant's endpoints (a loan's bank: linkage events) and, with
    ``enterprise_id``, for the endpoints of that enterprise's own tenant (the borrower: the
    events of its own lines, never another enterprise's). ``key`` makes the event id stable
    (receivers dedupe); the same key twice adds nothing."""

    tenant_id: int
    event_type: str
    key: str
    data: dict[str, object]
    enterprise_id: int | None = None


def enqueue_events(session: Session, events: list[Event]) -> int:
    """One outbox row per active endpoint of each event's tenant and of its enterprise's own
    tenant, in the caller's transaction."""
    if not events:
        return 0
    by_tenant: dict[int, list[WebhookEndpoint]] = {}
    for e in repo.active_endpoints(session):
        by_tenant.setdefault(e.tenant_id, []).append(e)
    if not by_tenant:
        return 0
    by_enterprise: dict[int, list[WebhookEndpoint]] = {}
    for tid, (kind, owner) in accounts.tenant_kinds(session, by_tenant).items():
        if kind == ENTERPRISE and owner is not None:
            by_enterprise.setdefault(owner, []).extend(by_tenant.pop(tid))
    now = utcnow()
    added = 0
    for ev in events:
        endpoints = by_tenant.get(ev.tenant_id, [])
        if ev.enterprise_id is not None:
            endpoints = endpoints + by_enterprise.get(ev.enterprise_id, [])
        if not endpoints:
            continue
        body = json.dumps(
            {"type": ev.event_type, "timestamp": now.isoformat(), "data": ev.data},
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
            default=str,
        )
        for endpoint in endpoints:
            eid = f"msg_{ev.key}_ep{endpoint.id}"[:64]
            if repo.outbox_exists(session, endpoint_id=endpoint.id, event_id=eid):
                continue
            session.add(
                WebhookOutbox(
                    endpoint_id=endpoint.id,
                    event_id=eid,
                    event_type=ev.event_type,
                    publication_id=None,
                    body=body,
                    status=rules.Status.pending,
                    attempts=0,
                    resends=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            added += 1
    session.flush()
    return added


def deliveries(
    session: Session, *, actor: Principal, endpoint_id: int, limit: int = 100
) -> list[DeliveryOut]:
    """The endpoint's recent events, each with its attempts (the delivery log)."""
    endpoint = get_endpoint(session, actor=actor, endpoint_id=endpoint_id)
    rows = repo.outbox_of_endpoint(session, endpoint.id, limit=limit)
    log: dict[int, list[AttemptOut]] = {}
    for a in repo.attempts_of(session, [r.id for r in rows]):
        log.setdefault(a.outbox_id, []).append(AttemptOut.model_validate(a))
    return [
        DeliveryOut.model_validate(r).model_copy(update={"log": log.get(r.id, [])}) for r in rows
    ]


def resend(session: Session, *, actor: Principal, delivery_id: int) -> WebhookOutbox:
    """Queue the event again, now, with the same event id and body (receivers dedupe)."""
    _require(actor)
    row = repo.outbox_of_tenant(session, outbox_id=delivery_id, tenant_id=actor.tenant_id)
    if row is None:
        raise NotFound("未找到该投递记录 / delivery not found")
    previous = row.status
    row.status = rules.Status.pending
    row.attempts = 0
    row.resends += 1
    row.next_attempt_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="webhook.resend",
        object_type="webhook_outbox",
        object_id=row.id,
        detail={"event_id": row.event_id, "previous_status": previous},
    )
    return row


# -- the worker's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One claimed attempt, detached from the session: delivered outside any transaction."""

    outbox_id: int
    url: str
    event_id: str
    body: bytes
    attempt: int
    secrets: tuple[str, ...]
    manual: bool


def claim(
    session: Session, *, now: datetime, limit: int = 50, lease_seconds: int = LEASE_SECONDS
) -> list[Job]:
    """Take due rows (FOR UPDATE SKIP LOCKED where the database has it) and lease them."""
    lease_until = now + timedelta(seconds=lease_seconds)
    jobs: list[Job] = []
    for row in repo.claim_due(session, now=now, limit=limit):
        endpoint = session.get(WebhookEndpoint, row.endpoint_id)
        if endpoint is None:  # pragma: no cover - a cascading foreign key guards it
            continue
        if not repo.take(session, row, lease_until=lease_until):
            continue
        jobs.append(
            Job(
                outbox_id=row.id,
                url=endpoint.url,
                event_id=row.event_id,
                body=row.body.encode("utf-8"),
                attempt=row.attempts + 1,
                secrets=signing_secrets(endpoint, now=now),
                manual=row.resends > 0,
            )
        )
    session.flush()
    return jobs


def record_attempt(
    session: Session,
    *,
    job: Job,
    result: rules.AttemptResult,
    now: datetime,
    max_attempts: int,
    rand: Callable[[], float] = random.random,
) -> str:
    """Log the attempt and move the row on: delivered, retried later, or failed."""
    session.add(
        WebhookAttempt(
            outbox_id=job.outbox_id,
            attempt=job.attempt,
            at=now,
            status_code=result.status_code,
            error=result.error[:500] if result.error else None,
            duration_ms=result.duration_ms,
            address=result.address,
            manual=job.manual,
        )
    )
    row = session.get(WebhookOutbox, job.outbox_id, populate_existing=True)
    if row is None:  # pragma: no cover - deleted with its endpoint meanwhile
        session.flush()
        return rules.Status.failed
    outcome = rules.after_attempt(
        ok=result.ok, attempt=job.attempt, max_attempts=max_attempts, rand=rand
    )
    row.status = outcome.status
    row.last_status_code = result.status_code
    row.last_error = result.error[:500] if result.error else None
    if outcome.status == rules.Status.delivered:
        row.delivered_at = now
    elif outcome.retry_in is not None:
        row.next_attempt_at = now + timedelta(seconds=outcome.retry_in)
    session.flush()
    return outcome.status
