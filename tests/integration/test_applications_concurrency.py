"""Two approvals at once, on a real database (SQLite, PostgreSQL, MariaDB): one approval and one
409 with a Chinese message, and the loser leaves no trace (optimistic lock on ``version``)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_applications import build_world, run, submit, to_pending_approval
from zhixin.applications import service, workflow
from zhixin.applications.models import Application, ApplicationEvent
from zhixin.applications.rules import Action
from zhixin.applications.workflow import STALE
from zhixin.audit.models import AuditEvent
from zhixin.errors import Conflict
from zhixin.kit.db import unit_of_work


def test_two_approvals_at_once_yield_one_approval_and_one_409(
    factory: sessionmaker[Session],
) -> None:
    w = build_world(factory)
    app_id = submit(w, "owner-a", date(2025, 1, 23))
    to_pending_approval(w, app_id, date(2025, 1, 24))
    people = {u: w.who(u) for u in ("approver", "approver2")}
    both_read = threading.Barrier(2, timeout=30)
    outcome: dict[str, str] = {}

    def approve(user: str) -> None:
        try:
            with unit_of_work(factory) as s:
                # each reads the application (pending approval, same version) before either
                # writes: the state machine lets both through, only the lock can stop one
                seen = service.get(s, actor=people[user], application_id=app_id)
                assert seen.state == "pending_approval"
                both_read.wait()
                workflow.move(
                    s,
                    Action.approve,
                    actor=people[user],
                    application_id=app_id,
                    on=date(2025, 1, 27),
                )
            outcome[user] = "approved"
        except Conflict as exc:
            outcome[user] = exc.message

    threads = [threading.Thread(target=approve, args=(u,)) for u in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcome.values()) == sorted(["approved", STALE])
    assert STALE == "该申请刚被他人处理（版本已变化），本次操作未生效，请刷新页面后查看最新状态"
    winner = next(u for u, v in outcome.items() if v == "approved")
    with unit_of_work(factory) as s:
        app = s.get(Application, app_id)
        assert app is not None and app.state == "approved"
        assert app.decided_by_id == w.ids[winner]
        approvals = s.scalar(
            select(func.count())
            .select_from(ApplicationEvent)
            .where(ApplicationEvent.application_id == app_id, ApplicationEvent.action == "approve")
        )
        audited = s.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "application.approve")
        )
        assert approvals == 1 and audited == 1


def test_a_late_second_approval_is_refused_by_the_state(factory: sessionmaker[Session]) -> None:
    w = build_world(factory)
    app_id = submit(w, "owner-a", date(2025, 1, 23))
    to_pending_approval(w, app_id, date(2025, 1, 24))
    run(w, Action.approve, "approver", app_id)
    with pytest.raises(Conflict, match="该申请已处于「已批准」状态，不能再批准"):
        run(w, Action.approve, "approver2", app_id)
    # a page that still shows the old version is told so before anything is tried
    with pytest.raises(Conflict, match="版本已变化"):
        run(w, Action.contract, "officer", app_id, version=1)
