"""JSON API of 异议 (disputes) under /api/v1/disputes, and the enterprise's access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi.responses import Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.disputes import rules, service
from zhixin.disputes.schemas import AccessOut, DecisionIn, DisputeOut, ProposalIn
from zhixin.errors import Invalid
from zhixin.web.deps import DB, require

router = APIRouter(tags=["异议 disputes"])
Filer = Annotated[Principal, Depends(require(Permission.dispute_file))]
Reviewer = Annotated[Principal, Depends(require(Permission.dispute_review))]
Reader = Annotated[Principal, Depends(require(Permission.dispute_file, Permission.dispute_review))]
EVIDENCE_HELP = "PDF、PNG、JPEG 或纯文本，≤ 4 MB（按文件内容识别）"
STATUS_PATTERN = "^(open|pending|proposed|upheld|rejected)$"
AccessReader = Annotated[Principal, Depends(require(Permission.access_log_read))]


def read_evidence(upload: UploadFile | None) -> tuple[bytes | None, str | None]:
    """The evidence file's bytes, read no further than the limit (a larger file is refused)."""
    if upload is None or not upload.filename:
        return None, None
    data = upload.file.read(rules.EVIDENCE_MAX_BYTES + 1)
    if len(data) > rules.EVIDENCE_MAX_BYTES:
        raise Invalid(
            f"证明材料不能超过 {rules.EVIDENCE_MAX_BYTES // (1024 * 1024)} MB", status=413
        )
    return data, upload.filename


@router.post("/disputes", response_model=DisputeOut, status_code=201)
def file_dispute(
    db: DB,
    principal: Filer,
    statement: Annotated[str, Form(max_length=rules.STATEMENT_MAX)],
    record_id: Annotated[int | None, Form()] = None,
    element_code: Annotated[str | None, Form(max_length=32)] = None,
    evidence: Annotated[
        UploadFile | None, File(description="PDF、PNG、JPEG 或纯文本，≤ 4 MB")
    ] = None,
) -> DisputeOut:
    data, name = read_evidence(evidence)
    d = service.file(
        db,
        actor=principal,
        enterprise_id=principal.enterprise_id or -1,
        record_id=record_id,
        element_code=element_code,
        statement=statement,
        evidence=data,
        evidence_name=name,
    )
    return service.to_out(d)


@router.get("/disputes", response_model=list[DisputeOut])
def list_disputes(
    db: DB,
    principal: Reader,
    status: Annotated[
        str | None, Query(pattern="^(open|pending|proposed|upheld|rejected)$")
    ] = None,
) -> list[DisputeOut]:
    return service.outs(
        db, actor=principal, disputes=service.listing(db, actor=principal, status=status)
    )


@router.get("/disputes/access-log", response_model=list[AccessOut])
def access_log(
    db: DB, principal: AccessReader, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[AccessOut]:
    """谁查看了本企业的质量画像与记录：哪家机构、何时、依据哪份授权（来自访问日志）。"""
    return service.access_log(
        db, actor=principal, enterprise_id=principal.enterprise_id or -1, limit=limit
    )


@router.get("/disputes/{dispute_id}", response_model=DisputeOut)
def get_dispute(dispute_id: int, db: DB, principal: Reader) -> DisputeOut:
    d = service.get(db, actor=principal, dispute_id=dispute_id)
    return service.outs(db, actor=principal, disputes=[d])[0]


@router.get("/disputes/{dispute_id}/evidence")
def get_evidence(dispute_id: int, db: DB, principal: Reader) -> Response:
    _name, kind, data = service.evidence(db, actor=principal, dispute_id=dispute_id)
    return Response(
        data,
        media_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="dispute-{dispute_id}-evidence"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/disputes/{dispute_id}/proposal", response_model=DisputeOut)
def propose(dispute_id: int, body: ProposalIn, db: DB, principal: Reviewer) -> DisputeOut:
    d = service.propose(
        db,
        actor=principal,
        dispute_id=dispute_id,
        decision=body.decision,
        note=body.note,
        correction=body.correction,
    )
    return service.to_out(d)


@router.post("/disputes/{dispute_id}/decision", response_model=DisputeOut)
def decide(dispute_id: int, body: DecisionIn, db: DB, principal: Reviewer) -> DisputeOut:
    d = service.decide(
        db, actor=principal, dispute_id=dispute_id, approve=body.approve, note=body.note
    )
    return service.outs(db, actor=principal, disputes=[d])[0]
