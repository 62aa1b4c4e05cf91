"""Consents (授权): an enterprise grants a bank access to its detailed records, and revokes it.

Never commits. Every grant and revocation is audited. A bank without an active grant is told
"not found", exactly as for an enterprise that does not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.consent import repository as repo
from zhixin.consent import rules
from zhixin.consent.models import Consent
from zhixin.consent.schemas import BankOut, ConsentOut
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit import clock
from zhixin.kit.db import utcnow

NOT_FOUND = "未找到该经营主体的授权记录 / not found"


def _own_enterprise(actor: Principal, enterprise_id: int) -> None:
    """Only the enterprise itself manages its consents; anyone else's request is a 404."""
    if not actor.can(Permission.consent_manage):
        raise Forbidden("只有企业本身可以管理授权")
    if actor.tenant_kind != TenantKind.enterprise or actor.enterprise_id != enterprise_id:
        raise NotFound(NOT_FOUND)


def banks(session: Session, *, actor: Principal) -> list[BankOut]:
    """The banks an enterprise may authorise."""
    if not actor.can(Permission.consent_manage):
        raise Forbidden("只有企业本身可以管理授权")
    return [BankOut(id=t.id, name=t.name) for t in repo.tenants_of_kind(session, TenantKind.bank)]


def to_out(session: Session, consents: Sequence[Consent], now: datetime) -> list[ConsentOut]:
    names = repo.tenant_names(session, [c.tenant_id for c in consents])
    out = []
    for c in consents:
        st = rules.state(c, now)
        out.append(
            ConsentOut(
                id=c.id,
                enterprise_id=c.enterprise_id,
                tenant_id=c.tenant_id,
                bank_name=names.get(c.tenant_id, f"机构 {c.tenant_id}"),
                scope=c.scope,
                scope_label=rules.SCOPES.get(c.scope, c.scope),
                granted_at=c.granted_at,
                expires_on=rules.expiry_day(c.expires_at),
                revoked_at=c.revoked_at,
                state=st.code,
                state_label=st.label,
            )
        )
    return out


def list_for_enterprise(
    session: Session, *, actor: Principal, enterprise_id: int, now: datetime | None = None
) -> list[ConsentOut]:
    _own_enterprise(actor, enterprise_id)
    return to_out(session, repo.of_enterprise(session, enterprise_id), now or utcnow())


def grant(
    session: Session,
    *,
    actor: Principal,
    enterprise_id: int,
    tenant_id: int,
    scope: str = "records",
    expires_on: date | None = None,
    on: date | None = None,
) -> Consent:
    """Grant ``tenant_id`` (a bank) ``scope`` until ``expires_on`` (default one year, max three).

    An earlier grant still in force for the same bank is revoked by the new one (one live grant
    per bank), so what the bank may read is always the newest decision.
    """
    _own_enterprise(actor, enterprise_id)
    bank = repo.tenant(session, tenant_id)
    if bank is None or bank.kind != TenantKind.bank:
        raise Invalid("只能向银行机构授权：未找到该银行")
    day = on or clock.today()
    until = expires_on or rules.default_expiry(day)
    try:
        rules.check_grant(scope=scope, today=day, expires_on=until)
    except rules.ConsentRefused as exc:
        raise Invalid(str(exc)) from exc
    now = utcnow()
    for old in repo.of_pair(session, enterprise_id, tenant_id):
        old.revoked_at = now
        old.revoked_by_id = actor.user_id
    consent = Consent(
        enterprise_id=enterprise_id,
        tenant_id=tenant_id,
        scope=scope,
        granted_at=now,
        expires_at=rules.end_of(until),
        granted_by_id=actor.user_id,
    )
    session.add(consent)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="consent.grant",
        object_type="consent",
        object_id=consent.id,
        detail={
            "enterprise_id": enterprise_id,
            "tenant_id": tenant_id,
            "scope": scope,
            "expires_on": until.isoformat(),
        },
    )
    return consent


def own_consent(session: Session, *, actor: Principal, consent_id: int) -> ConsentOut:
    """One consent of the actor's own enterprise (what the revoking page asks about)."""
    consent = repo.by_id(session, consent_id)
    if consent is None:
        raise NotFound(NOT_FOUND)
    _own_enterprise(actor, consent.enterprise_id)
    return to_out(session, [consent], utcnow())[0]


def revoked_without_grant(
    session: Session, tenant_id: int, enterprise_ids: Sequence[int]
) -> dict[int, datetime]:
    """Those of ``enterprise_ids`` that revoked a grant to the bank ``tenant_id`` and hold no
    active grant of records to it now, with the latest revocation (what a bank's open
    applications of those enterprises show)."""
    moment = utcnow()
    readable = {
        c.enterprise_id
        for c in repo.of_tenant_among(session, tenant_id, enterprise_ids)
        if rules.is_active(c, moment) and rules.covers(c, "records")
    }
    out: dict[int, datetime] = {}
    for c in repo.revoked_of_tenant_among(session, tenant_id, enterprise_ids):
        if c.enterprise_id in readable or c.revoked_at is None:
            continue
        if c.enterprise_id not in out or c.revoked_at > out[c.enterprise_id]:
            out[c.enterprise_id] = c.revoked_at
    return out


def revoke(session: Session, *, actor: Principal, consent_id: int) -> Consent:
    consent = repo.by_id(session, consent_id)
    if consent is None:
        if not actor.can(Permission.consent_manage):
            raise Forbidden("只有企业本身可以管理授权")
        raise NotFound(NOT_FOUND)
    _own_enterprise(actor, consent.enterprise_id)
    if consent.revoked_at is not None:
        raise Conflict("该授权已撤销")
    consent.revoked_at = utcnow()
    consent.revoked_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="consent.revoke",
        object_type="consent",
        object_id=consent.id,
        detail={"enterprise_id": consent.enterprise_id, "tenant_id": consent.tenant_id},
    )
    return consent


def tenant_may(
    session: Session, tenant_id: int, enterprise_id: int, need: str, now: datetime | None = None
) -> bool:
    """Whether the bank ``tenant_id`` holds an active grant of ``enterprise_id`` covering
    ``need`` ("records" or "portrait")."""
    moment = now or utcnow()
    return any(
        rules.is_active(c, moment) and rules.covers(c, need)
        for c in repo.of_pair(session, enterprise_id, tenant_id)
    )


def bank_may(
    session: Session,
    principal: Principal,
    enterprise_id: int,
    need: str,
    now: datetime | None = None,
) -> bool:
    """Whether ``principal`` is a bank holding an active grant of ``enterprise_id`` that covers
    ``need`` ("records" or "portrait")."""
    if principal.tenant_kind != TenantKind.bank:
        return False
    return tenant_may(session, principal.tenant_id, enterprise_id, need, now)


def bank_readable_among(
    session: Session, principal: Principal, enterprise_ids: Sequence[int], need: str
) -> set[int]:
    """Those of ``enterprise_ids`` whose active grant to the principal's bank covers ``need``."""
    if principal.tenant_kind != TenantKind.bank:
        return set()
    moment = utcnow()
    return {
        c.enterprise_id
        for c in repo.of_tenant_among(session, principal.tenant_id, enterprise_ids)
        if rules.is_active(c, moment) and rules.covers(c, need)
    }


@dataclass(frozen=True)
class Standing:
    """Where one consent stands now, and what it means for the bank's reading of records."""

    state: str  # active / expired / revoked / pending
    state_label: str
    revoked_at: datetime | None
    records_readable: bool  # whether the bank may read the records now (by any grant)


def standing(
    session: Session, *, consent_id: int, tenant_id: int, enterprise_id: int
) -> Standing | None:
    """The state of consent ``consent_id`` and whether the bank ``tenant_id`` may read the
    enterprise's records now (a later grant may stand in for a revoked one)."""
    consent = repo.by_id(session, consent_id)
    if consent is None:
        return None
    now = utcnow()
    st = rules.state(consent, now)
    return Standing(
        state=st.code,
        state_label=st.label,
        revoked_at=consent.revoked_at,
        records_readable=tenant_may(session, tenant_id, enterprise_id, "records", now),
    )


def bank_may_read_records(session: Session, principal: Principal, enterprise_id: int) -> bool:
    return bank_may(session, principal, enterprise_id, "records")


def grants_of(session: Session, enterprise_id: int) -> Sequence[Consent]:
    """Every consent the enterprise ever gave, revoked and expired ones included (for the
    enterprise's access log; no permission check: the caller has made it)."""
    return repo.of_enterprise(session, enterprise_id)


def tenant_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    return repo.tenant_names(session, list(ids))
