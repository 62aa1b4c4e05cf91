"""Every query of consents."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.accounts.models import Tenant
from zhixin.consent.models import Consent


def by_id(session: Session, consent_id: int) -> Consent | None:
    return session.get(Consent, consent_id)


def of_enterprise(session: Session, enterprise_id: int) -> Sequence[Consent]:
    return session.scalars(
        select(Consent)
        .where(Consent.enterprise_id == enterprise_id)
        .order_by(Consent.granted_at.desc(), Consent.id.desc())
    ).all()


def of_pair(session: Session, enterprise_id: int, tenant_id: int) -> Sequence[Consent]:
    """Not revoked grants of one enterprise to one bank (their expiry is checked by rules)."""
    return session.scalars(
        select(Consent).where(
            Consent.enterprise_id == enterprise_id,
            Consent.tenant_id == tenant_id,
            Consent.revoked_at.is_(None),
        )
    ).all()


def of_tenant_among(
    session: Session, tenant_id: int, enterprise_ids: Sequence[int]
) -> Sequence[Consent]:
    """Not revoked grants of several enterprises to one bank (one query)."""
    if not enterprise_ids:
        return []
    return session.scalars(
        select(Consent).where(
            Consent.tenant_id == tenant_id,
            Consent.enterprise_id.in_(set(enterprise_ids)),
            Consent.revoked_at.is_(None),
        )
    ).all()


def revoked_of_tenant_among(
    session: Session, tenant_id: int, enterprise_ids: Sequence[int]
) -> Sequence[Consent]:
    """Revoked grants of several enterprises to one bank (one query)."""
    if not enterprise_ids:
        return []
    return session.scalars(
        select(Consent).where(
            Consent.tenant_id == tenant_id,
            Consent.enterprise_id.in_(set(enterprise_ids)),
            Consent.revoked_at.is_not(None),
        )
    ).all()


def tenant(session: Session, tenant_id: int) -> Tenant | None:
    return session.get(Tenant, tenant_id)


def tenants_of_kind(session: Session, kind: str) -> Sequence[Tenant]:
    return session.scalars(select(Tenant).where(Tenant.kind == kind).order_by(Tenant.name)).all()


def tenant_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(Tenant.id, Tenant.name).where(Tenant.id.in_(set(ids))))
    return {int(i): str(n) for i, n in rows}
