"""Pages: upload a file, read its row-level report, download templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.intake import service
from zhixin.intake.endpoints import import_upload, kind_or_404
from zhixin.intake.specs import import_kinds
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Importer = Annotated[Principal, Depends(require(Permission.record_write))]


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, db: DB, principal: Importer) -> Response:
    return render(
        request,
        "imports.html",
        kinds=dict(import_kinds()),
        batches=service.list_batches(db, limit=30),
    )


@router.post("/imports", dependencies=[Heavy])
def upload_form(
    request: Request,
    principal: Importer,
    kind: Annotated[str, Form(max_length=32)],
    file: Annotated[UploadFile, File()],
    reassert: Annotated[bool, Form()] = False,
) -> Response:
    kind = kind_or_404(kind)
    batch_id, _refused = import_upload(
        request, principal, kind=kind, upload=file, channel="web", reassert=reassert
    )
    # A refused file still has a batch: its report page shows the reason.
    return RedirectResponse(f"/imports/{batch_id}", status_code=303)


@router.get("/imports/{batch_id}", response_class=HTMLResponse)
def report_page(request: Request, batch_id: int, db: DB, principal: Importer) -> Response:
    batch = service.get_batch(db, batch_id)
    errors = service.batch_errors(db, batch_id, limit=2000, offset=0)
    return render(
        request, "import_report.html", batch=batch, errors=errors, kinds=dict(import_kinds())
    )
