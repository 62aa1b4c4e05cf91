"""The NPL ratio (不良率) by bank, product or region, within the reader's scope. Re-exported
by ``loans.servicing``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.errors import Forbidden, Invalid
from zhixin.lending.money import ZERO
from zhixin.loans import servicing_rules as rules
from zhixin.loans.models import LoanContract, LoanDrawdown

# ------------------------------------------------------------------------------------ NPL ratio


@dataclass(frozen=True)
class NplRow:
    key: str
    balance: Decimal
    non_performing: Decimal

    @property
    def ratio(self) -> Decimal | None:
        return None if self.balance == 0 else self.non_performing / self.balance


def npl_by(
    session: Session,
    by: str,
    *,
    bank_tenant_id: int | None = None,
    region_prefix: str | None = None,
) -> list[NplRow]:
    """不良贷款率 by ``bank``, ``product`` or ``region`` (the enterprise's division code): the
    outstanding principal of 次级 + 可疑 + 损失 over all outstanding principal of disbursed
    drawdowns; one statement grouped by the key and the enterprise (the enterprises' regions
    read once when needed). Within one bank, or one jurisdiction, when given. For the CLI and
    :func:`npl_for`: no permission check here."""
    from zhixin.enterprises import service as enterprises

    keys: dict[str, Any] = {
        "bank": LoanContract.bank_code,
        "product": LoanContract.product_code,
        "region": LoanContract.enterprise_id,
    }
    if by not in keys:
        raise Invalid("分组须为 bank / product / region")
    key = keys[by]
    bad = [g.value for g in rules.NON_PERFORMING]
    balance = LoanDrawdown.outstanding_principal
    stmt = (
        select(
            key,
            LoanContract.enterprise_id,
            func.sum(balance),
            func.sum(case((LoanDrawdown.classification.in_(bad), balance), else_=ZERO)),
        )
        .join(LoanContract, LoanContract.id == LoanDrawdown.contract_id)
        .where(LoanDrawdown.status == "disbursed")
        .group_by(key, LoanContract.enterprise_id)
    )
    if bank_tenant_id is not None:
        stmt = stmt.where(LoanContract.bank_tenant_id == bank_tenant_id)
    found = [(k, int(e), Decimal(t or 0), Decimal(n or 0)) for k, e, t, n in session.execute(stmt)]
    regions: dict[int, str | None] = {}
    if by == "region" or region_prefix is not None:
        regions = enterprises.regions_by_ids(session, [e for _, e, _, _ in found])
    merged: dict[str, tuple[Decimal, Decimal]] = {}
    for k, e, t, n in found:
        region = regions.get(e) or ""
        if region_prefix is not None and not region.startswith(region_prefix):
            continue
        name = (region or "—") if by == "region" else str(k)
        t0, n0 = merged.get(name, (ZERO, ZERO))
        merged[name] = (t0 + t, n0 + n)
    return [NplRow(r, t, n) for r, (t, n) in sorted(merged.items())]


def npl_for(session: Session, *, actor: Principal, by: str) -> list[NplRow]:
    """The NPL ratio a person may see: a bank its own loans, a regulator its jurisdiction's."""
    from zhixin.enterprises import service as enterprises

    if not actor.can(Permission.loan_read):
        raise Forbidden("无权查看不良贷款率")
    if actor.tenant_kind == TenantKind.bank:
        return npl_by(session, by, bank_tenant_id=actor.tenant_id)
    if actor.tenant_kind == TenantKind.regulator:
        return npl_by(session, by, region_prefix=enterprises.jurisdiction(session, actor))
    raise Forbidden("只有银行和监管部门可以查看不良贷款率")
