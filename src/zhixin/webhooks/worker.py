"""The delivery loop behind ``zhixin worker``: claim due outbox rows, send, record.

Each batch is claimed in one short transaction (rows leased, so a crashed worker's rows come
back after ``service.LEASE_SECONDS``), sent with no transaction open, and each result recorded
in its own transaction. Delivery is at-least-once; the stable ``webhook-id`` lets receivers
drop repeats.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from zhixin.config import Settings
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.webhooks import delivery, service
from zhixin.webhooks.rules import Status


@dataclass(frozen=True)
class WorkerConfig:
    allow_loopback: bool = False
    timeout: float = 10.0
    max_attempts: int = 8
    batch: int = 50
    lease_seconds: int = service.LEASE_SECONDS
    resolver: delivery.Resolver = delivery.resolve
    transport: httpx.BaseTransport | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> WorkerConfig:
        base = cls(
            allow_loopback=settings.webhook_allow_loopback,
            timeout=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
        )
        if not overrides:
            return base
        values = {**base.__dict__, **overrides}
        return cls(**values)


@dataclass
class Summary:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (event_id, status)

    def add(self, other: Summary) -> None:
        self.claimed += other.claimed
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        self.outcomes.extend(other.outcomes)


def run_batch(
    factory: sessionmaker[Session], config: WorkerConfig, *, now: datetime | None = None
) -> Summary:
    """One claim-send-record round; ``now`` lets tests move the clock past the backoff."""
    clock = now or utcnow()
    with unit_of_work(factory) as session:
        jobs = service.claim(
            session, now=clock, limit=config.batch, lease_seconds=config.lease_seconds
        )
    summary = Summary(claimed=len(jobs))
    for job in jobs:
        result = delivery.send(
            url=job.url,
            event_id=job.event_id,
            body=job.body,
            signing_secrets=job.secrets,
            allow_loopback=config.allow_loopback,
            timeout=config.timeout,
            resolver=config.resolver,
            transport=config.transport,
        )
        done_at = clock if now is not None else utcnow()
        with unit_of_work(factory) as session:
            status = service.record_attempt(
                session, job=job, result=result, now=done_at, max_attempts=config.max_attempts
            )
        summary.outcomes.append((job.event_id, status))
        if status == Status.delivered:
            summary.delivered += 1
        elif status == Status.failed:
            summary.failed += 1
        else:
            summary.retrying += 1
    return summary


def run_once(
    factory: sessionmaker[Session], config: WorkerConfig, *, now: datetime | None = None
) -> Summary:
    """Everything due now, batch after batch, then return (``zhixin worker --once``)."""
    total = Summary()
    while True:
        summary = run_batch(factory, config, now=now)
        total.add(summary)
        if summary.claimed < config.batch:
            return total


def run_forever(
    factory: sessionmaker[Session],
    config: WorkerConfig,
    *,
    stop: threading.Event,
    idle_seconds: float = 5.0,
    on_summary: object = None,
    housekeeping: Callable[[], object] | None = None,
    housekeeping_seconds: float = 60.0,
    each_cycle: Callable[[], object] | None = None,
) -> Summary:
    """Loop until ``stop`` is set (SIGINT/SIGTERM): the batch in hand finishes first.

    ``housekeeping`` (other periodic work of the worker process, e.g. marking abandoned imports)
    runs at most every ``housekeeping_seconds``; ``each_cycle`` (the quality-linkage cycle)
    runs on every turn of the loop, before the batch; errors of either never end the loop."""
    total = Summary()
    last_chores = time.monotonic()
    while not stop.is_set():
        if housekeeping is not None and time.monotonic() - last_chores >= housekeeping_seconds:
            last_chores = time.monotonic()
            with contextlib.suppress(Exception):
                housekeeping()
        if each_cycle is not None:
            with contextlib.suppress(Exception):
                each_cycle()
        try:
            summary = run_batch(factory, config)
        except Exception:  # a database hiccup must not end the loop: wait and try again
            stop.wait(idle_seconds)
            continue
        total.add(summary)
        if callable(on_summary) and summary.claimed:
            on_summary(summary)
        if summary.claimed < config.batch:
            stop.wait(idle_seconds)
    return total


def later(seconds: float, *, start: datetime | None = None) -> datetime:
    """A moment ``seconds`` after ``start`` (or now): for tests driving the clock."""
    return (start or utcnow()) + timedelta(seconds=seconds)


__all__ = ["Summary", "WorkerConfig", "later", "run_batch", "run_forever", "run_once"]
