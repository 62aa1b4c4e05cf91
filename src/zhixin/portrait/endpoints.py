"""JSON API: an enterprise's quality portrait (质量画像) and its PDF."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.portrait import pdf, service
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy

router = APIRouter(tags=["质量画像 portrait"])
Reader = Annotated[Principal, Depends(require(Permission.portrait_read))]


@router.get("/enterprises/{enterprise_id}/portrait")
def portrait(enterprise_id: int, db: DB, principal: Reader) -> dict[str, Any]:
    """Identity, levels, radar data, elements (evidence by consent), trend, warnings, advice."""
    p = service.read(db, actor=principal, enterprise_id=enterprise_id)
    return {
        "identity": asdict(p.identity),
        "today": p.today,
        "evidence": p.evidence,
        "result": p.result.model_dump(mode="json") if p.result else None,
        "dimensions": [asdict(d) for d in p.dimensions],
        "trend": [asdict(t) for t in p.trend],
        "warnings": [asdict(w) for w in p.warnings],
        "advice": p.advice,
        "disputes_open": p.disputes_open,
    }


@router.get(
    "/enterprises/{enterprise_id}/portrait.pdf", response_class=Response, dependencies=[Heavy]
)
def portrait_pdf(enterprise_id: int, db: DB, principal: Reader) -> Response:
    return pdf_response(db, principal, enterprise_id)


def pdf_response(db: Session, principal: Principal, enterprise_id: int) -> Response:
    """The portrait as a one-page PDF; the download goes to the access log once rendered."""
    p = service.build(db, actor=principal, enterprise_id=enterprise_id)
    data = pdf.render(p)
    service.pdf_taken(db, actor=principal, portrait=p)
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="portrait-{p.identity.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
