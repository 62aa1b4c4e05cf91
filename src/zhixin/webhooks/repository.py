"""Every query of the webhooks domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from zhixin.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookOutbox
from zhixin.webhooks.rules import Status
from zhixin.whitelist.models import WhitelistChange


def endpoint_of_tenant(
    session: Session, *, endpoint_id: int, tenant_id: int
) -> WebhookEndpoint | None:
    return session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.tenant_id == tenant_id
        )
    )


def endpoints_of_tenant(session: Session, tenant_id: int) -> Sequence[WebhookEndpoint]:
    return session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.tenant_id == tenant_id)
        .order_by(WebhookEndpoint.id)
    ).all()


def all_endpoints(session: Session) -> Sequence[WebhookEndpoint]:
    """Every endpoint, locked for the re-encryption that rewrites their secrets."""
    return session.scalars(
        select(WebhookEndpoint).order_by(WebhookEndpoint.id).with_for_update()
    ).all()


def active_endpoints(session: Session) -> Sequence[WebhookEndpoint]:
    return session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)
    ).all()


def outbox_of_tenant(session: Session, *, outbox_id: int, tenant_id: int) -> WebhookOutbox | None:
    return session.scalar(
        select(WebhookOutbox)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookOutbox.endpoint_id)
        .where(WebhookOutbox.id == outbox_id, WebhookEndpoint.tenant_id == tenant_id)
    )


def outbox_of_endpoint(
    session: Session, endpoint_id: int, *, limit: int
) -> Sequence[WebhookOutbox]:
    return session.scalars(
        select(WebhookOutbox)
        .where(WebhookOutbox.endpoint_id == endpoint_id)
        .order_by(WebhookOutbox.id.desc())
        .limit(limit)
    ).all()


def attempts_of(session: Session, outbox_ids: Sequence[int]) -> Sequence[WebhookAttempt]:
    if not outbox_ids:
        return []
    return session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.outbox_id.in_(outbox_ids))
        .order_by(WebhookAttempt.outbox_id, WebhookAttempt.id)
    ).all()


def outbox_exists(session: Session, *, endpoint_id: int, event_id: str) -> bool:
    found = session.scalar(
        select(WebhookOutbox.id).where(
            WebhookOutbox.endpoint_id == endpoint_id, WebhookOutbox.event_id == event_id
        )
    )
    return found is not None


def claim_due(session: Session, *, now: datetime, limit: int) -> Sequence[WebhookOutbox]:
    """Due pending rows, locked so that concurrent workers take disjoint sets.

    PostgreSQL and MariaDB (10.6+) skip rows another worker holds (``FOR UPDATE SKIP LOCKED``);
    SQLite has one writer at a time, so a plain select inside the write transaction suffices.
    """
    stmt = (
        select(WebhookOutbox)
        .where(WebhookOutbox.status == Status.pending, WebhookOutbox.next_attempt_at <= now)
        .order_by(WebhookOutbox.next_attempt_at, WebhookOutbox.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name != "sqlite":
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalars(stmt).all()


def changes_before_version(session: Session, version: int) -> int:
    """The last change-log seq of the versions before ``version`` (the feed cursor to start)."""
    value = session.scalar(
        select(func.coalesce(func.max(WhitelistChange.seq), 0)).where(
            WhitelistChange.version < version
        )
    )
    return int(value or 0)


def changes_of_publication(session: Session, publication_id: int) -> int:
    value = session.scalar(
        select(func.count()).where(WhitelistChange.publication_id == publication_id)
    )
    return int(value or 0)


def take(session: Session, row: WebhookOutbox, *, lease_until: datetime) -> bool:
    """Claim ``row`` for one attempt: count the attempt and hide it until ``lease_until``.

    Guarded by the attempt count read with the row, so that of two workers that read the same
    row (possible on SQLite, where nothing is skipped) only one takes it.
    """
    result = session.execute(
        update(WebhookOutbox)
        .where(
            WebhookOutbox.id == row.id,
            WebhookOutbox.status == Status.pending,
            WebhookOutbox.attempts == row.attempts,
        )
        .values(attempts=row.attempts + 1, next_attempt_at=lease_until)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1
