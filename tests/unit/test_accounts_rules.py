from __future__ import annotations

import pytest

from zhixin.accounts.permissions import ROLE_PERMISSIONS, Permission, Principal
from zhixin.accounts.rules import (
    PasswordPolicy,
    Role,
    RoleGrantRefused,
    TenantKind,
    check_role_grant,
)


def test_password_policy_lists_every_problem() -> None:
    policy = PasswordPolicy(min_length=12, min_classes=3)
    assert policy.problems("Abcdefgh-123") == []
    problems = policy.problems("abc", username="zhang")
    assert any("12" in p for p in problems)
    assert any("3 类" in p for p in problems)
    assert policy.problems("Zhang-Secret-99", username="zhang") == ["密码不能包含用户名"]


def test_policy_is_configurable() -> None:
    assert PasswordPolicy(min_length=8, min_classes=1).problems("abcdefgh") == []
    assert PasswordPolicy(min_length=16, min_classes=4).problems("Abcdefgh-1234567") == []
    assert len(PasswordPolicy(min_length=16, min_classes=4).problems("abcdefgh12345678")) == 1


def _grant(granter_roles: set[Role], role: Role, *, same: bool = False, target: set[Role] = set()):  # noqa: B006
    check_role_grant(
        granter_id=1,
        granter_roles=frozenset(granter_roles),
        target_id=1 if same else 2,
        target_roles=frozenset(target),
        tenant_kind=TenantKind.platform
        if role in {Role.auditor, Role.sysadmin}
        else TenantKind.bank,
        role=role,
    )


def test_only_security_officer_grants_and_never_to_self() -> None:
    _grant({Role.security_officer}, Role.bank_officer)
    with pytest.raises(RoleGrantRefused, match="安全管理员"):
        _grant({Role.sysadmin}, Role.bank_officer)
    with pytest.raises(RoleGrantRefused, match="自己"):
        _grant({Role.security_officer}, Role.bank_officer, same=True)


def test_three_duties_never_combine() -> None:
    with pytest.raises(RoleGrantRefused, match="兼任"):
        _grant({Role.security_officer}, Role.auditor, target={Role.sysadmin})


def test_role_must_fit_the_tenant() -> None:
    with pytest.raises(RoleGrantRefused, match="不适用"):
        check_role_grant(
            granter_id=1,
            granter_roles=frozenset({Role.security_officer}),
            target_id=2,
            target_roles=frozenset(),
            tenant_kind=TenantKind.enterprise,
            role=Role.regulator,
        )


def test_sysadmin_cannot_read_audit_or_grant_roles() -> None:
    assert Permission.audit_read not in ROLE_PERMISSIONS[Role.sysadmin]
    assert Permission.role_grant not in ROLE_PERMISSIONS[Role.sysadmin]
    assert Permission.audit_read in ROLE_PERMISSIONS[Role.auditor]


def test_token_scopes_narrow_the_roles() -> None:
    def token(role: Role, scopes: set[str]) -> Principal:
        return Principal(
            1,
            "sys",
            "sys",
            1,
            TenantKind.bank,
            None,
            frozenset({role}),
            scopes=frozenset(scopes),
            via="token",
        )

    # the role has it, the scope does not
    assert not token(Role.bank_officer, {"record:read"}).can(Permission.enterprise_read)
    # the scope has it, the role does not
    assert not token(Role.guarantor, {"record:read"}).can(Permission.record_read)
    assert token(Role.bank_officer, {"enterprise:read"}).can(Permission.enterprise_read)
    # a bank's record:read is still subject to the enterprise's consent (records.service.may_read)
    assert token(Role.bank_officer, {"record:read"}).can(Permission.record_read)


def test_enterprise_user_sees_only_its_own() -> None:
    p = Principal(1, "e", "e", 1, TenantKind.enterprise, 7, frozenset({Role.enterprise}))
    assert p.sees_enterprise(7)
    assert not p.sees_enterprise(8)
