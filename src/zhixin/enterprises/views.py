"""Pages: search enterprises, and one enterprise with its records."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.enterprises import service
from zhixin.linkage import reading as linkage
from zhixin.records import service as records
from zhixin.records.kinds import RECORD_KINDS
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.enterprise_read))]
PAGE = 50


@router.get("/enterprises", response_class=HTMLResponse)
def search_page(
    request: Request,
    db: DB,
    principal: Reader,
    q: Annotated[str, Query(max_length=100)] = "",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
) -> Response:
    rows, total = service.search(db, actor=principal, q=q, limit=PAGE, offset=(page - 1) * PAGE)
    return render(
        request, "enterprises.html", rows=rows, total=total, q=q, page=page, pages=-(-total // PAGE)
    )


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def detail_page(
    request: Request,
    enterprise_id: int,
    db: DB,
    principal: Reader,
    history: bool = False,
) -> Response:
    ent = service.get(db, actor=principal, enterprise_id=enterprise_id)
    grouped: dict[str, list[object]] = {}
    can_read = records.may_read(db, actor=principal, enterprise_id=ent.id)
    if can_read:
        for rec in records.records_of(
            db, actor=principal, enterprise_id=ent.id, include_history=history
        ):
            grouped.setdefault(rec.kind, []).append(rec)
    return render(
        request,
        "enterprise.html",
        ent=ent,
        grouped=grouped,
        kinds=RECORD_KINDS,
        can_read=can_read,
        history=history,
        lke=linkage.of_enterprise(db, actor=principal, enterprise_id=ent.id)
        if principal.can(Permission.loan_read)
        else None,
    )
