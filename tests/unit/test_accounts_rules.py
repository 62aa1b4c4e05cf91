from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from zhixin.accounts.permissions import ROLE_PERMISSIONS, Permission, Principal, scopes_beyond
from zhixin.accounts.rules import (
    PasswordPolicy,
    Role,
    RoleGrantRefused,
    TenantKind,
    ThrottlePolicy,
    TokenRefused,
    address_key,
    check_role_grant,
    check_token_mint,
    password_expired,
    username_key,
    username_problem,
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


def test_passphrases_need_length_not_classes() -> None:
    policy = PasswordPolicy(min_length=12, min_classes=3, passphrase_length=20)
    assert policy.problems("correct horse battery") == []  # 21 characters, one class
    assert policy.problems("correct horse batter") == []  # 20 is enough
    assert policy.problems("correct horse batte")  # 19 is not
    assert policy.problems("a" * 24) == ["密码至少要有 6 个不同的字符"]
    assert any("256" in p for p in policy.problems("Ab1-" + "x" * 300))


def test_common_passwords_are_found_behind_swaps_and_padding() -> None:
    policy = PasswordPolicy()
    for common in (
        "Password123!",
        "P@ssw0rd2025",
        "!!Qwerty123456",
        "Iloveyou2024#",
        "1qaz2WSX3edc",
    ):
        assert "密码过于常见（在常见密码表中），容易被猜中" in policy.problems(common), common
    assert "密码过于常见（在常见密码表中），容易被猜中" not in policy.problems("Qwerty-Lantern-77")
    assert len(policy.common) > 10000


def test_context_words_are_refused() -> None:
    policy = PasswordPolicy()
    refused = "密码不能包含平台名称（质量、增信、zhixin 等）、本机构或本人的名称"
    assert refused in policy.problems("My-ZhiXin-Pass-9")
    assert refused in policy.problems("质量增信-Pass-2025")
    assert refused in policy.problems("Acme-Bank-2025-xx", context=["acme-bank"])
    assert refused in policy.problems("厦门农商-Pass-2025", context=["厦门农商"])
    assert refused not in policy.problems("Harbour-Lights-2025", context=["t", "银"])


def test_usernames_fold_to_one_key() -> None:
    assert username_key("pwtest1") == username_key("PWTEST1") == username_key("ｐｗｔｅｓｔ1")
    assert username_key(" Straße ") == "strasse"
    assert username_problem("ok-name") is None
    assert username_problem("a\u200bb") is not None  # zero-width space
    assert username_problem("x" * 65) is not None


def test_only_privileged_passwords_expire() -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    old = now - timedelta(days=90)
    for role in (
        Role.sysadmin,
        Role.security_officer,
        Role.auditor,
        Role.regulator,
        Role.bank_approver,
    ):
        assert password_expired(roles=frozenset({role}), changed_at=old, now=now, max_age_days=90)
        assert not password_expired(
            roles=frozenset({role}), changed_at=old + timedelta(seconds=1), now=now, max_age_days=90
        )
        assert not password_expired(
            roles=frozenset({role}), changed_at=old, now=now, max_age_days=0
        )
    assert not password_expired(
        roles=frozenset({Role.bank_officer, Role.enterprise}),
        changed_at=old,
        now=now,
        max_age_days=90,
    )


def test_throttle_delays_double_up_to_the_cap_and_counts_are_forgotten() -> None:
    policy = ThrottlePolicy(free_failures=5, first_delay=30, max_delay=900, forget_after=86400)
    assert [policy.delay_after(n) for n in range(4, 12)] == [0, 30, 60, 120, 240, 480, 900, 900]
    assert policy.delay_after(10_000) == 900
    now = datetime(2026, 12, 7, tzinfo=UTC)
    assert policy.count_after(7, now - timedelta(hours=23), now) == 8
    assert policy.count_after(7, now - timedelta(hours=25), now) == 1
    assert policy.count_after(0, None, now) == 1


def test_addresses_group_ipv6_by_64() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_key("::ffff:192.0.2.1") == "192.0.2.1" == address_key("192.0.2.1")
    assert address_key(None) == "-"


def _mint(**overrides: object) -> None:
    args: dict[str, object] = {
        "minter_id": 1,
        "minter_roles": frozenset({Role.security_officer}),
        "holder_id": 2,
        "holder_is_service": True,
        "holder_active": True,
        "scopes_beyond_roles": [],
    }
    check_token_mint(**{**args, **overrides})  # type: ignore[arg-type]


def test_who_may_mint_a_token() -> None:
    _mint()
    with pytest.raises(TokenRefused, match="安全管理员"):
        _mint(minter_roles=frozenset({Role.sysadmin}))
    with pytest.raises(TokenRefused, match="自己"):
        _mint(holder_id=1)
    with pytest.raises(TokenRefused, match="服务账户"):
        _mint(holder_is_service=False)
    with pytest.raises(TokenRefused, match="停用"):
        _mint(holder_active=False)
    with pytest.raises(TokenRefused, match="record:write"):
        _mint(scopes_beyond_roles=["record:write"])
    assert scopes_beyond(frozenset({Role.bank_officer}), ["record:write", "quote:run"]) == [
        "record:write"
    ]


def test_the_sysadmin_holds_no_token_permission() -> None:
    assert Permission.token_manage not in ROLE_PERMISSIONS[Role.sysadmin]
    assert Permission.token_manage in ROLE_PERMISSIONS[Role.security_officer]
    assert Permission.login_unlock in ROLE_PERMISSIONS[Role.security_officer]
