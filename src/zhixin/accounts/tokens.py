"""API tokens of service accounts: minted by a security officer (``mint_token``: refused for a
person's account, for oneself, and for scopes beyond the holder's roles), resolved on every API
call (``principal_for_token``), revoked. Only a token's hash is stored; the raw token is shown
once. Audited. Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from zhixin.accounts import repository as repo
from zhixin.accounts.models import ApiToken, User
from zhixin.accounts.passwords import new_secret, sha256_hex
from zhixin.accounts.permissions import TOKEN_SCOPES, Permission, Principal, scopes_beyond
from zhixin.accounts.rules import (
    Role,
    TenantKind,
    TokenRefused,
    check_token_mint,
)
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit.db import utcnow

# -- API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "zx"  # noqa: S105 - the public prefix of every token


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    raw: str  # shown once, never stored


def create_token(
    session: Session,
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    actor: Actor | None = None,
    created_by_id: int | None = None,
) -> NewToken:
    """Store a new token for the service account ``user`` and audit it; no check of who mints
    (fixtures and bootstrap scripts). Every entry point (API, page, CLI) goes through
    :func:`mint_token`, which applies the separation of duties first."""
    if not user.is_service:
        raise Invalid("API 令牌只能发给服务账户；个人账户请用页面登录")
    scope_set = sorted(set(scopes))
    unknown = [s for s in scope_set if s not in TOKEN_SCOPES]
    if unknown:
        raise Invalid("未知的令牌权限范围：" + "、".join(unknown))
    if not scope_set:
        raise Invalid("令牌至少需要一个权限范围")
    prefix = new_secret(6)[:8]
    raw = f"{TOKEN_PREFIX}_{prefix}_{new_secret(32)}"
    token = ApiToken(
        user_id=user.id,
        created_by_id=created_by_id,
        name=name,
        prefix=prefix,
        token_hash=sha256_hex(raw),
        scopes=scope_set,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=actor or Actor.system("cli"),
        action="token.create",
        object_type="api_token",
        object_id=token.id,
        detail={
            "holder": user.username,
            "holder_id": user.id,
            "name": name,
            "scopes": scope_set,
            "prefix": prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return NewToken(token, raw)


def mint_token(
    session: Session,
    *,
    actor: Principal,
    holder: str,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None,
) -> NewToken:
    """A security officer mints a token for the service account named ``holder`` (API
    ``POST /api/v1/tokens``, the page, ``zhixin tokens create``): refused (403, with the
    reason) for anyone else, for a person's account, for oneself, and for scopes beyond the
    holder's roles (``rules.check_token_mint``). Audited as ``token.create`` with the minter as
    actor and the holder, scopes, name, prefix and expiry in the detail."""
    if not actor.can(Permission.token_manage):
        raise Forbidden("只有安全管理员可以生成 API 令牌（三权分立）")
    user = repo.user_by_username(session, holder.strip())
    if user is None:
        raise NotFound("未找到该用户")
    scope_list = list(scopes)
    roles = frozenset(Role(r) for r in repo.roles_of(session, user.id))
    try:
        check_token_mint(
            minter_id=actor.user_id,
            minter_roles=actor.roles,
            holder_id=user.id,
            holder_is_service=user.is_service,
            holder_active=user.is_active,
            scopes_beyond_roles=scopes_beyond(roles, [s for s in scope_list if s in TOKEN_SCOPES]),
        )
    except TokenRefused as exc:
        raise Forbidden(str(exc)) from exc
    return create_token(
        session,
        user=user,
        name=name,
        scopes=scope_list,
        expires_at=expires_at,
        actor=Actor.of(actor),
        created_by_id=actor.user_id,
    )


def principal_for_token(session: Session, *, raw: str, ip: str | None = None) -> Principal | None:
    """Who calls with this bearer token: None when it is unknown, revoked, expired, or its user
    is disabled. One statement (token with user, roles and tenant): every API call pays for
    this. ``last_used_at`` is written at most once a minute, with the request's
    transaction."""
    row = repo.token_with_holder(session, sha256_hex(raw))
    now = utcnow()
    if row is None or row.revoked_at is not None or not row.is_active or not row.is_service:
        return None  # a person's account holds no usable token (one minted before 0011)
    if row.expires_at is not None and row.expires_at <= now:
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        token = repo.token_by_id(session, row.id)  # written with the request's transaction
        if token is not None:
            token.last_used_at = now
    return Principal(
        user_id=row.user_id,
        username=row.username,
        display_name=row.display_name,
        tenant_id=row.tenant_id,
        tenant_kind=TenantKind(row.tenant_kind),
        enterprise_id=row.enterprise_id,
        roles=frozenset(Role(r) for r in (row.roles or "").split(",") if r),
        scopes=frozenset(row.scopes),
        via="token",
        ip=ip,
    )


def revoke_token(session: Session, *, actor: Principal, token_id: int) -> ApiToken:
    if not actor.can(Permission.token_manage):
        raise Forbidden()
    token = repo.token_by_id(session, token_id)
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor=Actor.of(actor),
            action="token.revoke",
            object_type="api_token",
            object_id=token.id,
        )
    return token
