"""Finding 4: anyone could lock any account (5 anonymous failures) and password spraying was
unthrottled. Now growing delays with 429 + Retry-After per account and per address, no lockout
an attacker can trigger against a user's own browser, and the security officer unlocks.
The clock is the app's (``app.state.clock``): no test sleeps."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import column, select, table
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import PASSWORD, make_user
from tests.support.web import csrf_of, login
from zhixin.accounts.rules import Role
from zhixin.audit.models import AuditEvent
from zhixin.kit.db import unit_of_work, utcnow

WRONG = "Wrong-Password-987"


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(app: FastAPI) -> Clock:
    c = Clock()
    app.state.clock = c
    return c


@pytest.fixture
def attacker(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, client=("203.0.113.66", 40000)) as c:
        yield c


def _attempt(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_an_attacker_cannot_lock_a_user_out_of_their_own_browser(
    app: FastAPI, factory: sessionmaker[Session], clock: Clock, attacker: TestClient
) -> None:
    make_user(factory, "alice", Role.regulator)
    with TestClient(app, client=("198.51.100.7", 50000)) as alice:
        login(alice, "alice")  # she has signed in on this browser before
        alice.post("/logout", data={"csrf_token": csrf_of(alice.get("/").text)})
        # a persistent attacker: every attempt the throttle lets through, for a whole day
        tried = refused = 0
        for _ in range(60):
            r = _attempt(attacker, "alice", WRONG)
            if r.status_code == 429:
                refused += 1
                clock.advance(int(r.headers["retry-after"]))
            else:
                assert r.status_code == 401
                tried += 1
        assert refused > 0 and tried > 5
        if r.status_code == 429:  # end on a counted failure: a delay is running now
            assert _attempt(attacker, "alice", WRONG).status_code == 401
        # today: locked after 5, and "the right password fails too". Now she signs in at once.
        assert _attempt(alice, "alice", PASSWORD).status_code == 303
        # ...while a browser that never signed in as her waits, as the attacker does
    with TestClient(app, client=("192.0.2.10", 50000)) as stranger:
        blocked = _attempt(stranger, "alice", PASSWORD)
        assert blocked.status_code == 429


def test_delays_grow_with_retry_after_and_a_chinese_message(
    app: FastAPI, factory: sessionmaker[Session], clock: Clock, attacker: TestClient
) -> None:
    make_user(factory, "bob", Role.bank_officer)
    for _ in range(5):  # the free failures
        assert _attempt(attacker, "bob", WRONG).status_code == 401
    waits = []
    for _ in range(6):
        r = _attempt(attacker, "bob", WRONG)
        assert r.status_code == 429
        assert "尝试次数过多" in r.text and "后再试" in r.text
        wait = int(r.headers["retry-after"])
        waits.append(wait)
        clock.advance(wait - 1)
        assert _attempt(attacker, "bob", WRONG).status_code == 429  # not a second early
        clock.advance(1)
        assert _attempt(attacker, "bob", WRONG).status_code == 401  # one more guess, then wait
    assert waits == [30, 60, 120, 240, 480, 900]
    # during a delay the right password is not even checked: no oracle for the attacker
    assert _attempt(attacker, "bob", PASSWORD).status_code == 429
    # the count is forgotten a day after the last failure
    clock.advance(86400 + 1)
    assert _attempt(attacker, "bob", PASSWORD).status_code == 303


def test_spraying_many_accounts_from_one_address_is_throttled(
    factory: sessionmaker[Session], clock: Clock, attacker: TestClient
) -> None:
    codes = [_attempt(attacker, f"user{i}", "Spring-2025-Spray!").status_code for i in range(25)]
    assert codes[:20] == [401] * 20  # unknown users cost the same as known ones
    assert codes[20] == 429  # the address has had its 20
    with unit_of_work(factory) as s:
        counts = table("login_throttle", column("scope"), column("key"), column("failures"))
        rows = s.execute(select(counts.c.key, counts.c.failures).where(counts.c.scope == "address"))
        assert [tuple(r) for r in rows] == [("203.0.113.66", 20)]


def test_the_security_officer_unlocks_and_it_is_audited(
    app: FastAPI, factory: sessionmaker[Session], clock: Clock, attacker: TestClient
) -> None:
    uid = make_user(factory, "carol", Role.regulator)
    make_user(factory, "officer", Role.security_officer)
    make_user(factory, "admin", Role.sysadmin)
    for _ in range(7):
        _attempt(attacker, "carol", WRONG)
    with TestClient(app, client=("192.0.2.20", 50000)) as fresh:
        assert _attempt(fresh, "carol", PASSWORD).status_code == 429
    with TestClient(app) as admin:
        csrf = login(admin, "admin")
        assert (
            admin.post(f"/api/v1/users/{uid}/unlock", headers={"X-CSRF-Token": csrf}).status_code
            == 403
        )
        assert admin.get("/api/v1/login-throttles").status_code == 403
    with TestClient(app) as officer:
        csrf = login(officer, "officer")
        listed = officer.get("/api/v1/login-throttles").json()
        carol = next(t for t in listed if t["scope"] == "account")
        assert (carol["key"], carol["user_id"]) == ("carol", uid)
        assert carol["blocked_until"] is not None
        page = officer.get("/admin/users")
        assert f'/admin/users/{uid}/unlock"' in page.text and "登录限制" in page.text
        resp = officer.post(f"/api/v1/users/{uid}/unlock", headers={"X-CSRF-Token": csrf})
        assert resp.status_code == 200 and resp.json()["cleared"] >= 1
        # the attacker's address is a row of its own: cleared one by one
        address = next(t for t in listed if t["scope"] == "address")
        cleared = officer.delete(
            f"/api/v1/login-throttles/{address['id']}", headers={"X-CSRF-Token": csrf}
        )
        assert cleared.status_code == 204
    with TestClient(app, client=("192.0.2.20", 50000)) as fresh:
        assert _attempt(fresh, "carol", PASSWORD).status_code == 303
    with unit_of_work(factory) as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(["login.throttle", "login.unlock"]))
        ).all()
    throttled = [e for e in events if e.action == "login.throttle"]
    unlocked = [e for e in events if e.action == "login.unlock"]
    assert [e.object_id for e in throttled] == ["carol"]
    assert throttled[0].detail == {"failures": 5, "delay_seconds": 30}
    assert [(e.actor, e.object_id) for e in unlocked] == [
        ("officer", str(uid)),
        ("officer", "203.0.113.66"),
    ]


def test_a_wrong_current_password_counts_and_the_api_answers_429(
    app: FastAPI, factory: sessionmaker[Session], clock: Clock
) -> None:
    make_user(factory, "dave", Role.guarantor)
    with TestClient(app) as dave:
        csrf = login(dave, "dave")
        codes = []
        for _ in range(7):
            r = dave.post(
                "/api/v1/me/password",
                json={"current_password": WRONG, "new_password": "Another-Secret-4821"},
                headers={"X-CSRF-Token": csrf},
            )
            codes.append(r.status_code)
        assert codes[:5] == [422] * 5 and codes[5:] == [429, 429]
        assert r.json()["detail"]["code"] == "too_many_attempts"
        assert int(r.headers["retry-after"]) == r.json()["detail"]["retry_after"] > 0
        assert re.search("尝试次数过多", r.json()["error"])
