"""JSON API: an enterprise's consents (授权) to banks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zhixin.accounts.permissions import Permission, Principal
from zhixin.consent import service
from zhixin.consent.schemas import BankOut, ConsentIn, ConsentOut
from zhixin.kit.db import utcnow
from zhixin.web.deps import DB, require

router = APIRouter(tags=["授权 consents"])
Manager = Annotated[Principal, Depends(require(Permission.consent_manage))]


@router.get("/consents/banks", response_model=list[BankOut])
def banks(db: DB, principal: Manager) -> list[BankOut]:
    return service.banks(db, actor=principal)


@router.get("/enterprises/{enterprise_id}/consents", response_model=list[ConsentOut])
def list_consents(enterprise_id: int, db: DB, principal: Manager) -> list[ConsentOut]:
    return service.list_for_enterprise(db, actor=principal, enterprise_id=enterprise_id)


@router.post("/enterprises/{enterprise_id}/consents", response_model=ConsentOut, status_code=201)
def grant(enterprise_id: int, body: ConsentIn, db: DB, principal: Manager) -> ConsentOut:
    consent = service.grant(
        db,
        actor=principal,
        enterprise_id=enterprise_id,
        tenant_id=body.tenant_id,
        scope=body.scope,
        expires_on=body.expires_on,
    )
    return service.to_out(db, [consent], utcnow())[0]


@router.post("/consents/{consent_id}/revoke", response_model=ConsentOut)
def revoke(consent_id: int, db: DB, principal: Manager) -> ConsentOut:
    consent = service.revoke(db, actor=principal, consent_id=consent_id)
    return service.to_out(db, [consent], utcnow())[0]
