"""JSON API: the risk-model registry, scoring an enterprise, patent valuation (/api/v1/risk)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zhixin.accounts.permissions import Permission, Principal
from zhixin.kit.clock import today
from zhixin.risk import scoring, service, valuation
from zhixin.risk.schemas import (
    ModelBrief,
    ModelDetail,
    OverrideIn,
    PatentIn,
    ScoreIn,
    ScoreOut,
    ValuationOut,
)
from zhixin.web.deps import DB, require

router = APIRouter(prefix="/risk", tags=["风险模型"])
Reader = Annotated[Principal, Depends(require(Permission.model_read))]
Approver = Annotated[Principal, Depends(require(Permission.model_approve))]
Scorer = Annotated[Principal, Depends(require(Permission.risk_score))]
Valuer = Annotated[Principal, Depends(require(Permission.patent_value))]


@router.get("/models", response_model=list[ModelBrief])
def models_list(db: DB, principal: Reader) -> list[ModelBrief]:
    """Every model version, newest first per code, with its status and validation metrics."""
    return service.list_models(db, actor=principal)


@router.get("/models/{model_id}", response_model=ModelDetail)
def model_detail(model_id: int, db: DB, principal: Reader) -> ModelDetail:
    """One version: metrics, calibration table, frozen bins and points, PSI/CSI runs."""
    return service.get_model(db, actor=principal, model_id=model_id)


@router.post("/models/{model_id}/promote", response_model=ModelDetail)
def model_promote(model_id: int, db: DB, principal: Approver) -> ModelDetail:
    """Promote a challenger to champion (409 when the approver trained it, or it is not a
    challenger); the previous champion of the same code is retired."""
    service.promote(db, actor=principal, model_id=model_id)
    return service.get_model(db, actor=principal, model_id=model_id)


@router.post("/score", response_model=ScoreOut)
def score(body: ScoreIn, db: DB, principal: Scorer) -> ScoreOut:
    """Score an enterprise with the champion of ``model``: score, PD and Chinese reason codes.
    A bank needs the enterprise's consent (403 with the reason otherwise)."""
    return scoring.score(
        db,
        actor=principal,
        enterprise_id=body.enterprise_id,
        model_code=body.model,
        as_of=body.as_of or today(),
        catalog=body.catalog,
    )


@router.post("/patents/valuations", response_model=ValuationOut, status_code=201)
def patent_value(body: PatentIn, db: DB, principal: Valuer) -> ValuationOut:
    """Value a patent as a pledge basis (income approach); every input and factor returned."""
    return valuation.to_out(valuation.value_patent(db, actor=principal, body=body))


@router.get("/patents/valuations/{valuation_id}", response_model=ValuationOut)
def patent_get(valuation_id: int, db: DB, principal: Valuer) -> ValuationOut:
    return valuation.to_out(valuation.get(db, actor=principal, valuation_id=valuation_id))


@router.post("/patents/valuations/{valuation_id}/override", response_model=ValuationOut)
def patent_override(valuation_id: int, body: OverrideIn, db: DB, principal: Valuer) -> ValuationOut:
    """An officer's value instead of the method's, with the reason (audited)."""
    row = valuation.override(
        db, actor=principal, valuation_id=valuation_id, value=body.value, reason=body.reason
    )
    return valuation.to_out(row)
