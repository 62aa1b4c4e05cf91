"""A whitelist draft approved by 20 requests at once is published once (issue 15, item 12), on
SQLite, PostgreSQL and MariaDB: one version number used, one change-log sequence, one audit
entry, one webhook announcement; the 19 others are refused with a Chinese 409."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_whitelist import _principal, _run
from tests.integration.test_whitelist import world as world  # the whitelist world fixture
from tests.support.people import make_user
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.errors import Conflict
from zhixin.kit.db import unit_of_work
from zhixin.webhooks import service as webhooks
from zhixin.webhooks.models import WebhookOutbox
from zhixin.whitelist import service as whitelist
from zhixin.whitelist.models import WhitelistChange, WhitelistHead, WhitelistPublication

REVIEWS = 20


def test_twenty_approvals_at_once_publish_one_version(
    factory: sessionmaker[Session], world: dict[str, int]
) -> None:
    maker = _principal(factory, world["maker"])
    checker = _principal(factory, world["checker"])
    bank_admin = _principal(factory, make_user(factory, "bank-hooks", Role.bank_officer))
    with unit_of_work(factory) as s:
        webhooks.register(s, actor=bank_admin, url="https://bank.example/hooks")
    run_id = _run(factory)
    with unit_of_work(factory) as s:
        draft_id = whitelist.draft_from_run(s, actor=maker, run_id=run_id).id
    start = threading.Barrier(REVIEWS, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve() -> None:
        start.wait()
        try:
            with unit_of_work(factory) as s:
                pub = whitelist.review(s, actor=checker, publication_id=draft_id, approve=True)
                result = f"published v{pub.version}"
        except Conflict as exc:
            result = exc.message
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve) for _ in range(REVIEWS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == REVIEWS
    assert outcomes.count("published v1") == 1, outcomes
    assert sorted(set(outcomes) - {"published v1"}) == ["该版本当前状态为“已发布”，不能再复核"], (
        outcomes
    )
    with unit_of_work(factory) as s:
        pubs = s.scalars(select(WhitelistPublication)).all()
        assert [(p.id, p.status, p.version) for p in pubs] == [(draft_id, "published", 1)]
        head = s.get(WhitelistHead, 1)
        assert head is not None and head.last_version == 1
        changes = s.scalars(select(WhitelistChange.seq).order_by(WhitelistChange.seq)).all()
        assert changes == list(range(1, head.last_seq + 1)) and head.last_seq == pubs[0].entries
        audited = s.execute(
            select(AuditEvent.action, func.count())
            .where(AuditEvent.action.in_(["whitelist.review", "whitelist.publish"]))
            .group_by(AuditEvent.action)
        ).all()
        assert dict(audited) == {"whitelist.review": 1, "whitelist.publish": 1}
        outbox = s.scalars(select(WebhookOutbox)).all()
        assert len(outbox) == 1 and outbox[0].publication_id == draft_id
        assert '"version":1' in outbox[0].body
