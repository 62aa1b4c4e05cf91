"""JSON API: who am I, users and roles, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zhixin.accounts import service
from zhixin.accounts.models import ApiToken
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.schemas import GrantIn, MeOut, NewTokenOut, TokenIn, TokenOut, UserOut
from zhixin.web.deps import DB, CurrentPrincipal, UnitOfWorkRoute, require

router = APIRouter(tags=["账户 accounts"], route_class=UnitOfWorkRoute)


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
    )


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


def _token_out(t: ApiToken) -> TokenOut:
    return TokenOut(
        id=t.id,
        name=t.name,
        prefix=t.prefix,
        scopes=list(t.scopes),
        created_at=t.created_at,
        expires_at=t.expires_at,
        revoked_at=t.revoked_at,
        last_used_at=t.last_used_at,
    )


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(db: DB, principal: TokenAdmin) -> list[TokenOut]:
    return [_token_out(t) for t in service.list_tokens(db, actor=principal)]


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
def create_token(body: TokenIn, db: DB, principal: TokenAdmin) -> NewTokenOut:
    new = service.create_token_for(
        db,
        actor=principal,
        username=body.username,
        name=body.name,
        scopes=body.scopes,
        expires_at=body.expires_at,
    )
    return NewTokenOut(**_token_out(new.token).model_dump(), token=new.raw)


@router.delete("/tokens/{token_id}", response_model=TokenOut)
def revoke_token(token_id: int, db: DB, principal: TokenAdmin) -> TokenOut:
    return _token_out(service.revoke_token(db, actor=principal, token_id=token_id))
