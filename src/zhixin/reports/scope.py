"""Who reads what of the reports (permission ``report:read``): a reader's scope — one bank's
rows, one jurisdiction's enterprises, or everything — for a signed-in user or the operator
at the console. Re-exported by ``reports.service``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Scope:
    """What a reader sees: one bank's rows, one jurisdiction's enterprises, or everything."""

    bank_tenant_id: int | None = None
    region_prefix: str | None = None
    label: str = "全部"
    product_code: str | None = None


def scope_of(session: Session, actor: Principal) -> Scope:
    if not actor.can(Permission.report_read):
        raise Forbidden("无权查看报表")
    if actor.tenant_kind == TenantKind.bank:
        return Scope(bank_tenant_id=actor.tenant_id, label="本行")
    if actor.tenant_kind == TenantKind.regulator:
        region = enterprises.jurisdiction(session, actor)
        if region:
            from zhixin.kit.divisions import region_name

            return Scope(region_prefix=region, label=f"辖区：{region_name(region)}")
        return Scope()
    if actor.tenant_kind == TenantKind.taskforce:
        return Scope()
    raise Forbidden("只有融资协调专班、监管部门和银行可以查看报表")


def operator_scope(
    session: Session, *, bank: str | None = None, region: str | None = None
) -> Scope:
    """The console's scope (an operator reads everything): one bank by its code, one region."""
    bank_id = None
    label = []
    if bank:
        found = [
            i for i, (code, _n) in accounts.tenant_names(session, "bank").items() if code == bank
        ]
        if not found:
            raise NotFound(f"没有代码为 {bank} 的银行")
        bank_id = found[0]
        label.append(bank)
    if region:
        label.append(f"区域 {region}")
    return Scope(
        bank_tenant_id=bank_id, region_prefix=region or None, label=" · ".join(label) or "全部"
    )
