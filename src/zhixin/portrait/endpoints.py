"""JSON API: an enterprise's quality portrait (质量画像) and its PDF."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.portrait import pdf, service
from zhixin.web.deps import DB, UnitOfWorkRoute, require

router = APIRouter(tags=["质量画像 portrait"], route_class=UnitOfWorkRoute)
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
    }


@router.get("/enterprises/{enterprise_id}/portrait.pdf", response_class=Response)
def portrait_pdf(enterprise_id: int, db: DB, principal: Reader) -> Response:
    p = service.read(db, actor=principal, enterprise_id=enterprise_id, pdf=True)
    return pdf_response(p)


def pdf_response(p: service.Portrait) -> Response:
    return Response(
        pdf.render(p),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="portrait-{p.identity.id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
