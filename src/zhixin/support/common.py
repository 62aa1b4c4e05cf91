"""What the support services share: the refusal of what is not one's own, the audit record of
an act (``support.*``), the permission check, and the checks of a rule's refusal and an amount."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Forbidden, Invalid
from zhixin.support import rules

NOT_FOUND = "未找到该对象，或不在您的可见范围内"


def audited(
    session: Session, actor: Principal, action: str, kind: str, oid: int, **detail: Any
) -> None:
    audit.record(
        session,
        actor=Actor.of(actor),
        action=f"support.{action}",
        object_type=kind,
        object_id=oid,
        detail={k: str(v) if isinstance(v, Decimal | date) else v for k, v in detail.items()},
    )


def require(actor: Principal, p: Permission, kind: TenantKind | None = None) -> None:
    if not actor.can(p) or (kind is not None and actor.tenant_kind != kind):
        raise Forbidden("无权办理该事项")


def refused(exc: rules.Refused) -> Invalid:
    return Invalid(str(exc))


def money(value: Decimal, what: str) -> Decimal:
    if value <= 0 or value != value.quantize(Decimal("0.01")):
        raise Invalid(f"{what}须为正数且精确到分")
    return value
