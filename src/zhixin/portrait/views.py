"""Pages: an enterprise's portrait, its PDF, and the enterprise user's own view (/me)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.consent import service as consents
from zhixin.errors import NotFound
from zhixin.linkage import reading as linkage
from zhixin.portrait import service
from zhixin.portrait.endpoints import pdf_response
from zhixin.web.charts import Axis, radar_svg
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.portrait_read))]


def radar_of(p: service.Portrait, *, size: int = 300) -> str:
    if p.result is None:
        return ""
    axes = [Axis(d.name, d.points, d.cap, d.level_name if d.level else "") for d in p.dimensions]
    return radar_svg(axes, size=size, title=f"质量信誉雷达图（总分 {p.result.total_score}）")


@router.get("/enterprises/{enterprise_id}/portrait", response_class=HTMLResponse)
def portrait_page(request: Request, enterprise_id: int, db: DB, principal: Reader) -> Response:
    p = service.read(db, actor=principal, enterprise_id=enterprise_id)
    return render(request, "portrait.html", p=p, radar=radar_of(p))


@router.get("/enterprises/{enterprise_id}/portrait.pdf", dependencies=[Heavy])
def portrait_pdf(enterprise_id: int, db: DB, principal: Reader) -> Response:
    return pdf_response(db, principal, enterprise_id)


def own_view(request: Request, db: Session, principal: Principal) -> Response:
    """The enterprise user's own page: grade, radar, portrait, advice, expiring items, banks."""
    if principal.tenant_kind != TenantKind.enterprise or principal.enterprise_id is None:
        raise NotFound("该页面仅供企业用户查看本企业信息")
    p = service.read(db, actor=principal, enterprise_id=principal.enterprise_id)
    granted = []
    if principal.can(Permission.consent_manage):
        granted = [
            c
            for c in consents.list_for_enterprise(
                db, actor=principal, enterprise_id=principal.enterprise_id
            )
            if c.state == "active"
        ]
    lke = (
        linkage.of_enterprise(db, actor=principal, enterprise_id=principal.enterprise_id)
        if principal.can(Permission.loan_read)
        else None
    )
    return render(request, "my_enterprise.html", p=p, radar=radar_of(p), consents=granted, lke=lke)


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request, db: DB, principal: Reader) -> Response:
    return own_view(request, db, principal)
