"""Operator commands: migrations, users, API tokens, the audit log."""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer

from zhixin.cli._app import AsJson, Format, _factory, _fail, _settings, app, emit, err, out
from zhixin.errors import ZhixinError

db_app = typer.Typer(help="数据库迁移 / database migrations", no_args_is_help=True)
users_app = typer.Typer(help="用户 / users", no_args_is_help=True)
tokens_app = typer.Typer(help="银行系统 API 令牌 / API tokens", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(audit_app, name="audit")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """把数据库升级到最新结构 / migrate the database to the latest schema."""
    from zhixin.audit import keys as audit_keys
    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import current, upgrade

    settings = _settings()
    # 0011 seals an existing audit chain with the audit key: the key must be configured
    audit_keys.configure(audit_keys.AuditKeys.from_settings(settings))
    engine = make_engine(settings.database_url)
    upgrade(engine, revision)
    out.print(f"数据库已升级到 {current(engine)}")
    engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """显示数据库当前版本 / show the current revision."""
    from zhixin.kit.db import make_engine
    from zhixin.kit.migrate import current

    out.print(
        current(make_engine(_settings().database_url)) or "（未初始化：请运行 zhixin db upgrade）"
    )


# -- users and tokens ----------------------------------------------------------------------


@users_app.command("create")
def users_create(
    username: str,
    tenant: Annotated[
        str, typer.Option(help="机构代码；不存在时用 --tenant-kind/--tenant-name 新建")
    ],
    role: Annotated[list[str], typer.Option(help="角色，可重复，如 regulator、bank_officer")],
    display_name: Annotated[str, typer.Option(help="姓名")] = "",
    tenant_kind: Annotated[str, typer.Option(help="机构类型（新建机构时）")] = "",
    tenant_name: Annotated[str, typer.Option(help="机构名称（新建机构时）")] = "",
    region: Annotated[
        str,
        typer.Option(
            help="监管机构的辖区：行政区划代码前缀，如 35（福建省）、3502（厦门市）；"
            "缺省时可读全部经营主体"
        ),
    ] = "",
    service_account: Annotated[
        bool, typer.Option(help="服务账户（只用 API 令牌，不能登录）")
    ] = False,
    password_env: Annotated[
        str, typer.Option(help="从该环境变量读取密码（用于脚本）；缺省时交互输入")
    ] = "",
) -> None:
    """新建用户（初始角色由运维在命令行授予，此后由安全管理员在页面授予）。"""
    from zhixin.accounts import service as accounts
    from zhixin.accounts.passwords import new_secret
    from zhixin.accounts.rules import TENANT_LABELS, Role, TenantKind
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.kit.db import unit_of_work

    settings = _settings()
    try:
        roles = [Role(r) for r in role]
    except ValueError:
        raise _fail("未知角色；可选：" + "、".join(r.value for r in Role), 2) from None
    if tenant_kind and tenant_kind not in {k.value for k in TenantKind}:
        kinds = "、".join(f"{k.value}（{TENANT_LABELS[k]}）" for k in TenantKind)
        raise _fail(f"未知的机构类型 {tenant_kind}；可选：{kinds}", 2)
    if service_account:
        password = new_secret(32) + "aA1!"
    elif password_env:
        password = os.environ.get(password_env, "")
    else:
        password = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != password:
            raise _fail("两次输入的密码不一致", 2)
    try:
        with unit_of_work(_factory(settings)) as session:
            t = accounts.tenant_by_code(session, tenant)
            if t is None:
                if not tenant_kind or not tenant_name:
                    raise _fail(
                        f"机构 {tenant} 不存在；新建请同时给出 --tenant-kind 和 --tenant-name"
                    )
                t = accounts.create_tenant(
                    session,
                    code=tenant,
                    name=tenant_name,
                    kind=TenantKind(tenant_kind),
                    region_code=region or None,
                )
            elif region and region != t.region_code:
                accounts.set_region(session, actor=None, tenant_id=t.id, region_code=region)
            scope = t.region_code
            user = accounts.create_user(
                session,
                tenant=t,
                username=username,
                display_name=display_name or username,
                password=password,
                roles=roles,
                policy=accounts.policy_from(settings),
                is_service=service_account,
            )
            audit.record(
                session,
                actor=Actor.system("cli"),
                action="user.create",
                object_type="app_user",
                object_id=user.id,
                detail={"roles": [r.value for r in roles]},
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已创建用户 {username}（角色：{'、'.join(r.value for r in roles)}）")
    if scope:
        out.print(f"机构 {tenant} 的辖区：行政区划代码以 {scope} 开头的经营主体")


@users_app.command("set-region")
def users_set_region(
    tenant: Annotated[str, typer.Option(help="监管机构的机构代码")],
    region: Annotated[
        str, typer.Option(help="辖区：行政区划代码前缀（35、3502、350206）；空字符串表示不限")
    ],
) -> None:
    """设定或取消监管机构的辖区（其用户只能查看辖区内的经营主体）。"""
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory(_settings())) as session:
            t = accounts.tenant_by_code(session, tenant)
            if t is None:
                raise _fail(f"机构 {tenant} 不存在")
            scope = accounts.set_region(
                session, actor=None, tenant_id=t.id, region_code=region
            ).region_code
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if scope:
        out.print(f"机构 {tenant} 的辖区：行政区划代码以 {scope} 开头的经营主体")
    else:
        out.print(f"机构 {tenant} 不限辖区：可查看全部经营主体")


def _password(password_env: str, prompt: str) -> str:
    if password_env:
        return os.environ.get(password_env, "")
    return getpass.getpass(prompt)


def _security_officer(username: str, password_env: str):  # type: ignore[no-untyped-def]
    """Sign a security officer in for one command: the CLI acts for a named person who types
    their password (``--password-env`` for scripts), under the same throttle as the login page
    (counted on the address ``cli``); never as an anonymous operator. Returns their Principal."""
    from zhixin.accounts import login as signin
    from zhixin.accounts import service as accounts
    from zhixin.accounts.permissions import Permission
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.kit.db import unit_of_work, utcnow

    settings = _settings()
    password = _password(password_env, f"安全管理员 {username} 的密码：")
    now = utcnow()
    with unit_of_work(_factory(settings)) as session:  # a failure is counted and audited
        attempt = signin.sign_in(
            session,
            username=username,
            password=password,
            settings=settings,
            ip="cli",
            device_cookie=None,
            now=now,
        )
        if attempt.user is None:
            if not attempt.retry_after:
                audit.record(
                    session,
                    actor=Actor(None, username.strip()[:64], ip="cli"),
                    action="login",
                    outcome="failure",
                    detail={"via": "cli"},
                )
            principal = None
        else:
            principal = accounts.principal_for(
                session,
                attempt.user,
                via="cli",
                ip="cli",
                password_max_age_days=settings.password_max_age_days,
                now=now,
            )
    if attempt.retry_after:
        raise _fail(signin.wait_message(attempt.retry_after))
    if principal is None:
        raise _fail(accounts.LOGIN_FAILED)
    if not principal.can(Permission.token_manage):
        raise _fail(f"{username} 不是安全管理员：令牌与登录限制只能由安全管理员处理（三权分立）")
    if principal.password_expired:
        raise _fail(f"{username} 的密码已过期，请先在页面 /account/password 修改")
    return principal


@users_app.command("unlock")
def users_unlock(
    username: str,
    by: Annotated[str, typer.Option(help="执行解除的安全管理员（须输入其密码）")],
    password_env: Annotated[
        str, typer.Option(help="从该环境变量读取安全管理员的密码（用于脚本）")
    ] = "",
) -> None:
    """解除一个账户的登录限制（其用户名与已登录过的浏览器上的失败计数），记入审计日志。"""
    from zhixin.accounts import login as signin
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work

    officer = _security_officer(by, password_env)
    try:
        with unit_of_work(_factory()) as session:
            user = accounts.user_by_username(session, username)
            if user is None:
                raise _fail("未找到该用户")
            cleared = signin.unlock_account(session, actor=officer, user_id=user.id)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已解除 {user.username} 的登录限制（清除 {cleared} 条失败计数）")


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option(help="令牌所属的服务账户（个人账户不能持有令牌）")],
    name: Annotated[str, typer.Option(help="令牌名称，如 “招商银行信贷系统”")],
    scope: Annotated[list[str], typer.Option(help="权限范围，可重复，如 enterprise:read")],
    by: Annotated[str, typer.Option(help="生成令牌的安全管理员（须输入其密码；三权分立）")],
    password_env: Annotated[
        str, typer.Option(help="从该环境变量读取安全管理员的密码（用于脚本）")
    ] = "",
    expires_days: Annotated[int, typer.Option(help="有效天数，0 表示不过期")] = 365,
) -> None:
    """安全管理员为服务账户生成 API 令牌（只显示这一次，平台只保存其哈希）。"""
    from datetime import timedelta

    from zhixin.accounts import service as accounts
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.errors import Forbidden
    from zhixin.kit.db import unit_of_work, utcnow

    officer = _security_officer(by, password_env)
    expires = utcnow() + timedelta(days=expires_days) if expires_days > 0 else None
    try:
        with unit_of_work(_factory()) as session:
            new = accounts.mint_token(
                session, actor=officer, holder=user, name=name, scopes=scope, expires_at=expires
            )
    except Forbidden as exc:  # the refusal is kept in the audit log, as the web app does
        with unit_of_work(_factory()) as session:
            audit.record(
                session,
                actor=Actor.of(officer),
                action="token.create",
                object_type="app_user",
                object_id=user[:64],
                outcome="denied",
                detail={"reason": exc.message, "via": "cli"},
            )
        raise _fail(exc.message) from exc
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    err.print("令牌只显示这一次，请妥善保存：")
    print(new.raw)


@tokens_app.command("list")
def tokens_list(
    fmt: Annotated[str, Format] = "table", as_json: Annotated[bool, AsJson] = False
) -> None:
    """列出全部令牌（不含令牌本身）：服务账户、前缀、权限范围、生成人、状态。"""
    from zhixin.accounts import service as accounts
    from zhixin.kit.db import unit_of_work

    columns = [
        ("id", "编号"),
        ("name", "名称"),
        ("holder", "服务账户"),
        ("prefix", "前缀"),
        ("scopes", "权限范围"),
        ("created_by", "生成人"),
        ("state", "状态"),
    ]
    rows = []
    with unit_of_work(_factory()) as session:
        for t, holder, is_service, by in accounts.tokens_with_people(session):
            state = "已吊销" if t.revoked_at else ("有效" if is_service else "无效（个人账户）")
            rows.append(
                (
                    t.id,
                    t.name,
                    holder,
                    f"zx_{t.prefix}_…",
                    "、".join(t.scopes),
                    by or "（命令行/初始化）",
                    state,
                )
            )
    emit(columns, rows, fmt=fmt, as_json=as_json)


@tokens_app.command("revoke")
def tokens_revoke(token_id: int) -> None:
    """吊销 API 令牌（任何运维人员都可以立即吊销；记入审计日志）。"""
    from zhixin.accounts import service as accounts
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.kit.db import unit_of_work, utcnow

    with unit_of_work(_factory()) as session:
        token = accounts.token_by_id(session, token_id)
        if token is None:
            raise _fail("未找到该令牌")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            audit.record(
                session,
                actor=Actor.system("cli"),
                action="token.revoke",
                object_type="api_token",
                object_id=token.id,
            )
    out.print(f"令牌 {token_id} 已吊销")


# -- intake --------------------------------------------------------------------------------
