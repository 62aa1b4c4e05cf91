"""JSON API: the LPR table (贷款市场报价利率)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import NotFound
from zhixin.lpr import service
from zhixin.lpr.schemas import LprIn, LprOnOut, LprRow
from zhixin.web.deps import DB, require

router = APIRouter(tags=["LPR 贷款市场报价利率"])
Reader = Annotated[Principal, Depends(require(Permission.product_read))]
Manager = Annotated[Principal, Depends(require(Permission.lpr_manage))]


@router.get("/lpr", response_model=list[LprRow])
def lpr_table(db: DB, principal: Reader) -> list[LprRow]:
    """The whole table, newest first: shipped announcements and operator entries."""
    return service.table(db, actor=principal)


@router.get("/lpr/on/{day}", response_model=LprOnOut)
def lpr_on(day: date, db: DB, principal: Reader) -> LprOnOut:
    """The LPR in force on ``day`` (422 for a day before the table starts)."""
    return LprOnOut(**asdict(service.rates_on(db, day)))


@router.put("/lpr/{day}", response_model=LprRow)
def lpr_set(day: date, body: LprIn, db: DB, principal: Manager) -> LprRow:
    """Enter the LPR published on ``day``, or replace the entry of that day (audited)."""
    service.set_rate(
        db,
        actor=principal,
        effective_on=day,
        one_year=body.one_year,
        five_year=body.five_year,
        note=body.note,
    )
    row = service.entry_on(db, actor=principal, day=day)
    if row is None:  # pragma: no cover - just written
        raise NotFound()
    return row


@router.delete("/lpr/{day}", status_code=204)
def lpr_delete(day: date, db: DB, principal: Manager) -> Response:
    """Delete an operator's entry (shipped announcements cannot be deleted)."""
    service.delete_rate(db, actor=principal, effective_on=day)
    return Response(status_code=204)
