"""Create tenants and users for tests through the real services."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from zhixin.accounts import service as accounts
from zhixin.accounts.rules import PasswordPolicy, Role, TenantKind
from zhixin.kit.db import unit_of_work

PASSWORD = "Test-Password-123"

TENANT_FOR_ROLE = {
    Role.regulator: TenantKind.regulator,
    Role.bank_officer: TenantKind.bank,
    Role.bank_approver: TenantKind.bank,
    Role.enterprise: TenantKind.enterprise,
    Role.guarantor: TenantKind.guarantor,
    Role.finance_bureau: TenantKind.finance,
    Role.task_force: TenantKind.taskforce,
    Role.auditor: TenantKind.platform,
    Role.sysadmin: TenantKind.platform,
    Role.security_officer: TenantKind.platform,
}


def make_user(
    factory: sessionmaker[Session],
    username: str,
    role: Role,
    *,
    tenant_code: str | None = None,
    enterprise_id: int | None = None,
    service: bool = False,
) -> int:
    kind = TENANT_FOR_ROLE[role]
    code = tenant_code or f"t-{kind.value}" + (f"-{enterprise_id}" if enterprise_id else "")
    with unit_of_work(factory) as session:
        tenant = accounts.get_or_create_tenant(
            session, code=code, name=f"测试{kind.value}", kind=kind, enterprise_id=enterprise_id
        )
        user = accounts.create_user(
            session,
            tenant=tenant,
            username=username,
            display_name=username,
            password=PASSWORD,
            roles=[role],
            policy=PasswordPolicy(),
            is_service=service,
        )
        return user.id
