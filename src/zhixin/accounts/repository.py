"""Every select() of the accounts domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, select
from sqlalchemy.orm import Session

from zhixin.accounts.models import ApiToken, Tenant, User, UserRole, WebSession


def tenant_by_code(session: Session, code: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.code == code))


def tenant_by_id(session: Session, tenant_id: int) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def tenants(session: Session) -> Sequence[Tenant]:
    return session.scalars(select(Tenant).order_by(Tenant.kind, Tenant.code)).all()


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


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


def tokens_of_tenant(session: Session, tenant_id: int | None) -> Sequence[ApiToken]:
    stmt = select(ApiToken).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if tenant_id is not None:
        stmt = stmt.where(User.tenant_id == tenant_id)
    return session.scalars(stmt).all()
