"""Webhooks end to end on a real database and a real HTTP receiver on localhost.

The receiver (``http.server`` in a thread) verifies every signature with ``rules.verify``,
fails the first attempts of each event with 500, dedupes by ``webhook-id`` and counts: every
publication must be processed exactly once per event id, with the retries in the delivery log.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import make_user
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User
from zhixin.accounts.permissions import Principal
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.catalog.loader import load
from zhixin.enterprises.models import Enterprise
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.evaluation import service as evaluation
from zhixin.kit.db import unit_of_work, utcnow
from zhixin.records.models import QualityRecord
from zhixin.webhooks import rules, service
from zhixin.webhooks.models import WebhookAttempt, WebhookOutbox
from zhixin.webhooks.worker import WorkerConfig, run_batch, run_once
from zhixin.whitelist import service as whitelist

AS_OF = date(2025, 6, 30)
LOOPBACK = WorkerConfig(allow_loopback=True, timeout=5.0, max_attempts=5)


# -- the receiver ----------------------------------------------------------------------------


class Receiver:
    """A bank's endpoint: verifies, fails the first ``fail_first`` tries per id, dedupes."""

    def __init__(self, fail_first: int = 2) -> None:
        self.fail_first = fail_first
        self.secrets: list[str] = []
        self.tries: Counter[str] = Counter()
        self.processed: Counter[str] = Counter()  # after dedupe: must be 1 per id
        self.bodies: dict[str, dict[str, object]] = {}
        self.bad_signatures = 0
        self.hosts: list[str] = []
        self.redirect_hits = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    code = receiver.handle(self.path, dict(self.headers.items()), body)
                self.send_response(code)
                if code == 302:
                    self.send_header("Location", f"http://127.0.0.1:{receiver.port}/hook")
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        self.hosts.append({k.lower(): v for k, v in headers.items()}.get("host", ""))
        if path == "/redirect":
            self.redirect_hits += 1
            return 302
        msg_id = None
        for secret in self.secrets:
            try:
                msg_id = rules.verify(secret, headers, body)
                break
            except rules.WebhookVerificationError:
                continue
        if msg_id is None:
            self.bad_signatures += 1
            return 400
        self.tries[msg_id] += 1
        if self.tries[msg_id] <= self.fail_first:
            return 500
        if msg_id not in self.processed:  # dedupe by webhook-id
            self.processed[msg_id] += 1
            self.bodies[msg_id] = json.loads(body)
        return 204


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.thread.start()
    yield r
    r.server.shutdown()
    r.server.server_close()


# -- a published whitelist -------------------------------------------------------------------


def _principal(factory: sessionmaker[Session], user_id: int) -> Principal:
    with unit_of_work(factory) as s:
        user = s.get(User, user_id)
        assert user is not None
        return accounts.principal_for(s, user)


def _rec(firm: Enterprise, kind: str, key: str, **fields: object) -> QualityRecord:
    return QualityRecord(
        enterprise_id=firm.id,
        kind=kind,
        natural_key=f"{firm.uscc}|{key}",
        content_hash=key.ljust(32, "0")[:32],
        source_system="test",
        known_at=datetime(2025, 1, 1, tzinfo=UTC),
        **fields,
    )


@pytest.fixture
def people(factory: sessionmaker[Session]) -> dict[str, Principal]:
    with unit_of_work(factory) as s:
        xc = Enterprise(uscc="91350200MA31234567", name="厦门矽创", kind="企业", status="存续")
        s.add(xc)
        s.flush()
        s.add_all(
            [
                _rec(xc, "contract_credit", "2023", year=2023, level="市级"),
                _rec(xc, "contract_credit", "2024", year=2024, level="市级"),
                _rec(
                    xc,
                    "certification",
                    "Q1",
                    subtype="ISO9001",
                    ref="Q1",
                    status="有效",
                    valid_from=date(2023, 1, 1),
                    valid_to=date(2026, 1, 1),
                ),
            ]
        )
    ids = {
        "maker": make_user(factory, "maker", Role.regulator),
        "checker": make_user(factory, "checker", Role.regulator),
        "bank": make_user(factory, "bank", Role.bank_officer, tenant_code="bank-a"),
        "bank2": make_user(factory, "bank2", Role.bank_approver, tenant_code="bank-a"),
        "other": make_user(factory, "other", Role.bank_officer, tenant_code="bank-b"),
    }
    return {k: _principal(factory, v) for k, v in ids.items()}


def _publish(factory: sessionmaker[Session], people: dict[str, Principal], n: int) -> list[int]:
    with unit_of_work(factory) as s:
        run_id = evaluation.evaluate_database(s, loaded=load("xiamen"), as_of=AS_OF).id
    ids = []
    for _ in range(n):
        with unit_of_work(factory) as s:
            pub = whitelist.draft_from_run(s, actor=people["maker"], run_id=run_id)
            pub_id = pub.id
        with unit_of_work(factory) as s:
            whitelist.review(s, actor=people["checker"], publication_id=pub_id, approve=True)
        ids.append(pub_id)
    return ids


def _register(
    factory: sessionmaker[Session], actor: Principal, url: str, receiver: Receiver | None = None
) -> int:
    with unit_of_work(factory) as s:
        issued = service.register(s, actor=actor, url=url, allow_loopback=True)
        if receiver is not None:
            receiver.secrets.append(issued.secret)
        return issued.endpoint.id


def _drain(factory: sessionmaker[Session], config: WorkerConfig, rounds: int = 12) -> datetime:
    """Run the worker with the clock moved past every backoff until nothing is pending."""
    clock = utcnow()
    for _ in range(rounds):
        run_once(factory, config, now=clock)
        with unit_of_work(factory) as s:
            if not s.scalars(select(WebhookOutbox).where(WebhookOutbox.status == "pending")).all():
                return clock
        clock += timedelta(seconds=rules.BACKOFF_CAP_SECONDS + 1)
    return clock


def _log(factory: sessionmaker[Session]) -> dict[str, list[int | None]]:
    with unit_of_work(factory) as s:
        rows = s.execute(
            select(WebhookOutbox.event_id, WebhookAttempt.status_code)
            .join(WebhookAttempt, WebhookAttempt.outbox_id == WebhookOutbox.id)
            .order_by(WebhookAttempt.id)
        ).all()
    log: dict[str, list[int | None]] = {}
    for event_id, code in rows:
        log.setdefault(event_id, []).append(code)
    return log


# -- tests -----------------------------------------------------------------------------------


def test_every_publication_arrives_once_per_event_id(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    ep_a = _register(factory, people["bank"], receiver.url, receiver)
    ep_b = _register(factory, people["other"], receiver.url + "?bank=b", receiver)
    pubs = _publish(factory, people, 2)
    expected = {
        rules.event_id(endpoint_id=ep, publication_id=p) for ep in (ep_a, ep_b) for p in pubs
    }
    with unit_of_work(factory) as s:  # written in the publishing transaction
        assert {r.event_id for r in s.scalars(select(WebhookOutbox))} == expected
    _drain(factory, LOOPBACK)
    assert receiver.bad_signatures == 0
    assert dict(receiver.processed) == dict.fromkeys(expected, 1)
    assert dict(receiver.tries) == dict.fromkeys(expected, 3)
    assert _log(factory) == {key: [500, 500, 204] for key in expected}
    with unit_of_work(factory) as s:
        rows = s.scalars(select(WebhookOutbox)).all()
        assert {(r.status, r.attempts, r.last_status_code) for r in rows} == {("delivered", 3, 204)}
    # the payload announces the version and where its changes start in the pull feed
    for pub_id, version in zip(pubs, (1, 2), strict=True):
        body = receiver.bodies[rules.event_id(endpoint_id=ep_a, publication_id=pub_id)]
        assert body["type"] == "whitelist.published"
        data = body["data"]
        assert isinstance(data, dict)
        assert data["version"] == version and data["as_of"] == "2025-06-30"
        assert data["catalog"]["name"] == "xiamen"
        assert data["changes"]["href"].startswith("/api/v1/whitelist/changes?since=")
        with unit_of_work(factory) as s:
            feed = whitelist.changes_since(
                s, actor=people["bank"], since=data["changes"]["since"], limit=1000
            )
        first = [c.version for c in feed.items][: data["counts"]["changes"]]
        assert first == [version] * data["counts"]["changes"]
        assert not feed.items or feed.items[0].version == version
    # the bank's delivery log through the service
    with unit_of_work(factory) as s:
        log = service.deliveries(s, actor=people["bank2"], endpoint_id=ep_a)
        assert len(log) == 2
        assert [a.status_code for a in log[0].log] == [500, 500, 204]
        assert all(a.duration_ms >= 0 and a.address == "127.0.0.1" for a in log[0].log)


def test_a_worker_that_dies_mid_delivery_loses_nothing(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    receiver.fail_first = 0
    _register(factory, people["bank"], receiver.url, receiver)
    (pub,) = _publish(factory, people, 1)
    now = utcnow()
    with unit_of_work(factory) as s:  # claimed (leased), then the process "crashes"
        assert len(service.claim(s, now=now)) == 1
    assert run_once(factory, LOOPBACK, now=now).claimed == 0  # leased: hidden
    later = now + timedelta(seconds=service.LEASE_SECONDS + 1)
    assert run_once(factory, LOOPBACK, now=later).delivered == 1
    assert list(receiver.processed.values()) == [1]
    with unit_of_work(factory) as s:
        row = s.scalars(select(WebhookOutbox)).one()
        assert (row.status, row.attempts, row.publication_id) == ("delivered", 2, pub)


def test_failed_after_max_attempts_then_manual_resend_reuses_the_event_id(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    receiver.fail_first = 100
    ep = _register(factory, people["bank"], receiver.url, receiver)
    (pub,) = _publish(factory, people, 1)
    config = WorkerConfig(allow_loopback=True, timeout=5.0, max_attempts=3)
    _drain(factory, config)
    eid = rules.event_id(endpoint_id=ep, publication_id=pub)
    assert _log(factory) == {eid: [500, 500, 500]}
    with unit_of_work(factory) as s:
        row = s.scalars(select(WebhookOutbox)).one()
        assert (row.status, row.attempts) == ("failed", 3)
        row_id = row.id
    assert run_once(factory, config, now=utcnow() + timedelta(days=30)).claimed == 0
    with pytest.raises(NotFound), unit_of_work(factory) as s:
        service.resend(s, actor=people["other"], delivery_id=row_id)
    receiver.fail_first = 0
    with unit_of_work(factory) as s:
        service.resend(s, actor=people["bank"], delivery_id=row_id)
    assert run_once(factory, config).delivered == 1
    assert dict(receiver.processed) == {eid: 1}
    # re-sending a delivered event again: same id, the receiver dedupes it
    with unit_of_work(factory) as s:
        service.resend(s, actor=people["bank2"], delivery_id=row_id)
    assert run_once(factory, config).delivered == 1
    assert dict(receiver.processed) == {eid: 1}
    with unit_of_work(factory) as s:
        (d,) = service.deliveries(s, actor=people["bank"], endpoint_id=ep)
        assert (d.event_id, d.status, d.resends) == (eid, "delivered", 2)
        assert [(a.status_code, a.manual) for a in d.log] == [
            (500, False),
            (500, False),
            (500, False),
            (204, True),
            (204, True),
        ]
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert actions.count("webhook.resend") == 2 and "webhook.register" in actions


def test_ssrf_loopback_refused_without_the_test_setting(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    _register(factory, people["bank"], receiver.url, receiver)
    _publish(factory, people, 1)
    strict = WorkerConfig(allow_loopback=False, timeout=5.0, max_attempts=1)
    summary = run_once(factory, strict)
    assert (summary.claimed, summary.failed) == (1, 1)
    assert receiver.hosts == []  # nothing was sent
    with unit_of_work(factory) as s:
        attempt = s.scalars(select(WebhookAttempt)).one()
        assert attempt.status_code is None and attempt.error
        assert "https" in attempt.error or "回环" in attempt.error


def test_connects_to_the_checked_address_not_a_second_lookup(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    receiver.fail_first = 0
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    url = f"http://hooks.bank-a.test:{receiver.port}/hook"
    _register(factory, people["bank"], url, receiver)
    _publish(factory, people, 1)
    pinned = WorkerConfig(allow_loopback=True, timeout=5.0, resolver=resolver)
    assert run_once(factory, pinned).delivered == 1
    assert lookups == ["hooks.bank-a.test"]  # resolved once, by us; the name never hit DNS
    assert receiver.hosts == [f"hooks.bank-a.test:{receiver.port}"]

    def rebinding(host: str, port: int) -> list[str]:
        return ["127.0.0.1", "10.0.0.7"]

    with unit_of_work(factory) as s:
        row = s.scalars(select(WebhookOutbox)).one()
        row_id = row.id
    with unit_of_work(factory) as s:
        service.resend(s, actor=people["bank"], delivery_id=row_id)
    mixed = WorkerConfig(allow_loopback=True, timeout=5.0, max_attempts=1, resolver=rebinding)
    assert run_once(factory, mixed).failed == 1
    with unit_of_work(factory) as s:
        last = s.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id.desc())).first()
        assert last is not None and last.error and "内网地址 10.0.0.7" in last.error


def test_redirects_are_not_followed(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    _register(factory, people["bank"], f"http://127.0.0.1:{receiver.port}/redirect", receiver)
    _publish(factory, people, 1)
    config = WorkerConfig(allow_loopback=True, timeout=5.0, max_attempts=1)
    assert run_once(factory, config).failed == 1
    assert receiver.redirect_hits == 1 and receiver.tries == Counter()
    with unit_of_work(factory) as s:
        attempt = s.scalars(select(WebhookAttempt)).one()
        assert attempt.status_code == 302 and attempt.error and "重定向" in attempt.error


def test_rotation_signs_with_old_and_new_during_the_overlap(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    receiver.fail_first = 0
    ep = _register(factory, people["bank"], receiver.url, receiver)
    old = receiver.secrets[0]
    with unit_of_work(factory) as s:
        new = service.rotate(s, actor=people["bank"], endpoint_id=ep).secret
    assert new != old
    receiver.secrets = [old]  # a receiver that has not yet switched still verifies
    _publish(factory, people, 1)
    assert run_once(factory, LOOPBACK).delivered == 1
    receiver.secrets = [new]
    _publish(factory, people, 1)
    assert run_once(factory, LOOPBACK).delivered == 1
    assert receiver.bad_signatures == 0 and len(receiver.processed) == 2
    with unit_of_work(factory) as s:  # after the overlap only the new secret signs
        endpoint = service.get_endpoint(s, actor=people["bank"], endpoint_id=ep)
        later = utcnow() + timedelta(seconds=rules.ROTATION_OVERLAP_SECONDS + 1)
        assert service.signing_secrets(endpoint, now=later) == (new,)


def test_tenants_permissions_and_refusals(
    factory: sessionmaker[Session], people: dict[str, Principal]
) -> None:
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        service.register(s, actor=people["maker"], url="https://bank.example.com/h")
    with pytest.raises(Invalid, match="https"), unit_of_work(factory) as s:
        service.register(s, actor=people["bank"], url="http://bank.example.com/h")
    with pytest.raises(Invalid, match="内网地址"), unit_of_work(factory) as s:
        service.register(s, actor=people["bank"], url="https://192.168.0.10/h")
    with pytest.raises(Invalid, match="回环"), unit_of_work(factory) as s:
        service.register(s, actor=people["bank"], url="https://127.0.0.1/h")
    with unit_of_work(factory) as s:
        ep = service.register(s, actor=people["bank"], url="https://bank.example.com/h")
        ep_id = ep.endpoint.id
    with unit_of_work(factory) as s:  # the same tenant's other officer manages it too
        assert [e.id for e in service.list_endpoints(s, actor=people["bank2"])] == [ep_id]
        assert service.list_endpoints(s, actor=people["other"]) == []
    for call in (
        lambda s: service.rotate(s, actor=people["other"], endpoint_id=ep_id),
        lambda s: service.deliveries(s, actor=people["other"], endpoint_id=ep_id),
        lambda s: service.get_endpoint(s, actor=people["other"], endpoint_id=ep_id + 999),
    ):
        with pytest.raises(NotFound), unit_of_work(factory) as s:
            call(s)


def test_concurrent_workers_claim_disjoint_rows(
    factory: sessionmaker[Session], people: dict[str, Principal], backend: str
) -> None:
    for i in range(3):
        _register(factory, people["bank"], f"https://bank.example.com/h{i}")
    _publish(factory, people, 1)
    now = utcnow()
    if backend == "sqlite":  # one writer at a time: the second claim sees the lease
        with unit_of_work(factory) as a:
            first = service.claim(a, now=now, limit=1)
        with unit_of_work(factory) as b:
            second = service.claim(b, now=now, limit=10)
    else:  # FOR UPDATE SKIP LOCKED: the second worker skips rows the first holds
        with unit_of_work(factory) as a:
            first = service.claim(a, now=now, limit=1)
            with unit_of_work(factory) as b:
                second = service.claim(b, now=now, limit=10)
    assert len(first) == 1 and len(second) == 2
    assert not {j.outbox_id for j in first} & {j.outbox_id for j in second}


def test_run_batch_reports_outcomes(
    factory: sessionmaker[Session], people: dict[str, Principal], receiver: Receiver
) -> None:
    ep = _register(factory, people["bank"], receiver.url, receiver)
    (pub,) = _publish(factory, people, 1)
    summary = run_batch(factory, LOOPBACK)
    eid = rules.event_id(endpoint_id=ep, publication_id=pub)
    assert (summary.claimed, summary.retrying, summary.outcomes) == (1, 1, [(eid, "pending")])
