from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from zhixin.accounts.rules import Role


class MeOut(BaseModel):
    user_id: int
    username: str
    display_name: str
    tenant_id: int
    tenant_kind: str
    roles: list[str]
    scopes: list[str] | None
    via: str


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    tenant: str
    tenant_kind: str
    roles: list[str]
    is_active: bool


class GrantIn(BaseModel):
    role: Role


class TokenIn(BaseModel):
    username: str = Field(max_length=64, description="令牌所属的（服务）用户")
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1)
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="仅显示这一次；平台只保存其哈希")
