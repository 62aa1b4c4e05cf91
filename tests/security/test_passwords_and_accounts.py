"""Finding 9: no common-password list or context words, long lowercase passphrases refused,
usernames unique only byte for byte (``pwtest1``, ``PWTEST1``, ``ｐｗｔｅｓｔ1`` were three
users), no change-password page or API, no maximum age for privileged roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import PASSWORD, make_user
from tests.support.web import csrf_of, login
from zhixin.accounts import service as accounts
from zhixin.accounts.models import User, WebSession
from zhixin.accounts.rules import PasswordPolicy, Role, TenantKind
from zhixin.audit.models import AuditEvent
from zhixin.config import Settings
from zhixin.errors import Conflict, Invalid
from zhixin.kit.db import unit_of_work, utcnow


def _create(
    factory: sessionmaker[Session],
    username: str,
    password: str = PASSWORD,
    *,
    tenant_name: str = "厦门市市场监督管理局",
) -> int:
    with unit_of_work(factory) as s:
        tenant = accounts.get_or_create_tenant(
            s, code="amr-xm", name=tenant_name, kind=TenantKind.regulator
        )
        return accounts.create_user(
            s,
            tenant=tenant,
            username=username,
            display_name=username,
            password=password,
            roles=[Role.regulator],
            policy=PasswordPolicy(),
        ).id


@pytest.mark.parametrize(
    "password",
    [
        "Password123!",  # 12 characters, 4 classes: accepted before, the most common there is
        "P@ssw0rd2025",
        "Qwerty123456!",
        "Woaini1314!!",
        "Zhixin-Credit-2025",  # the platform's name
        "Zengxin-Rongzi-88",
        "质量第一-Quality-2025",
        "厦门市市场监督管理局-Pw-1",  # the tenant's name
        "Pwtest1-is-My-Name",  # the username
    ],
)
def test_common_and_context_passwords_are_refused(
    factory: sessionmaker[Session], password: str
) -> None:
    with pytest.raises(Invalid) as refused:
        _create(factory, "pwtest1", password)
    assert "密码不符合安全策略" in refused.value.message and password not in refused.value.message


@pytest.mark.parametrize(
    "password",
    [
        "correct horse battery staple",  # a lowercase passphrase (refused before: one class)
        "the quick brown fox jumps over the lazy dog while the cat sleeps in the sun",
        "x" * 0 + "春眠不觉晓处处闻啼鸟夜来风雨声花落知多少",  # 20 Chinese characters
    ],
)
def test_long_passphrases_need_no_character_classes(
    factory: sessionmaker[Session], password: str
) -> None:
    assert len(password) >= 20
    _create(factory, "pwtest1", password)


def test_a_64_character_passphrase_signs_in(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    passphrase = "a long lowercase passphrase that anyone could type with ease ok"
    assert len(passphrase) == 63
    passphrase += "!"
    _create(factory, "pwtest1", passphrase)
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "pwtest1", "password": passphrase, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_usernames_are_unique_after_nfkc_and_case_folding(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    _create(factory, "pwtest1")
    for twin in ("PWTEST1", "ｐｗｔｅｓｔ1", " PwTest1 ", "ＰＷＴＥＳＴ１"):
        with pytest.raises(Conflict):
            _create(factory, twin)
    with unit_of_work(factory) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 1
    for typed in ("PWTEST1", "ｐｗｔｅｓｔ1"):  # one user, however the name is typed
        page = client.get("/login")
        r = client.post(
            "/login",
            data={"username": typed, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303
        assert client.get("/api/v1/me").json()["username"] == "pwtest1"
    with pytest.raises(Invalid, match="控制字符"):
        _create(factory, "pw\u202etest")


def test_change_password_page_and_api(
    app: FastAPI, client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "reg", Role.regulator)
    csrf = login(client, "reg")
    with TestClient(app) as other:  # a second browser of the same user
        login(other, "reg")
        refused = client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "Password123!"},
            headers={"X-CSRF-Token": csrf},
        )
        assert refused.status_code == 422
        assert refused.json()["detail"]["code"] == "password_refused"
        assert any("常见" in p for p in refused.json()["detail"]["problems"])
        wrong = client.post(
            "/api/v1/me/password",
            json={"current_password": "Not-The-Password-1", "new_password": "Silver-Lantern-728"},
            headers={"X-CSRF-Token": csrf},
        )
        assert wrong.status_code == 422 and "当前密码不正确" in wrong.json()["error"]
        ok = client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "Silver-Lantern-728"},
            headers={"X-CSRF-Token": csrf},
        )
        assert ok.status_code == 204
        assert other.get("/api/v1/me").status_code == 401  # every session ended
    assert client.get("/api/v1/me").status_code == 401
    login(client, "reg", "Silver-Lantern-728")
    # the page: a form, every problem listed, the browser stays signed in after a change
    page = client.get("/account/password")
    assert page.status_code == 200 and 'name="current"' in page.text
    bad = client.post(
        "/account/password",
        data={
            "current": "Silver-Lantern-728",
            "new": "short",
            "confirm": "short",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert bad.status_code == 422 and "至少 12 位" in bad.text
    good = client.post(
        "/account/password",
        data={
            "current": "Silver-Lantern-728",
            "new": "an easy to remember passphrase",
            "confirm": "an easy to remember passphrase",
            "csrf_token": csrf_of(page.text),
        },
    )
    assert good.status_code == 200 and 'id="password-changed"' in good.text
    assert client.get("/api/v1/me").status_code == 200
    with unit_of_work(factory) as s:
        outcomes = s.scalars(
            select(AuditEvent.outcome)
            .where(AuditEvent.action == "password.change")
            .order_by(AuditEvent.seq)
        ).all()
        assert s.scalar(select(func.count()).select_from(WebSession)) == 1
    assert outcomes == ["failure", "failure", "success", "failure", "success"]


def test_privileged_passwords_expire_and_must_be_changed_at_login(
    client: TestClient, factory: sessionmaker[Session], settings: Settings
) -> None:
    assert settings.password_max_age_days == 90
    make_user(factory, "sec", Role.security_officer)
    make_user(factory, "banker", Role.bank_officer)  # not privileged: no maximum age
    with unit_of_work(factory) as s:
        s.execute(update(User).values(password_changed_at=utcnow() - timedelta(days=91)))
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": "sec", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/account/password?expired=1"
    api = client.get("/api/v1/users")
    assert api.status_code == 403 and api.json()["detail"]["code"] == "password_expired"
    assert client.get("/api/v1/me").json()["password_expired"] is True
    blocked = client.get("/admin/users", follow_redirects=False)
    assert blocked.status_code == 303
    assert blocked.headers["location"].startswith("/account/password")
    form = client.get("/account/password")
    assert 'id="password-expired"' in form.text
    changed = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "Brand-New-Lantern-4417",
            "confirm": "Brand-New-Lantern-4417",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert changed.status_code == 200
    assert client.get("/api/v1/users").status_code == 200
    with TestClient(client.app) as banker:
        login(banker, "banker")
        assert banker.get("/api/v1/me").json()["password_expired"] is False
