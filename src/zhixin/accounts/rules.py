"""Roles, tenants, usernames, the password policy, the login throttle and who may mint API
tokens: pure decisions, no infrastructure."""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from zhixin.accounts.wordlists import common_passwords


class TenantKind(StrEnum):
    platform = "platform"  # 平台运维（系统管理员、安全管理员、审计员）
    regulator = "regulator"  # 市场监管局
    bank = "bank"  # 银行
    enterprise = "enterprise"  # 经营主体
    guarantor = "guarantor"  # 政府性融资担保机构
    finance = "finance"  # 财政局 / 金融办
    taskforce = "taskforce"  # 融资协调工作专班


class Role(StrEnum):
    regulator = "regulator"
    bank_officer = "bank_officer"
    bank_approver = "bank_approver"
    enterprise = "enterprise"
    guarantor = "guarantor"
    finance_bureau = "finance_bureau"
    task_force = "task_force"
    auditor = "auditor"
    sysadmin = "sysadmin"
    security_officer = "security_officer"


ROLE_LABELS: dict[Role, str] = {
    Role.regulator: "市场监管人员",
    Role.bank_officer: "银行客户经理",
    Role.bank_approver: "银行审批人",
    Role.enterprise: "企业用户",
    Role.guarantor: "担保机构人员",
    Role.finance_bureau: "财政金融部门人员",
    Role.task_force: "融资协调专班",
    Role.auditor: "审计员",
    Role.sysadmin: "系统管理员",
    Role.security_officer: "安全管理员",
}

TENANT_LABELS: dict[TenantKind, str] = {
    TenantKind.platform: "平台",
    TenantKind.regulator: "市场监管部门",
    TenantKind.bank: "银行",
    TenantKind.enterprise: "经营主体",
    TenantKind.guarantor: "担保机构",
    TenantKind.finance: "财政金融部门",
    TenantKind.taskforce: "协调专班",
}

# Which roles a tenant of each kind may hold.
ROLES_BY_TENANT: dict[TenantKind, frozenset[Role]] = {
    TenantKind.platform: frozenset({Role.sysadmin, Role.security_officer, Role.auditor}),
    TenantKind.regulator: frozenset({Role.regulator, Role.auditor}),
    TenantKind.bank: frozenset({Role.bank_officer, Role.bank_approver}),
    TenantKind.enterprise: frozenset({Role.enterprise}),
    TenantKind.guarantor: frozenset({Role.guarantor}),
    TenantKind.finance: frozenset({Role.finance_bureau}),
    TenantKind.taskforce: frozenset({Role.task_force}),
}

# 三权分立: the three platform duties never sit with one person.
SEPARATED_DUTIES = frozenset({Role.sysadmin, Role.security_officer, Role.auditor})


class RoleGrantRefused(ValueError):
    pass


def check_role_grant(
    *,
    granter_id: int,
    granter_roles: frozenset[Role],
    target_id: int,
    target_roles: frozenset[Role],
    tenant_kind: TenantKind,
    role: Role,
) -> None:
    """Decide whether ``granter`` may give ``role`` to ``target`` (raises with a reason)."""
    if Role.security_officer not in granter_roles:
        raise RoleGrantRefused("只有安全管理员可以授予角色（三权分立）")
    if granter_id == target_id:
        raise RoleGrantRefused("不能给自己授予角色（三权分立）")
    if role not in ROLES_BY_TENANT[tenant_kind]:
        raise RoleGrantRefused(
            f"角色「{ROLE_LABELS[role]}」不适用于{TENANT_LABELS[tenant_kind]}类机构的用户"
        )
    if role in SEPARATED_DUTIES and (target_roles & SEPARATED_DUTIES) - {role}:
        raise RoleGrantRefused("系统管理员、安全管理员、审计员三种职责不能由同一人兼任")


# -- usernames ------------------------------------------------------------------------------

USERNAME_MAX = 64


def username_key(username: str) -> str:
    """The form in which two usernames must differ: NFKC, case folded (``pwtest1``, ``PWTEST1``
    and the full-width ``ｐｗｔｅｓｔ1`` are one name), surrounding spaces dropped."""
    folded = unicodedata.normalize("NFKC", username).casefold()
    return unicodedata.normalize("NFKC", folded).strip()


def username_problem(username: str) -> str | None:
    """Why a new username is refused, or None."""
    if not username.strip() or len(username) > USERNAME_MAX:
        return f"用户名不能为空且不超过 {USERNAME_MAX} 个字符"
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in username):
        return "用户名不能包含控制字符或不可见的格式字符"
    if len(username_key(username)) > USERNAME_MAX:
        return f"用户名规范化后超过 {USERNAME_MAX} 个字符"
    return None


# -- passwords ------------------------------------------------------------------------------

# Words of the platform itself, refused inside any password (with the tenant's and the user's
# names, which the caller adds).
CONTEXT_WORDS = ("质量", "增信", "质信", "zhixin", "zhiliang", "zengxin")
# Character swaps undone before a password is looked up in the common list ("P@ssw0rd").
_UNLEET = (
    str.maketrans(
        {
            "@": "a",
            "4": "a",
            "0": "o",
            "1": "l",
            "!": "i",
            "3": "e",
            "$": "s",
            "5": "s",
            "7": "t",
            "+": "t",
            "9": "g",
            "8": "b",
        }
    ),
    str.maketrans(
        {
            "@": "a",
            "4": "a",
            "0": "o",
            "1": "i",
            "!": "i",
            "3": "e",
            "$": "s",
            "5": "s",
            "7": "t",
            "+": "t",
            "9": "g",
            "8": "b",
        }
    ),
)
MIN_DISTINCT = 6


def _common_forms(password: str) -> set[str]:
    """The password as the common list would hold it: lower case, swaps undone, digits and
    symbols stripped at either end ("Qwerty2025!" → "qwerty")."""
    lower = unicodedata.normalize("NFKC", password).casefold()
    core = lower.strip("0123456789!@#$%^&*()_+-=[]{};:'\",.<>/?`~|\\ ")
    forms = {lower, core}
    for table in _UNLEET:
        forms.add(lower.translate(table))
        forms.add(core.translate(table))
    return {f for f in forms if f}


def _context_words(username: str, context: Iterable[str]) -> list[str]:
    words = []
    for word in (*CONTEXT_WORDS, *context):
        folded = unicodedata.normalize("NFKC", word).casefold().strip()
        # a CJK name of two characters is a word; a Latin one needs three letters
        if len(folded) >= 3 or (len(folded) >= 2 and not folded.isascii()):
            words.append(folded)
    return words


@dataclass(frozen=True)
class PasswordPolicy:
    """Length and classes, or a long passphrase; never common, never the platform's or one's
    own names.

    A password is accepted when it has at least ``min_length`` characters from at least
    ``min_classes`` of the four classes (lower case, upper case, digits, symbols — a Chinese
    character counts as none), **or** at least ``passphrase_length`` characters of any kind
    (``"correct horse battery staple"``); up to ``max_length`` characters. It must have at least
    6 different characters, must not be in the common-password list (after lower-casing,
    undoing swaps such as @→a and 0→o, and stripping digits and symbols at either end), and must
    not contain 质量, 增信, 质信, zhixin, zhiliang, zengxin, the username or the names given as
    context (tenant name and code, display name).
    """

    min_length: int = 12
    min_classes: int = 3
    passphrase_length: int = 20
    max_length: int = 256
    common: frozenset[str] = field(default_factory=common_passwords, repr=False, compare=False)

    def problems(
        self, password: str, *, username: str = "", context: Iterable[str] = ()
    ) -> list[str]:
        """Every reason the password is refused, in Chinese; empty when it is acceptable."""
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"密码长度至少 {self.min_length} 位")
        if len(password) > self.max_length:
            found.append(f"密码不能超过 {self.max_length} 个字符")
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < self.min_classes and len(password) < self.passphrase_length:
            found.append(
                f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类"
                f"（或使用不少于 {self.passphrase_length} 个字符的口令短语，不限字符种类）"
            )
        if password and len(set(password)) < MIN_DISTINCT:
            found.append(f"密码至少要有 {MIN_DISTINCT} 个不同的字符")
        if _common_forms(password) & self.common:
            found.append("密码过于常见（在常见密码表中），容易被猜中")
        folded = unicodedata.normalize("NFKC", password).casefold()
        user = username_key(username)
        if len(user) >= 3 and user in folded:
            found.append("密码不能包含用户名")
        if any(w in folded for w in _context_words("", context) if w != user):
            found.append("密码不能包含平台名称（质量、增信、zhixin 等）、本机构或本人的名称")
        return found


# Roles whose passwords expire (等保 level 3: privileged accounts change passwords periodically).
PRIVILEGED_ROLES = frozenset(
    {Role.sysadmin, Role.security_officer, Role.auditor, Role.regulator, Role.bank_approver}
)


def password_expired(
    *, roles: frozenset[Role], changed_at: datetime, now: datetime, max_age_days: int
) -> bool:
    """A privileged user's password older than ``max_age_days`` (0: never) must be changed."""
    if max_age_days <= 0 or not roles & PRIVILEGED_ROLES:
        return False
    return now - changed_at >= timedelta(days=max_age_days)


# -- login throttle -------------------------------------------------------------------------


class ThrottleScope(StrEnum):
    account = "account"  # a username (known or not), from browsers it has not signed in on
    device = "device"  # a browser the user signed in on before (its device cookie)
    address = "address"  # a client address (IPv6: its /64)


@dataclass(frozen=True)
class ThrottlePolicy:
    """Growing delays instead of a lockout: the first ``free_failures`` failures cost nothing;
    from then on each failure makes the next attempt wait ``first_delay`` seconds, doubled per
    further failure, at most ``max_delay``. A count restarts ``forget_after`` seconds after its
    last failure."""

    free_failures: int
    first_delay: int = 30
    max_delay: int = 900
    forget_after: int = 86400

    def delay_after(self, failures: int) -> int:
        if failures < self.free_failures:
            return 0
        steps = failures - self.free_failures
        return self.max_delay if steps >= 30 else min(self.first_delay * 2**steps, self.max_delay)

    def count_after(self, failures: int, last: datetime | None, now: datetime) -> int:
        """The count once one more failure is added at ``now``."""
        if last is None or (now - last).total_seconds() > self.forget_after:
            return 1
        return failures + 1


def address_key(ip: str | None) -> str:
    """The throttle's key for a client address: IPv4 as it is, IPv6 by its /64 (one host owns
    a whole /64), anything unparseable as given."""
    if not ip:
        return "-"
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return str(addr.ipv4_mapped)
        return str(ipaddress.ip_network(f"{addr}/64", strict=False))
    return str(addr)


# -- API tokens -----------------------------------------------------------------------------


class TokenRefused(ValueError):
    pass


def check_token_mint(
    *,
    minter_id: int,
    minter_roles: frozenset[Role],
    holder_id: int,
    holder_is_service: bool,
    holder_active: bool,
    scopes_beyond_roles: Sequence[str],
) -> None:
    """Decide whether a token may be minted (raises with a reason).

    三权分立: only the security officer mints, never the system administrator; tokens belong to
    service accounts only, so no person holds a credential that skips the login throttle, the
    password rules and the session timeouts; nobody mints for themself (a person is never a
    service account, and a service account cannot sign in to mint). A token's scopes must be
    within its holder's roles.
    """
    if Role.security_officer not in minter_roles:
        raise TokenRefused("只有安全管理员可以生成 API 令牌（三权分立）")
    if minter_id == holder_id:
        raise TokenRefused("不能给自己生成 API 令牌")
    if not holder_is_service:
        raise TokenRefused("API 令牌只能发给服务账户；个人账户请用页面登录")
    if not holder_active:
        raise TokenRefused("该服务账户已停用")
    if scopes_beyond_roles:
        raise TokenRefused(
            "令牌的权限范围超出了该服务账户角色的权限：" + "、".join(scopes_beyond_roles)
        )
