"""Who sees a contract and who may act on it, and what every write of the loan book does
beside its change: the audit row, the evidence entry (链上存证) and the compare-and-set on the
contract's version. Shared by the book's modules; never commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.evidence import service as evidence
from zhixin.loans import repository as repo
from zhixin.loans import rules
from zhixin.loans.models import (
    CONTRACT_STATUS_LABELS,
    LoanContract,
)

NOT_FOUND = "未找到该贷款 / loan not found"
STALE = "该合同刚被他人修改（版本已变化），本次操作未生效，请刷新后重试"
# Without a product's own statement: every payment entrusted (threshold 0).
NO_SELF_PAYMENT = "产品未载明自主支付阈值，一律受托支付"


def refused(exc: rules.Refused) -> Invalid:
    return Invalid(str(exc))


# -- who sees, who writes --------------------------------------------------------------------


def may_see(session: Session, actor: Principal, c: LoanContract) -> bool:
    if not actor.can(Permission.loan_read):
        return False
    if actor.tenant_kind == TenantKind.bank:
        return c.bank_tenant_id == actor.tenant_id
    if actor.tenant_kind == TenantKind.enterprise:
        return c.enterprise_id == actor.enterprise_id
    if actor.tenant_kind == TenantKind.regulator:
        return enterprises.visible(session, actor=actor, enterprise_id=c.enterprise_id)
    return False


def contract(session: Session, actor: Principal, contract_id: int) -> LoanContract:
    if not actor.can(Permission.loan_read):
        raise Forbidden("无权查看贷款")
    c = repo.contract(session, contract_id)
    if c is None or not may_see(session, actor, c):
        raise NotFound(NOT_FOUND)
    return c


def visible_contract(session: Session, *, actor: Principal, contract_id: int) -> LoanContract:
    """The contract if the actor may see it (else 404/403 as for the book's own pages)."""
    return contract(session, actor, contract_id)


def for_customer(session: Session, actor: Principal, contract_id: int) -> LoanContract:
    """A contract the actor may act on for the borrower: the enterprise itself
    (payment:submit) or an officer of the lending bank (loan:manage)."""
    c = contract(session, actor, contract_id)
    if actor.tenant_kind == TenantKind.enterprise and actor.can(Permission.payment_submit):
        return c
    if actor.tenant_kind == TenantKind.bank and actor.can(Permission.loan_manage):
        return c
    raise Forbidden("无权办理该贷款的用信与支付")


def as_bank(session: Session, actor: Principal, contract_id: int, p: Permission) -> LoanContract:
    c = contract(session, actor, contract_id)
    if actor.tenant_kind != TenantKind.bank or not actor.can(p):
        raise Forbidden("只有贷款银行的有权人员可以办理")
    return c


def require_active(c: LoanContract) -> None:
    if c.status != "active":
        raise Conflict(f"合同状态为「{CONTRACT_STATUS_LABELS.get(c.status, c.status)}」，不能办理")


def audited(
    session: Session, actor: Principal, action: str, kind: str, oid: int, **detail: Any
) -> None:
    audit.record(
        session,
        actor=Actor.of(actor),
        action=f"loan.{action}",
        object_type=kind,
        object_id=oid,
        detail=detail,
    )


def log_evidence(
    session: Session,
    c: LoanContract,
    kind: str,
    subject: tuple[str, int],
    file: bytes | None = None,
    **data: Any,
) -> None:
    """Append the event to the evidence log (链上存证) in this transaction, for the bank and
    the regulator to confirm."""
    evidence.append(
        session,
        evidence.Event(
            kind=kind,
            data={"contract_no": c.contract_no, **data},
            subject=(subject[0], str(subject[1])),
            contract=(c.id, c.contract_no),
            enterprise_id=c.enterprise_id,
            bank_tenant_id=c.bank_tenant_id,
            file=file,
        ),
    )


def bump(session: Session, c: LoanContract) -> None:
    """Compare-and-set on the contract's version: of two writers on one contract (two
    drawdowns at once), the second gets a 409 and writes nothing."""
    flag_modified(c, "terms")  # an UPDATE … WHERE version = :seen even when nothing else changed
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(STALE) from exc
