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
    password_expired: bool = Field(
        default=False, description="密码已过期：修改前只能调用 POST /api/v1/me/password"
    )


class PasswordIn(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: str = Field(
        max_length=256,
        description="至少 12 位且含大写、小写、数字、符号中的 3 类，或不少于 20 个字符的口令短语"
        "（不限字符种类）；不能是常见密码，不能包含质量、增信、zhixin、机构名称或用户名",
    )


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    tenant: str
    tenant_kind: str
    roles: list[str]
    is_active: bool
    is_service: bool = Field(description="服务账户：只用 API 令牌，不能登录页面")


class GrantIn(BaseModel):
    role: Role


class TokenIn(BaseModel):
    username: str = Field(max_length=64, description="令牌所属的服务账户（个人账户不能持有令牌）")
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1)
    expires_at: datetime | None = None


class TokenOut(BaseModel):
    id: int
    name: str
    holder: str = Field(description="持有令牌的服务账户")
    created_by: str | None = Field(description="生成令牌的安全管理员（命令行初始化时为空）")
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="仅显示这一次；平台只保存其哈希")


class ThrottleOut(BaseModel):
    id: int
    scope: str = Field(
        description="account（账户名）、device（该用户登录过的浏览器）、address（来源地址）"
    )
    key: str | None = Field(description="账户的规范化用户名或来源地址；浏览器不显示")
    user_id: int | None
    failures: int
    last_failure_at: datetime
    blocked_until: datetime | None = Field(description="在此之前的尝试答 429；为空表示当前不限制")


class UnlockOut(BaseModel):
    user_id: int
    cleared: int = Field(description="清除的计数条数")
