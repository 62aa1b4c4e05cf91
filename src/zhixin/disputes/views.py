"""Pages of 异议: an enterprise files a dispute and sees who took its data; regulators propose
and approve resolutions (two people)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.disputes import rules, service
from zhixin.disputes.endpoints import read_evidence
from zhixin.errors import Invalid
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Filer = Annotated[Principal, Depends(require(Permission.dispute_file))]
Reviewer = Annotated[Principal, Depends(require(Permission.dispute_review))]
Reader = Annotated[Principal, Depends(require(Permission.dispute_file, Permission.dispute_review))]


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(
    request: Request, db: DB, principal: Reader, record_id: int | None = None
) -> Response:
    filer = principal.can(Permission.dispute_file)
    access = (
        service.access_log(db, actor=principal, enterprise_id=principal.enterprise_id or -1)
        if principal.can(Permission.access_log_read)
        else []
    )
    return render(
        request,
        "disputes.html",
        disputes=service.outs(db, actor=principal, disputes=service.listing(db, actor=principal)),
        filer=filer,
        reviewer=principal.can(Permission.dispute_review),
        record_id=record_id,
        access=access,
        proposals=rules.PROPOSALS,
        correctable=rules.CORRECTABLE,
        me=principal.user_id,
    )


@router.post("/disputes")
def file_form(
    db: DB,
    principal: Filer,
    statement: Annotated[str, Form(max_length=rules.STATEMENT_MAX)],
    record_id: Annotated[int | None, Form()] = None,
    element_code: Annotated[str, Form(max_length=32)] = "",
    evidence: Annotated[UploadFile | None, File()] = None,
) -> Response:
    data, name = read_evidence(evidence)
    service.file(
        db,
        actor=principal,
        enterprise_id=principal.enterprise_id or -1,
        record_id=record_id,
        element_code=element_code or None,
        statement=statement,
        evidence=data,
        evidence_name=name,
    )
    return RedirectResponse("/disputes", status_code=303)


@router.post("/disputes/{dispute_id}/proposal")
def propose_form(
    dispute_id: int,
    db: DB,
    principal: Reviewer,
    decision: Annotated[str, Form(max_length=16)],
    note: Annotated[str, Form(max_length=rules.NOTE_MAX)],
    correction: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    fixed: dict[str, object] | None = None
    if correction.strip():
        try:
            loaded = json.loads(correction)
        except ValueError as exc:
            raise Invalid('更正内容应为 JSON，如 {"status": "撤销"} 或 {"remove": true}') from exc
        if not isinstance(loaded, dict):
            raise Invalid('更正内容应为 JSON 对象，如 {"status": "撤销"}')
        fixed = loaded
    service.propose(
        db, actor=principal, dispute_id=dispute_id, decision=decision, note=note, correction=fixed
    )
    return RedirectResponse("/disputes", status_code=303)


@router.post("/disputes/{dispute_id}/decision")
def decide_form(
    dispute_id: int,
    db: DB,
    principal: Reviewer,
    approve: Annotated[bool, Form()],
    note: Annotated[str, Form(max_length=rules.NOTE_MAX)] = "",
) -> Response:
    service.decide(db, actor=principal, dispute_id=dispute_id, approve=approve, note=note)
    return RedirectResponse("/disputes", status_code=303)
