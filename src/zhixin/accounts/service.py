"""Accounts: tenants, users, roles and jurisdictions here; browser sessions (``sessions``) and API
tokens (``tokens``) in their own modules, re-exported here so that callers keep ``service.X``.
Never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from zhixin.accounts import repository as repo
from zhixin.accounts.models import ApiToken, Tenant, User, UserRole
from zhixin.accounts.passwords import hash_password
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import (
    ROLES_BY_TENANT,
    SEPARATED_DUTIES,
    PasswordPolicy,
    Role,
    RoleGrantRefused,
    TenantKind,
    check_role_grant,
    password_expired,
    username_key,
    username_problem,
)

# Sessions and tokens, named here too: callers write ``service.X`` as before the split.
from zhixin.accounts.sessions import (
    NewSession,
    end_session,
    resolve_session,
    start_session,
)
from zhixin.accounts.tokens import (
    TOKEN_PREFIX,
    NewToken,
    create_token,
    mint_token,
    principal_for_token,
    revoke_token,
)
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.config import Settings
from zhixin.enterprises.rules import BadRegion, normalise_region_prefix
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import utcnow

__all__ = [
    "LOGIN_FAILED",
    "TOKEN_PREFIX",
    "NewSession",
    "NewToken",
    "TokenView",
    "create_tenant",
    "create_token",
    "create_user",
    "end_session",
    "get_or_create_tenant",
    "grant_role",
    "jurisdiction",
    "list_tokens",
    "list_users",
    "list_users_unchecked",
    "mint_token",
    "policy_from",
    "principal_for",
    "principal_for_token",
    "resolve_session",
    "revoke_token",
    "service_account_names",
    "set_region",
    "start_session",
    "tenant_by_code",
    "tenant_code",
    "tenant_kinds",
    "tenant_name",
    "tenant_names",
    "token_by_id",
    "tokens_with_people",
    "user_by_id",
    "user_by_username",
]

LOGIN_FAILED = "用户名或密码错误 / invalid credentials"


def policy_from(settings: Settings) -> PasswordPolicy:
    return PasswordPolicy(
        settings.password_min_length,
        settings.password_min_classes,
        settings.password_passphrase_length,
    )


def create_tenant(
    session: Session,
    *,
    code: str,
    name: str,
    kind: TenantKind,
    enterprise_id: int | None = None,
    region_code: str | None = None,
) -> Tenant:
    if repo.tenant_by_code(session, code) is not None:
        raise Conflict(f"机构代码 {code} 已存在")
    if kind == TenantKind.enterprise and enterprise_id is None:
        raise Invalid("企业类机构必须关联一个经营主体")
    tenant = Tenant(
        code=code,
        name=name,
        kind=kind.value,
        enterprise_id=enterprise_id,
        region_code=_region(kind, region_code),
    )
    session.add(tenant)
    session.flush()
    return tenant


def get_or_create_tenant(
    session: Session,
    *,
    code: str,
    name: str,
    kind: TenantKind,
    enterprise_id: int | None = None,
    region_code: str | None = None,
) -> Tenant:
    existing = repo.tenant_by_code(session, code)
    if existing is not None:
        return existing
    return create_tenant(
        session,
        code=code,
        name=name,
        kind=kind,
        enterprise_id=enterprise_id,
        region_code=region_code,
    )


# -- a regulator's jurisdiction (辖区) ---------------------------------------------------------


def _region(kind: TenantKind, region_code: str | None) -> str | None:
    try:
        prefix = normalise_region_prefix(region_code or "")
    except BadRegion as exc:
        raise Invalid(str(exc)) from exc
    if prefix is not None and kind != TenantKind.regulator:
        raise Invalid("只有市场监管部门类机构设有辖区")
    return prefix


def jurisdiction(session: Session, principal: Principal) -> str | None:
    """The region prefix a regulator's reads are limited to; None for every other tenant and
    for a regulator tenant without a region (which reads every enterprise). One lookup per
    session (the tenant row stays in the session's identity map)."""
    if principal.tenant_kind != TenantKind.regulator:
        return None
    tenant = repo.tenant_by_id(session, principal.tenant_id)
    return tenant.region_code if tenant is not None else None


def set_region(
    session: Session, *, actor: Principal | None, tenant_id: int, region_code: str
) -> Tenant:
    """Set (or with "" clear) a regulator tenant's jurisdiction. An access decision, so the
    security officer's (三权分立); ``actor=None`` is the operator's console, audited as cli."""
    if actor is not None and not actor.can(Permission.role_grant):
        raise Forbidden("只有安全管理员可以设定监管机构的辖区")
    tenant = repo.tenant_by_id(session, tenant_id)
    if tenant is None:
        raise NotFound("未找到该机构")
    old = tenant.region_code
    tenant.region_code = _region(TenantKind(tenant.kind), region_code)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor) if actor is not None else Actor.system("cli"),
        action="tenant.region",
        object_type="tenant",
        object_id=tenant.id,
        detail={"from": old, "to": tenant.region_code},
    )
    return tenant


def create_user(
    session: Session,
    *,
    tenant: Tenant,
    username: str,
    display_name: str,
    password: str,
    roles: Iterable[Role],
    policy: PasswordPolicy,
    is_service: bool = False,
    granted_by_id: int | None = None,
) -> User:
    """Create a user with initial roles (bootstrap by CLI; the web grants through grant_role).

    Usernames are unique after NFKC and case folding (``rules.username_key``): ``PWTEST1`` or
    the full-width ``ｐｗｔｅｓｔ1`` is refused once ``pwtest1`` exists."""
    username = username.strip()
    problem = username_problem(username)
    if problem:
        raise Invalid(problem)
    if repo.user_by_key(session, username_key(username)) is not None:
        raise Conflict("该用户名已被使用（不区分大小写和全角半角）")
    problems = policy.problems(
        password, username=username, context=[tenant.name, tenant.code, display_name]
    )
    if problems:
        raise Invalid("密码不符合安全策略：" + "；".join(problems))
    wanted = frozenset(roles)
    allowed = ROLES_BY_TENANT[TenantKind(tenant.kind)]
    if not wanted <= allowed:
        raise Invalid("所选角色不适用于该机构类型")
    if len(wanted & SEPARATED_DUTIES) > 1:
        raise Invalid("系统管理员、安全管理员、审计员三种职责不能由同一人兼任")
    user = User(
        tenant_id=tenant.id,
        username=username,
        username_key=username_key(username),
        display_name=display_name,
        password_hash=hash_password(password),
        is_service=is_service,
    )
    session.add(user)
    session.flush()
    for role in sorted(wanted):
        session.add(UserRole(user_id=user.id, role=role.value, granted_by_id=granted_by_id))
    session.flush()
    return user


def principal_for(
    session: Session,
    user: User,
    *,
    scopes: frozenset[str] | None = None,
    via: str = "session",
    ip: str | None = None,
    password_max_age_days: int = 0,
    now: datetime | None = None,
) -> Principal:
    """Who ``user`` is when acting; with ``password_max_age_days`` (a browser session), whether
    their password has expired (privileged roles only)."""
    tenant = repo.tenant_by_id(session, user.tenant_id)
    if tenant is None:  # pragma: no cover - FK guarantees it
        raise NotFound()
    roles = frozenset(Role(r) for r in repo.roles_of(session, user.id))
    expired = password_expired(
        roles=roles,
        changed_at=user.password_changed_at,
        now=now or utcnow(),
        max_age_days=password_max_age_days,
    )
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        tenant_id=tenant.id,
        tenant_kind=TenantKind(tenant.kind),
        enterprise_id=tenant.enterprise_id,
        roles=roles,
        scopes=scopes,
        via=via,
        ip=ip,
        password_expired=expired,
    )


# -- roles ---------------------------------------------------------------------------------


def grant_role(session: Session, *, actor: Principal, user_id: int, role: Role) -> UserRole:
    target = repo.user_by_id(session, user_id)
    if target is None:
        raise NotFound()
    tenant = repo.tenant_by_id(session, target.tenant_id)
    assert tenant is not None
    current = frozenset(Role(r) for r in repo.roles_of(session, target.id))
    try:
        check_role_grant(
            granter_id=actor.user_id,
            granter_roles=actor.roles,
            target_id=target.id,
            target_roles=current,
            tenant_kind=TenantKind(tenant.kind),
            role=role,
        )
    except RoleGrantRefused as exc:
        audit.record(
            session,
            actor=Actor.of(actor),
            action="role.grant",
            object_type="app_user",
            object_id=target.id,
            outcome="denied",
            detail={"role": role.value, "reason": str(exc)},
        )
        raise Forbidden(str(exc)) from exc
    if role in current:
        raise Conflict("该用户已拥有此角色")
    grant = UserRole(user_id=target.id, role=role.value, granted_by_id=actor.user_id)
    session.add(grant)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="role.grant",
        object_type="app_user",
        object_id=target.id,
        detail={"role": role.value},
    )
    return grant


def list_users(session: Session, *, actor: Principal) -> list[tuple[User, Tenant, list[str]]]:
    if not (actor.can(Permission.user_manage) or actor.can(Permission.role_grant)):
        raise Forbidden()
    return list_users_unchecked(session)


@dataclass(frozen=True)
class TokenView:
    token: ApiToken
    holder: str
    holder_is_service: bool
    created_by: str | None


def list_tokens(session: Session, *, actor: Principal) -> list[TokenView]:
    if not actor.can(Permission.token_manage):
        raise Forbidden()
    return [TokenView(*row) for row in repo.tokens_with_people(session)]


def user_by_id(session: Session, user_id: int) -> User:
    user = repo.user_by_id(session, user_id)
    if user is None:
        raise NotFound("未找到该用户")
    return user


def service_account_names(session: Session) -> list[str]:
    """Active service accounts: those a token may be minted for."""
    return [u.username for u in repo.service_accounts(session) if u.is_active]


def list_users_unchecked(session: Session) -> list[tuple[User, Tenant, list[str]]]:
    """Every user with tenant and roles, for operator commands run on the server itself."""
    tenants = {t.id: t for t in repo.tenants(session)}
    return [(u, tenants[u.tenant_id], repo.roles_of(session, u.id)) for u in repo.users(session)]


# -- for other domains' services and the CLI (no permission check: the caller has made it) ----

user_by_username = repo.user_by_username
tenant_by_code = repo.tenant_by_code
token_by_id = repo.token_by_id
tokens_with_people = repo.tokens_with_people  # the CLI's list (operators, no principal)


def tenant_code(session: Session, tenant_id: int) -> str | None:
    tenant = repo.tenant_by_id(session, tenant_id)
    return tenant.code if tenant is not None else None


def tenant_names(session: Session, kind: str) -> dict[int, tuple[str, str]]:
    """id → (code, name) of every tenant of one kind (the reports list every bank)."""
    return {t.id: (t.code, t.name) for t in repo.tenants(session) if t.kind == kind}


def tenant_kinds(session: Session, tenant_ids: Iterable[int]) -> dict[int, tuple[str, int | None]]:
    """For other domains' services: tenant id → (its kind, the enterprise it is, for an
    enterprise tenant). No permission check: the caller has made it."""
    return repo.tenant_kinds(session, sorted(set(tenant_ids)))


def tenant_name(session: Session, tenant_id: int) -> str | None:
    tenant = repo.tenant_by_id(session, tenant_id)
    return tenant.name if tenant is not None else None
