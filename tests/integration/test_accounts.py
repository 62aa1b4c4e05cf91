"""Login, lockout, sessions and tokens on a real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.support.people import PASSWORD, make_user
from zhixin.accounts import login as signin
from zhixin.accounts import repository as repo
from zhixin.accounts import service as accounts
from zhixin.accounts.models import ApiToken, User, UserRole, WebSession
from zhixin.accounts.rules import Role
from zhixin.config import Settings
from zhixin.errors import Forbidden, Invalid
from zhixin.kit.db import unit_of_work, utcnow


def test_password_is_stored_as_argon2id(factory: sessionmaker[Session]) -> None:
    make_user(factory, "li", Role.regulator)
    with unit_of_work(factory) as s:
        user = s.scalar(select(User).where(User.username == "li"))
        assert user is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_weak_password_refused_with_every_reason(factory: sessionmaker[Session]) -> None:
    from zhixin.accounts.rules import PasswordPolicy, TenantKind

    with pytest.raises(Invalid) as info, unit_of_work(factory) as s:
        t = accounts.create_tenant(s, code="r", name="r", kind=TenantKind.regulator)
        accounts.create_user(
            s,
            tenant=t,
            username="weak",
            display_name="w",
            password="short",
            roles=[Role.regulator],
            policy=PasswordPolicy(),
        )
    assert "12" in info.value.message and "3 类" in info.value.message
    assert "short" not in info.value.message


def test_sign_in_has_one_answer_for_every_failure_and_no_lockout(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    """Unknown user, wrong password, service account: the same None; past the threshold the
    throttle answers a wait (accounts.login), and from the user's own browser the right
    password still works (tests/security/test_login_abuse.py for the whole story)."""
    make_user(factory, "wang", Role.regulator)
    make_user(factory, "sys", Role.regulator, service=True)
    now = utcnow()

    def attempt(name: str, password: str, ip: str = "10.0.0.1", device: str | None = None):  # type: ignore[no-untyped-def]
        with unit_of_work(factory) as s:
            return signin.sign_in(
                s,
                username=name,
                password=password,
                settings=settings,
                ip=ip,
                device_cookie=device,
                now=now,
            )

    ok = attempt("wang", PASSWORD)
    assert ok.user is not None and ok.device_cookie
    for name, password in (("wang", "wrong-Password-1"), ("nobody", PASSWORD), ("sys", PASSWORD)):
        failed = attempt(name, password, ip="10.0.0.2")
        assert failed.user is None and failed.retry_after == 0
    for _ in range(settings.lockout_threshold - 1):
        attempt("wang", "wrong-Password-1", ip="10.0.0.3")
    assert attempt("wang", PASSWORD, ip="10.0.0.4").retry_after == 30
    trusted = attempt("wang", PASSWORD, ip="10.0.0.4", device=ok.device_cookie)
    assert trusted.user is not None
    with unit_of_work(factory) as s:
        user = s.scalar(select(User).where(User.username == "wang"))
        assert user is not None and not hasattr(user, "locked_until")


def test_session_idle_and_absolute_timeouts(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    make_user(factory, "zhao", Role.regulator)
    with unit_of_work(factory) as s:
        user = s.scalar(select(User).where(User.username == "zhao"))
        assert user is not None
        new = accounts.start_session(s, user=user, ip="127.0.0.1", user_agent="t")
    with unit_of_work(factory) as s:
        web = s.scalar(select(WebSession))
        assert web is not None and web.token_hash != new.raw_token  # only the hash is stored
        now = web.created_at
    idle = timedelta(minutes=settings.session_idle_minutes)
    with unit_of_work(factory) as s:
        assert accounts.resolve_session(
            s, raw_token=new.raw_token, settings=settings, now=now + idle - timedelta(seconds=5)
        )
    # Keep it alive every 20 minutes: still dead at the absolute limit.
    t = now
    alive_until = now + timedelta(hours=settings.session_absolute_hours)
    while t + timedelta(minutes=20) < alive_until:
        t += timedelta(minutes=20)
        with unit_of_work(factory) as s:
            assert accounts.resolve_session(s, raw_token=new.raw_token, settings=settings, now=t)
    with unit_of_work(factory) as s:
        assert (
            accounts.resolve_session(
                s,
                raw_token=new.raw_token,
                settings=settings,
                now=alive_until + timedelta(minutes=1),
            )
            is None
        )
    with unit_of_work(factory) as s:
        assert s.scalar(select(WebSession)) is None  # expired sessions are deleted


def test_idle_session_expires(factory: sessionmaker[Session], settings: Settings) -> None:
    make_user(factory, "sun", Role.regulator)
    with unit_of_work(factory) as s:
        user = s.scalar(select(User).where(User.username == "sun"))
        assert user is not None
        new = accounts.start_session(s, user=user, ip=None, user_agent=None)
    with unit_of_work(factory) as s:
        later = utcnow() + timedelta(minutes=settings.session_idle_minutes, seconds=1)
        assert (
            accounts.resolve_session(s, raw_token=new.raw_token, settings=settings, now=later)
            is None
        )


def test_tokens_hashed_scoped_revocable_expiring(factory: sessionmaker[Session]) -> None:
    uid = make_user(factory, "bank-sys", Role.bank_officer, service=True)
    with unit_of_work(factory) as s:
        user = s.get(User, uid)
        assert user is not None
        new = accounts.create_token(s, user=user, name="信贷系统", scopes=["enterprise:read"])
        expired = accounts.create_token(
            s,
            user=user,
            name="old",
            scopes=["enterprise:read"],
            expires_at=utcnow() - timedelta(seconds=1),
        )
        with pytest.raises(Invalid, match="未知"):
            accounts.create_token(s, user=user, name="x", scopes=["everything"])
    with unit_of_work(factory) as s:
        stored = s.get(ApiToken, new.token.id)
        assert stored is not None and new.raw not in (stored.token_hash, stored.prefix)
        assert stored.last_used_at is None
        caller = accounts.principal_for_token(s, raw=new.raw, ip="10.0.0.7")
        assert caller is not None
        assert (caller.user_id, caller.username, caller.via, caller.ip) == (
            user.id,
            user.username,
            "token",
            "10.0.0.7",
        )
        assert caller.scopes == frozenset({"enterprise:read"})
        assert caller.tenant_id == user.tenant_id
        assert caller.roles == frozenset({Role.bank_officer})
        s.add(UserRole(user_id=user.id, role=Role.bank_approver.value))
        s.flush()
        both = accounts.principal_for_token(s, raw=new.raw)
        assert both is not None and both.roles == {Role.bank_officer, Role.bank_approver}
        assert both.roles == frozenset(Role(r) for r in repo.roles_of(s, user.id))
        assert accounts.principal_for_token(s, raw=expired.raw) is None
        assert accounts.principal_for_token(s, raw=new.raw + "x") is None
    with unit_of_work(factory) as s:
        stored = s.get(ApiToken, new.token.id)
        assert stored is not None and stored.last_used_at is not None  # written with the call
        holder = s.get(User, user.id)
        assert holder is not None
        holder.is_active = False
    with unit_of_work(factory) as s:
        assert accounts.principal_for_token(s, raw=new.raw) is None  # a disabled user's token
        holder = s.get(User, user.id)
        assert holder is not None
        holder.is_active = True
    admin = make_user(factory, "officer", Role.security_officer)
    with unit_of_work(factory) as s:
        admin_user = s.get(User, admin)
        assert admin_user is not None
        actor = accounts.principal_for(s, admin_user)
        accounts.revoke_token(s, actor=actor, token_id=new.token.id)
    with unit_of_work(factory) as s:
        assert accounts.principal_for_token(s, raw=new.raw) is None


def test_security_officer_grants_but_not_to_self(factory: sessionmaker[Session]) -> None:
    officer = make_user(factory, "sec", Role.security_officer)
    admin = make_user(factory, "adm", Role.sysadmin)
    banker = make_user(factory, "banker", Role.bank_officer)
    with unit_of_work(factory) as s:
        sec = accounts.principal_for(s, s.get(User, officer))  # type: ignore[arg-type]
        adm = accounts.principal_for(s, s.get(User, admin))  # type: ignore[arg-type]
        accounts.grant_role(s, actor=sec, user_id=banker, role=Role.bank_approver)
        with pytest.raises(Forbidden, match="安全管理员"):
            accounts.grant_role(s, actor=adm, user_id=admin, role=Role.auditor)
        with pytest.raises(Forbidden, match="自己"):
            accounts.grant_role(s, actor=sec, user_id=officer, role=Role.auditor)
    with unit_of_work(factory) as s:
        p = accounts.principal_for(s, s.get(User, banker))  # type: ignore[arg-type]
        assert p.roles == {Role.bank_officer, Role.bank_approver}
