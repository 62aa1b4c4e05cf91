"""What the visits' service modules share: the permission check, the audit row, the banks by
code, the acting user's id, the bank a bank user acts for.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Forbidden


def _require(actor: Principal | None, permission: Permission) -> None:
    if actor is not None and not actor.can(permission):
        raise Forbidden("无权查看或办理走访事项")


def _audit(
    session: Session, actor: Principal | None, action: str, kind: str, oid: int, **detail: object
) -> None:
    audit.record(
        session,
        actor=Actor.of(actor) if actor is not None else Actor.system("console"),
        action=action,
        object_type=kind,
        object_id=oid,
        detail=detail,
    )


def bank_codes(session: Session) -> dict[str, str]:
    """A sheet's 对接银行 (a bank's code or its name) → the bank's code."""
    pairs = accounts.tenant_names(session, "bank").values()
    return {name: code for code, name in pairs} | {code: code for code, _name in pairs}


def _uid(actor: Principal | None) -> int | None:
    return actor.user_id if actor is not None else None


def _own_bank(session: Session, actor: Principal | None) -> str | None:
    if actor is None or actor.tenant_kind != TenantKind.bank:
        return None
    return accounts.tenant_code(session, actor.tenant_id) or "?"
