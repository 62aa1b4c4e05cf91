"""JSON API: the enterprise registry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.enterprises import service
from zhixin.enterprises.schemas import EnterpriseIn, EnterpriseOut, EnterprisePage
from zhixin.web.deps import DB, require

router = APIRouter(tags=["经营主体 enterprises"])
Reader = Annotated[Principal, Depends(require(Permission.enterprise_read))]


@router.get("/enterprises", response_model=EnterprisePage)
def search(
    db: DB,
    principal: Reader,
    q: Annotated[str, Query(max_length=100, description="统一社会信用代码或名称片段")] = "",
    region_code: Annotated[str | None, Query(max_length=6)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> EnterprisePage:
    rows, total = service.search(
        db, actor=principal, q=q, region_code=region_code, limit=limit, offset=offset
    )
    return EnterprisePage(
        total=total, items=[EnterpriseOut.model_validate(e, from_attributes=True) for e in rows]
    )


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut)
def get(enterprise_id: int, db: DB, principal: Reader) -> EnterpriseOut:
    ent = service.get(db, actor=principal, enterprise_id=enterprise_id)
    return EnterpriseOut.model_validate(ent, from_attributes=True)


@router.post("/enterprises", response_model=EnterpriseOut, status_code=201)
def create(
    body: EnterpriseIn,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.enterprise_write))],
) -> EnterpriseOut:
    ent = service.create(db, actor=principal, **body.model_dump())
    return EnterpriseOut.model_validate(ent, from_attributes=True)
