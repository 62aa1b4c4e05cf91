"""Every select() of the accounts domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, delete, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from zhixin.accounts.models import ApiToken, LoginThrottle, Tenant, User, UserRole, WebSession
from zhixin.accounts.rules import username_key
from zhixin.kit.db import begin_write, insert_if_absent


def tenant_by_code(session: Session, code: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.code == code))


def tenant_by_id(session: Session, tenant_id: int) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def tenants(session: Session) -> Sequence[Tenant]:
    return session.scalars(select(Tenant).order_by(Tenant.kind, Tenant.code)).all()


def tenant_kinds(session: Session, tenant_ids: Sequence[int]) -> dict[int, tuple[str, int | None]]:
    out: dict[int, tuple[str, int | None]] = {}
    for k in range(0, len(tenant_ids), 500):
        rows = session.execute(
            select(Tenant.id, Tenant.kind, Tenant.enterprise_id).where(
                Tenant.id.in_(tenant_ids[k : k + 500])
            )
        )
        out.update({int(t): (str(kind), e) for t, kind, e in rows})
    return out


def user_by_username(session: Session, username: str) -> User | None:
    """The user a typed name means: the exact name, else the one whose normalised name
    (NFKC + case folding) matches. The exact match comes first for names that collided before
    usernames were normalised (the migration kept both; see 0011)."""
    exact = session.scalar(select(User).where(User.username == username))
    if exact is not None:
        return exact
    return session.scalar(select(User).where(User.username_key == username_key(username)))


def user_by_key(session: Session, key: str) -> User | None:
    return session.scalar(select(User).where(User.username_key == key))


def service_accounts(session: Session) -> Sequence[User]:
    return session.scalars(
        select(User).where(User.is_service.is_(True)).order_by(User.username)
    ).all()


def user_by_id(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.tenant_id, User.username)).all()


def roles_of(session: Session, user_id: int) -> list[str]:
    return list(
        session.scalars(
            select(UserRole.role).where(UserRole.user_id == user_id).order_by(UserRole.role)
        )
    )


def session_by_hash(session: Session, token_hash: str) -> WebSession | None:
    return session.scalar(select(WebSession).where(WebSession.token_hash == token_hash))


def delete_session(session: Session, token_hash: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


def delete_sessions_of(session: Session, user_id: int) -> None:
    session.execute(delete(WebSession).where(WebSession.user_id == user_id))


def token_by_hash(session: Session, token_hash: str) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))


_TOKEN_WITH_HOLDER = (
    select(
        ApiToken.id,
        User.is_service,
        ApiToken.scopes,
        ApiToken.expires_at,
        ApiToken.revoked_at,
        ApiToken.last_used_at,
        User.id.label("user_id"),
        User.username,
        User.display_name,
        User.is_active,
        Tenant.id.label("tenant_id"),
        Tenant.kind.label("tenant_kind"),
        Tenant.enterprise_id,
        select(func.aggregate_strings(UserRole.role, ","))
        .where(UserRole.user_id == User.id)
        .scalar_subquery()
        .label("roles"),
    )
    .join(User, User.id == ApiToken.user_id)
    .join(Tenant, Tenant.id == User.tenant_id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def token_with_holder(session: Session, token_hash: str) -> Row[*tuple[Any, ...]] | None:
    """The token and what a principal needs of its user (roles comma-joined) and tenant, in one
    statement: every API call pays for it, so the statement is built once and runs on the
    session's connection (plain rows, no ORM layer)."""
    return (
        session.connection().execute(_TOKEN_WITH_HOLDER, {"token_hash": token_hash}).one_or_none()
    )


def token_by_id(session: Session, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def tokens_with_people(session: Session) -> list[tuple[ApiToken, str, bool, str | None]]:
    """Every token with its holder's username and kind and its minter's username."""
    minter = aliased(User)
    rows = session.execute(
        select(ApiToken, User.username, User.is_service, minter.username)
        .join(User, User.id == ApiToken.user_id)
        .outerjoin(minter, minter.id == ApiToken.created_by_id)
        .order_by(ApiToken.id)
    ).all()
    return [(t, holder, bool(service), by) for t, holder, service, by in rows]


def tokens_of_tenant(session: Session, tenant_id: int | None) -> Sequence[ApiToken]:
    stmt = select(ApiToken).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if tenant_id is not None:
        stmt = stmt.where(User.tenant_id == tenant_id)
    return session.scalars(stmt).all()


# -- login throttle ---------------------------------------------------------------------------


def throttles(session: Session, keys: Sequence[tuple[str, str]]) -> Sequence[LoginThrottle]:
    """The rows of these (scope, key) pairs that exist."""
    if not keys:
        return []
    return session.scalars(
        select(LoginThrottle).where(tuple_(LoginThrottle.scope, LoginThrottle.key).in_(keys))
    ).all()


def throttle_for_update(
    session: Session, scope: str, key: str, *, user_id: int | None, now: datetime
) -> LoginThrottle:
    """The row of (scope, key), created if absent, locked until the transaction ends."""
    begin_write(session)
    insert_if_absent(
        session,
        LoginThrottle,
        {"scope": scope, "key": key, "user_id": user_id, "failures": 0, "last_failure_at": now},
    )
    row = session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.scope == scope, LoginThrottle.key == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    return row


def forget_throttles(session: Session, *, idle_since: datetime, now: datetime) -> None:
    """Delete the rows whose last failure is older than ``idle_since`` and that block nothing."""
    session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < idle_since,
            or_(LoginThrottle.blocked_until.is_(None), LoginThrottle.blocked_until <= now),
        )
    )


def clear_throttle(session: Session, scope: str, key: str) -> None:
    session.execute(
        delete(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key)
    )


def active_throttles(session: Session, *, since: datetime) -> Sequence[LoginThrottle]:
    """Rows with a failure since ``since``, most recent first."""
    return session.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.last_failure_at >= since)
        .order_by(LoginThrottle.last_failure_at.desc())
        .limit(500)
    ).all()


def throttle_by_id(session: Session, throttle_id: int) -> LoginThrottle | None:
    return session.get(LoginThrottle, throttle_id)


def delete_throttles_of_account(session: Session, *, user_id: int, key: str) -> int:
    """Every row of one account: its username's, and its devices'."""
    result = session.execute(
        delete(LoginThrottle).where(
            or_(
                LoginThrottle.user_id == user_id,
                and_(LoginThrottle.scope == "account", LoginThrottle.key == key),
            )
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
