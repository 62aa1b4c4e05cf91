"""Signing in without a lockout an attacker could trigger; changing one's password; the
security officer's unlock. Never commits.

Failed sign-ins are counted per client address, and per account — except from a browser the
user has signed in on before: such a browser holds a signed *device cookie* and is counted on
its own (OWASP's device cookies). So an attacker who fails a thousand times against a user's
name delays only browsers that never signed in as that user; the user's own browser goes on
signing in. Delays grow (:class:`~zhixin.accounts.rules.ThrottlePolicy`) and no number of
failures locks an account: there is no hard lockout. While a delay runs an attempt is refused
with 429 and ``Retry-After`` before the password is looked at, so guessing during a delay
learns nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zhixin.accounts import repository as repo
from zhixin.accounts.models import LoginThrottle, User
from zhixin.accounts.passwords import hash_password, needs_rehash, new_secret, verify_password
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import (
    PasswordPolicy,
    Role,
    ThrottlePolicy,
    ThrottleScope,
    address_key,
    password_expired,
    username_key,
)
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import Settings
from zhixin.errors import Forbidden, NotFound

DEVICE_COOKIE = "zhixin_device"
DEVICE_COOKIE_DAYS = 180


def throttle_policies(settings: Settings) -> dict[ThrottleScope, ThrottlePolicy]:
    longest = settings.lockout_minutes * 60
    first = min(30, longest)
    return {
        ThrottleScope.account: ThrottlePolicy(settings.lockout_threshold, first, longest),
        ThrottleScope.device: ThrottlePolicy(settings.lockout_threshold, first, longest),
        ThrottleScope.address: ThrottlePolicy(settings.login_address_threshold, first, longest),
    }


def wait_message(seconds: int) -> str:
    when = f"约 {math.ceil(seconds / 60)} 分钟" if seconds >= 120 else f"{seconds} 秒"
    return (
        f"尝试次数过多，为防止密码被猜测，请 {when}后再试 / too many failed attempts,"
        f" retry after {seconds} s"
    )


# -- device cookies ---------------------------------------------------------------------------


def _device_signature(secret: str, user_id: int, nonce: str) -> str:
    message = f"zhixin-device|{user_id}|{nonce}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def new_device_cookie(settings: Settings, user_id: int) -> str:
    nonce = new_secret(16)
    return f"{user_id}.{nonce}.{_device_signature(settings.secret_key, user_id, nonce)}"


def device_of(settings: Settings, cookie: str | None, user_id: int) -> str | None:
    """The device id (the nonce) when ``cookie`` is a valid device cookie of ``user_id``."""
    if not cookie or cookie.count(".") != 2:
        return None
    uid, nonce, signature = cookie.split(".")
    if uid != str(user_id) or not nonce:
        return None
    expected = _device_signature(settings.secret_key, user_id, nonce)
    return nonce if hmac.compare_digest(expected, signature) else None


# -- the throttle -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Keys:
    """Where one attempt is counted: its address, and its account or its device."""

    address: str
    scope: ThrottleScope  # account or device
    key: str
    user_id: int | None

    def pairs(self) -> list[tuple[str, str]]:
        return [(ThrottleScope.address.value, self.address), (self.scope.value, self.key)]


def _keys(
    settings: Settings, *, name: str, user: User | None, ip: str | None, device_cookie: str | None
) -> _Keys:
    device = device_of(settings, device_cookie, user.id) if user is not None else None
    if device is not None and user is not None:
        return _Keys(address_key(ip), ThrottleScope.device, device, user.id)
    return _Keys(
        address_key(ip), ThrottleScope.account, username_key(name)[:128], user.id if user else None
    )


def _retry_after(session: Session, keys: _Keys, now: datetime) -> int:
    waits = [
        math.ceil((row.blocked_until - now).total_seconds())
        for row in repo.throttles(session, keys.pairs())
        if row.blocked_until is not None and row.blocked_until > now
    ]
    return max(waits, default=0)


def _count_failure(
    session: Session, settings: Settings, keys: _Keys, *, name: str, ip: str | None, now: datetime
) -> None:
    policies = throttle_policies(settings)
    repo.forget_throttles(
        session,
        idle_since=now - timedelta(seconds=policies[ThrottleScope.account].forget_after),
        now=now,
    )
    for scope, key, user_id in (
        (ThrottleScope.address, keys.address, None),
        (keys.scope, keys.key, keys.user_id),
    ):
        policy = policies[scope]
        row = repo.throttle_for_update(session, scope.value, key, user_id=user_id, now=now)
        row.failures = policy.count_after(
            row.failures, row.last_failure_at if row.failures else None, now
        )
        row.last_failure_at = now
        delay = policy.delay_after(row.failures)
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
        session.flush()
        if delay and row.failures == policy.free_failures:  # the first delay: audited once
            audit.record(
                session,
                actor=Actor(None, name.strip()[:64] or "(空)", ip=ip),
                action="login.throttle",
                object_type=f"login_{scope.value}",
                object_id=keys.user_id if scope == ThrottleScope.device else key,
                outcome="denied",
                detail={"failures": row.failures, "delay_seconds": delay},
            )


def _clear(session: Session, keys: _Keys) -> None:
    repo.clear_throttle(session, keys.scope.value, keys.key)


# -- signing in -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """What one attempt came to: the user (None for any failure), or the seconds to wait when it
    was refused before the password was checked; a device cookie to set after a success."""

    user: User | None
    retry_after: int = 0
    device_cookie: str | None = None


def sign_in(
    session: Session,
    *,
    username: str,
    password: str,
    settings: Settings,
    ip: str | None,
    device_cookie: str | None,
    now: datetime,
) -> SignIn:
    """Check a password under the throttle. Every failure looks the same to the caller (an
    unknown user, a wrong password, a disabled or service account); a throttled attempt
    answers ``retry_after`` without checking the password."""
    name = username.strip()
    user = repo.user_by_username(session, name)
    keys = _keys(settings, name=name, user=user, ip=ip, device_cookie=device_cookie)
    wait = _retry_after(session, keys, now)
    if wait:
        return SignIn(None, retry_after=wait)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active or user.is_service:
        _count_failure(session, settings, keys, name=name, ip=ip, now=now)
        return SignIn(None)
    _clear(session, keys)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    cookie = device_cookie if keys.scope == ThrottleScope.device else None
    return SignIn(user, device_cookie=cookie or new_device_cookie(settings, user.id))


def must_change_password(
    user: User, roles: frozenset[Role], settings: Settings, now: datetime
) -> bool:
    return password_expired(
        roles=roles,
        changed_at=user.password_changed_at,
        now=now,
        max_age_days=settings.password_max_age_days,
    )


# -- changing one's password ------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordChange:
    """``problems`` empty: changed. Otherwise every reason, in Chinese (a wrong current
    password is one of them); ``retry_after`` when refused for too many wrong ones."""

    problems: list[str]
    retry_after: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.retry_after


def change_password(
    session: Session,
    *,
    principal: Principal,
    current: str,
    new: str,
    policy: PasswordPolicy,
    settings: Settings,
    device_cookie: str | None,
    now: datetime,
) -> PasswordChange:
    """The signed-in user changes their own password. A wrong current password counts as a
    failed sign-in (so a stolen session cannot guess it faster than a login could); every
    other session of the user ends. Audited either way."""
    user = repo.user_by_id(session, principal.user_id)
    if user is None or user.is_service:
        raise NotFound()
    keys = _keys(
        settings, name=user.username, user=user, ip=principal.ip, device_cookie=device_cookie
    )
    wait = _retry_after(session, keys, now)
    if wait:
        return PasswordChange([wait_message(wait)], retry_after=wait)
    if not verify_password(user.password_hash, current):
        _count_failure(session, settings, keys, name=user.username, ip=principal.ip, now=now)
        _audit_change(session, principal, "failure", "wrong_current")
        return PasswordChange(["当前密码不正确"])
    tenant = repo.tenant_by_id(session, user.tenant_id)
    context = [user.display_name] + ([tenant.name, tenant.code] if tenant else [])
    problems = policy.problems(new, username=user.username, context=context)
    if current == new:
        problems.append("新密码不能与当前密码相同")
    if problems:
        _audit_change(session, principal, "failure", "policy")
        return PasswordChange(problems)
    user.password_hash = hash_password(new)
    user.password_changed_at = now
    repo.delete_sessions_of(session, user.id)  # the caller starts a fresh one for this browser
    _clear(session, keys)
    session.flush()
    _audit_change(session, principal, "success", None)
    return PasswordChange([])


def _audit_change(session: Session, principal: Principal, outcome: str, reason: str | None) -> None:
    audit.record(
        session,
        actor=Actor.of(principal),
        action="password.change",
        object_type="app_user",
        object_id=principal.user_id,
        outcome=outcome,
        detail={"reason": reason} if reason else {},
    )


# -- the security officer's view and unlock ---------------------------------------------------


def list_throttles(
    session: Session, *, actor: Principal, settings: Settings, now: datetime
) -> list[LoginThrottle]:
    """Failures counted within the last day, most recent first (security officer)."""
    if not actor.can(Permission.login_unlock):
        raise Forbidden("只有安全管理员可以查看和解除登录限制")
    forget = throttle_policies(settings)[ThrottleScope.account].forget_after
    return list(repo.active_throttles(session, since=now - timedelta(seconds=forget)))


def unlock_account(session: Session, *, actor: Principal, user_id: int) -> int:
    """Clear every count of one account (its name and its browsers); returns the rows
    cleared. Audited."""
    if not actor.can(Permission.login_unlock):
        raise Forbidden("只有安全管理员可以解除登录限制")
    user = repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound("未找到该用户")
    cleared = repo.delete_throttles_of_account(
        session, user_id=user.id, key=username_key(user.username)[:128]
    )
    audit.record(
        session,
        actor=Actor.of(actor),
        action="login.unlock",
        object_type="app_user",
        object_id=user.id,
        detail={"username": user.username, "cleared": cleared},
    )
    return cleared


def clear_throttle(session: Session, *, actor: Principal, throttle_id: int) -> LoginThrottle:
    """Clear one count (an address, say, shared by a whole office). Audited."""
    if not actor.can(Permission.login_unlock):
        raise Forbidden("只有安全管理员可以解除登录限制")
    row = repo.throttle_by_id(session, throttle_id)
    if row is None:
        raise NotFound("未找到该登录限制")
    repo.clear_throttle(session, row.scope, row.key)
    audit.record(
        session,
        actor=Actor.of(actor),
        action="login.unlock",
        object_type=f"login_{row.scope}",
        object_id=row.user_id if row.scope == ThrottleScope.device else row.key,
        detail={"failures": row.failures},
    )
    return row
