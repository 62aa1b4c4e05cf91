"""JSON API: who am I, one's own password, users and roles, service accounts' API tokens, the
login throttle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from zhixin.accounts import login as signin
from zhixin.accounts import service
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.schemas import (
    GrantIn,
    MeOut,
    NewTokenOut,
    PasswordIn,
    ThrottleOut,
    TokenIn,
    TokenOut,
    UnlockOut,
    UserOut,
)
from zhixin.web import failures
from zhixin.web.deps import DB, AppSettings, CurrentPrincipal, now_of, require

router = APIRouter(tags=["账户 accounts"])


@router.get("/me", response_model=MeOut)
def me(principal: CurrentPrincipal) -> MeOut:
    return MeOut(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        tenant_id=principal.tenant_id,
        tenant_kind=principal.tenant_kind.value,
        roles=sorted(r.value for r in principal.roles),
        scopes=sorted(principal.scopes) if principal.scopes is not None else None,
        via=principal.via,
        password_expired=principal.password_expired,
    )


@router.post(
    "/me/password",
    status_code=204,
    responses={
        422: {
            "description": "当前密码不正确，或新密码不符合安全策略（detail.problems 列出每条原因）"
        },
        429: {"description": "当前密码错误次数过多：Retry-After 秒后再试"},
    },
)
def change_password(
    body: PasswordIn,
    request: Request,
    db: DB,
    settings: AppSettings,
    principal: CurrentPrincipal,
) -> Response:
    """修改本人密码（浏览器会话）。成功后该用户的所有会话结束，需重新登录。"""
    if principal.via != "session":
        return JSONResponse(
            failures.body(request, "forbidden", "服务账户没有密码可改；API 令牌由安全管理员管理"),
            status_code=403,
        )
    result = signin.change_password(
        db,
        principal=principal,
        current=body.current_password,
        new=body.new_password,
        policy=service.policy_from(settings),
        settings=settings,
        device_cookie=request.cookies.get(signin.DEVICE_COOKIE),
        now=now_of(request),
    )
    if result.retry_after:
        return JSONResponse(
            failures.body(
                request,
                "rate_limited",
                result.problems[0],
                {"code": "too_many_attempts", "retry_after": result.retry_after},
            ),
            status_code=429,
            headers={"Retry-After": str(result.retry_after)},
        )
    if not result.ok:
        # answered, not raised: the failure's count and audit entry must be committed
        return JSONResponse(
            failures.body(
                request,
                "invalid",
                "未能修改密码：" + "；".join(result.problems),
                {"code": "password_refused", "problems": result.problems},
            ),
            status_code=422,
        )
    return Response(status_code=204)


UserAdmin = Annotated[Principal, Depends(require(Permission.user_manage, Permission.role_grant))]


@router.get("/users", response_model=list[UserOut])
def list_users(db: DB, principal: UserAdmin) -> list[UserOut]:
    return [
        UserOut(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            tenant=t.name,
            tenant_kind=t.kind,
            roles=roles,
            is_active=u.is_active,
            is_service=u.is_service,
        )
        for u, t, roles in service.list_users(db, actor=principal)
    ]


@router.post("/users/{user_id}/roles", status_code=201)
def grant_role(
    user_id: int,
    body: GrantIn,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.role_grant))],
) -> dict[str, object]:
    grant = service.grant_role(db, actor=principal, user_id=user_id, role=body.role)
    return {"user_id": grant.user_id, "role": grant.role}


TokenAdmin = Annotated[Principal, Depends(require(Permission.token_manage))]


def _token_out(v: service.TokenView) -> TokenOut:
    t = v.token
    return TokenOut(
        id=t.id,
        name=t.name,
        holder=v.holder,
        created_by=v.created_by,
        prefix=t.prefix,
        scopes=list(t.scopes),
        created_at=t.created_at,
        expires_at=t.expires_at,
        revoked_at=t.revoked_at,
        last_used_at=t.last_used_at,
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(db: DB, principal: TokenAdmin) -> list[TokenOut]:
    """服务账户的 API 令牌（安全管理员）。"""
    return [_token_out(v) for v in service.list_tokens(db, actor=principal)]


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, db: DB, principal: TokenAdmin) -> NewTokenOut:
    """安全管理员为服务账户生成令牌（只显示这一次）。个人账户、本人、超出该账户角色的权限范围
    一律拒绝（403）；系统管理员不能生成（三权分立）。记入审计日志 token.create。"""
    new = service.mint_token(
        db,
        actor=principal,
        holder=body.username,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    view = service.TokenView(new.token, body.username.strip(), True, principal.username)
    return NewTokenOut(**_token_out(view).model_dump(), token=new.raw)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: int, db: DB, principal: TokenAdmin) -> TokenOut:
    token = service.revoke_token(db, actor=principal, token_id=token_id)
    view = next(v for v in service.list_tokens(db, actor=principal) if v.token.id == token.id)
    return _token_out(view)


Unlocker = Annotated[Principal, Depends(require(Permission.login_unlock))]


@router.get("/login-throttles", response_model=list[ThrottleOut])
def list_throttles(
    request: Request, db: DB, settings: AppSettings, principal: Unlocker
) -> list[ThrottleOut]:
    """最近一天的登录失败计数：按账户、按已登录过的浏览器、按来源地址（安全管理员）。"""
    now = now_of(request)
    return [
        ThrottleOut(
            id=r.id,
            scope=r.scope,
            key=r.key if r.scope != "device" else None,
            user_id=r.user_id,
            failures=r.failures,
            last_failure_at=r.last_failure_at,
            blocked_until=r.blocked_until if r.blocked_until and r.blocked_until > now else None,
        )
        for r in signin.list_throttles(db, actor=principal, settings=settings, now=now)
    ]


@router.delete("/login-throttles/{throttle_id}", status_code=204)
def clear_throttle(throttle_id: int, db: DB, principal: Unlocker) -> Response:
    """解除一条登录限制（例如整个办公室共用的来源地址）。记入审计日志 login.unlock。"""
    signin.clear_throttle(db, actor=principal, throttle_id=throttle_id)
    return Response(status_code=204)


@router.post("/users/{user_id}/unlock", response_model=UnlockOut)
def unlock_user(user_id: int, db: DB, principal: Unlocker) -> UnlockOut:
    """解除一个账户的全部登录限制（其用户名及其已登录过的浏览器）。记入审计日志 login.unlock。"""
    cleared = signin.unlock_account(db, actor=principal, user_id=user_id)
    return UnlockOut(user_id=user_id, cleared=cleared)
