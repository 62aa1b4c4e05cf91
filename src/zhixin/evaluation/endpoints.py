"""JSON API: evaluation runs, results, explanations, and on-demand evaluation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from zhixin.accounts.permissions import Permission, Principal
from zhixin.evaluation import service
from zhixin.evaluation.schemas import EvaluateIn, ExplanationOut, ResultsPage, RunOut
from zhixin.web.deps import DB, require
from zhixin.web.limits import Heavy

router = APIRouter(tags=["质量信誉评价 evaluation"])
Reader = Annotated[Principal, Depends(require(Permission.evaluation_read))]


@router.get("/evaluation/runs", response_model=list[RunOut])
def runs(
    db: DB,
    principal: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[RunOut]:
    rows = service.list_runs(db, actor=principal, limit=limit, offset=offset)
    return [RunOut.model_validate(r) for r in rows]


@router.get("/evaluation/runs/{run_id}", response_model=RunOut)
def run(run_id: int, db: DB, principal: Reader) -> RunOut:
    return RunOut.model_validate(service.get_run(db, actor=principal, run_id=run_id))


@router.get("/evaluation/runs/{run_id}/results", response_model=ResultsPage)
def results(
    run_id: int,
    db: DB,
    principal: Reader,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=1000)] = 50,
    listed: bool | None = None,
) -> ResultsPage:
    return service.run_results(
        db, actor=principal, run_id=run_id, page=page, per_page=per_page, listed=listed
    )


@router.get("/evaluation/runs/{run_id}/enterprises/{enterprise_id}", response_model=ExplanationOut)
def enterprise_result(run_id: int, enterprise_id: int, db: DB, principal: Reader) -> ExplanationOut:
    return service.enterprise_result(
        db, actor=principal, run_id=run_id, enterprise_id=enterprise_id
    )


@router.post(
    "/evaluation/enterprises/{enterprise_id}/evaluate",
    response_model=ExplanationOut,
    dependencies=[Heavy],
)
def evaluate_now(
    enterprise_id: int,
    body: EvaluateIn,
    db: DB,
    principal: Annotated[Principal, Depends(require(Permission.evaluation_run))],
) -> ExplanationOut:
    return service.evaluate_enterprise(
        db,
        actor=principal,
        enterprise_id=enterprise_id,
        catalog_name=body.catalog,
        as_of=body.as_of,
        known_at=body.known_at,
    )
