"""Who may quote and read a stored quote, and who sees internal pricing.

An enterprise user quotes for its own enterprise only (another enterprise is a 404, as if it
did not exist); bank users and the task force for any enterprise; a system process (the CLI)
as :data:`SYSTEM`. A stored quote is read by the enterprise it is for, the tenant that made it,
the bank whose product it prices, the task force; anyone else gets 404. The RAROC check and the
model's score and PD are shown only to bank users and the CLI (:func:`view_for`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from zhixin.accounts import service as accounts
from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.enterprises import service as enterprises
from zhixin.enterprises.rules import InvalidUSCC, normalise_uscc
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.products import rules as product_rules
from zhixin.quotes.models import Quote
from zhixin.quotes.schemas import (
    QuoteOut,
)

NOT_FOUND = "未找到该测算记录 / quote not found"
NOT_FOUND_ENTERPRISE = "未找到该经营主体 / enterprise not found"


@dataclass(frozen=True)
class SystemActor:
    """A process acting for the operator (the ``zhixin quote`` command): no user, no tenant."""

    name: str = "cli"


SYSTEM = SystemActor()
Requester = Principal | SystemActor


# -- who may quote and read ------------------------------------------------------------------


def may_quote(actor: Requester, enterprise_id: int) -> None:
    if isinstance(actor, SystemActor):
        return
    if not actor.can(Permission.quote_run):
        raise Forbidden("无权进行产品测算")
    if actor.tenant_kind == TenantKind.enterprise and actor.enterprise_id != enterprise_id:
        raise NotFound(NOT_FOUND_ENTERPRISE)


def may_read(session: Session, actor: Requester, q: Quote) -> bool:
    if isinstance(actor, SystemActor):
        return True
    if not actor.can(Permission.quote_run):
        raise Forbidden("无权查看测算结果")
    kind = actor.tenant_kind
    if kind == TenantKind.enterprise:
        return actor.enterprise_id == q.enterprise_id
    if kind == TenantKind.taskforce:
        return True
    if q.tenant_id == actor.tenant_id:
        return True
    return kind == TenantKind.bank and accounts.tenant_code(session, actor.tenant_id) == q.bank_code


def resolve_enterprise(session: Session, *, enterprise_id: int | None, uscc: str | None) -> int:
    """The enterprise id of a request that names it by id or by 统一社会信用代码."""
    uscc = (uscc or "").strip() or None
    if enterprise_id is not None and uscc is not None:
        raise Invalid("请只给出 enterprise_id 或 uscc 之一（经营主体 ID 或统一社会信用代码）")
    if enterprise_id is not None:
        return enterprise_id
    if uscc is None:
        raise Invalid("请给出 enterprise_id 或 uscc（经营主体 ID 或统一社会信用代码）")
    try:
        code = normalise_uscc(uscc)
    except InvalidUSCC as exc:
        raise Invalid(str(exc)) from exc
    found = enterprises.id_by_uscc(session, code)
    if found is None:
        raise NotFound(NOT_FOUND_ENTERPRISE)
    return found


# -- who sees internal pricing ---------------------------------------------------------------


def sees_internal_pricing(actor: Requester) -> bool:
    """Whether ``actor`` may see the bank's RAROC check (PD, LGD, funding cost, hurdle): bank
    users and the operator's processes; an enterprise — and everyone else — sees what a
    borrower is shown."""
    return product_rules.sees_internal_pricing(
        None if isinstance(actor, SystemActor) else actor.tenant_kind
    )


def has_internal(out: QuoteOut) -> bool:
    return out.raroc is not None or (
        out.risk_model is not None
        and (out.risk_model.pd is not None or out.risk_model.score is not None)
    )


def view_for(actor: Requester, out: QuoteOut) -> QuoteOut:
    """``out`` as ``actor`` may see it: unless a bank's user, without the RAROC check and
    without the model's score and PD (the model's version and reasons stay: a borrower is owed
    them)."""
    if not has_internal(out) or sees_internal_pricing(actor):
        return out
    update: dict[str, object] = {"raroc": None}
    if out.risk_model is not None:
        update["risk_model"] = out.risk_model.model_copy(update={"score": None, "pd": None})
    return out.model_copy(update=update)
