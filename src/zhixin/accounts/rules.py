"""Roles, tenants and the password policy: pure decisions, no infrastructure."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    min_classes: int = 3

    def problems(self, password: str, *, username: str = "") -> list[str]:
        """Every reason the password is refused, in Chinese; empty when it is acceptable."""
        found: list[str] = []
        if len(password) < self.min_length:
            found.append(f"密码长度至少 {self.min_length} 位")
        classes = sum(
            [
                any(c.islower() for c in password),
                any(c.isupper() for c in password),
                any(c.isdigit() for c in password),
                any(not c.isalnum() for c in password),
            ]
        )
        if classes < self.min_classes:
            found.append(f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类")
        if username and username.lower() in password.lower():
            found.append("密码不能包含用户名")
        return found


def is_locked(failed_count: int, threshold: int) -> bool:
    return failed_count >= threshold
