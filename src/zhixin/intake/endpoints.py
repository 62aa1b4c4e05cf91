"""JSON API: templates, uploads and their row-level reports."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit.service import Actor
from zhixin.errors import Invalid, NotFound
from zhixin.intake import service, templates
from zhixin.intake.specs import import_kinds
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy

router = APIRouter(tags=["数据导入 imports"])
Importer = Annotated[Principal, Depends(require(Permission.record_write))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class KindOut(BaseModel):
    code: str
    label: str
    headers: list[str]


class RowErrorOut(BaseModel):
    line: int
    field: str
    reason: str


class BatchOut(BaseModel):
    id: int
    kind: str
    filename: str
    status: str
    total_rows: int
    inserted: int
    corrected: int
    duplicates: int
    rejected: int
    message: str | None


class BatchReport(BatchOut):
    errors: list[RowErrorOut]


def kind_or_404(kind: str) -> str:
    if kind not in dict(import_kinds()):
        raise NotFound("未知的导入类型")
    return kind


def save_upload(upload: UploadFile) -> Path:
    name = upload.filename or "upload"
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise Invalid("只支持 CSV 或 XLSX 文件")
    with tempfile.NamedTemporaryFile(delete=False, suffix=suffix, prefix="zx-upload-") as out:
        shutil.copyfileobj(upload.file, out, length=1024 * 1024)
        return Path(out.name)


def import_upload(
    request: Request,
    principal: Principal,
    *,
    kind: str,
    upload: UploadFile,
    channel: str,
    reassert: bool = False,
) -> tuple[int, service.ImportRefused | None]:
    """Run the import job on an uploaded file (the job owns its transactions).

    Returns the batch id, and the refusal when the file as a whole was refused (its batch is
    recorded as failed either way).
    """
    path = save_upload(upload)
    factory = request.app.state.sessionmaker
    try:
        try:
            summary = service.run_import(
                factory,
                kind=kind,
                path=path,
                filename=upload.filename or path.name,
                source_system=f"upload:{principal.username}",
                channel=channel,
                user_id=principal.user_id,
                tenant_id=principal.tenant_id,
                actor=Actor.of(principal),
                reassert=reassert,
            )
            batch_id, refused = summary.batch_id, None
        except service.ImportRefused as exc:
            batch_id, refused = exc.batch_id, exc
        return batch_id, refused
    finally:
        path.unlink(missing_ok=True)


@router.get("/imports/kinds", response_model=list[KindOut])
def kinds(principal: Importer) -> list[KindOut]:
    return [
        KindOut(code=code, label=label, headers=templates.headers(code))
        for code, label in dict(import_kinds()).items()
    ]


@router.get("/imports/templates/{kind}")
def template(
    kind: str, principal: Importer, format: Annotated[str, Query(pattern="^(xlsx|csv)$")] = "xlsx"
) -> Response:
    kind = kind_or_404(kind)
    if format == "csv":
        return Response(
            templates.template_csv(kind),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{kind}-template.csv"'},
        )
    return Response(
        templates.template_xlsx(kind),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{kind}-template.xlsx"'},
    )


def _report(db: DB, batch_id: int, limit: int = 1000) -> BatchReport:
    batch = service.get_batch(db, batch_id)
    errors = service.batch_errors(db, batch_id, limit=limit, offset=0)
    return BatchReport(
        **BatchOut.model_validate(batch, from_attributes=True).model_dump(),
        errors=[RowErrorOut(line=e.line, field=e.field, reason=e.reason) for e in errors],
    )


@router.post("/imports/{kind}", response_model=BatchReport, status_code=201, dependencies=[Heavy])
def upload(
    request: Request,
    kind: str,
    principal: Importer,
    file: Annotated[UploadFile, File(description="CSV（UTF-8 或 GBK）或 XLSX")],
    db: DB,
    source_system: Annotated[str, Form(max_length=64)] = "",
    reassert: Annotated[bool, Form(description="与历史版本相同的行也写入（恢复该版本）")] = False,
) -> BatchReport:
    kind = kind_or_404(kind)
    batch_id, refused = import_upload(
        request, principal, kind=kind, upload=file, channel="api", reassert=reassert
    )
    if refused is not None:
        raise refused
    return _report(db, batch_id)


@router.get("/imports/{batch_id}", response_model=BatchReport)
def report(
    batch_id: int, db: DB, principal: Importer, limit: Annotated[int, Query(ge=1, le=10000)] = 1000
) -> BatchReport:
    return _report(db, batch_id, limit)


@router.get("/imports/{batch_id}/errors.xlsx", dependencies=[Heavy])
def errors_xlsx(batch_id: int, db: DB, principal: Importer) -> Response:
    return Response(
        service.errors_xlsx(db, batch_id),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="import-{batch_id}-errors.xlsx"'},
    )
