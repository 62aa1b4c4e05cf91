"""JSON API: loan applications (贷款申请) and joint consultations (联合会诊).

Every POST takes an optional ``Idempotency-Key`` header: the same key from the same user with
the same request returns the first response (header ``Idempotency-Replayed: true``) and does
nothing again — also when the duplicates arrive while the first is still running: they wait for
its outcome (``applications.idempotency``); with a different request it is refused with 422.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from zhixin.accounts.permissions import Permission, Principal
from zhixin.applications import acts, consultation, idempotency, reading, service
from zhixin.applications.schemas import (
    ActIn,
    ApplicationDetail,
    ApplicationIn,
    CloseIn,
    ConsultationOut,
    ConsultationQueueOut,
    PlanIn,
    QueueOut,
)
from zhixin.web.deps import DB, require

router = APIRouter(tags=["贷款申请 applications"])
Reader = Annotated[Principal, Depends(require(Permission.application_read))]
Submitter = Annotated[Principal, Depends(require(Permission.application_submit))]
TaskForce = Annotated[Principal, Depends(require(Permission.consultation_manage))]
IdemKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", max_length=128, description="幂等键：重试时原样重发"),
]


def _once(
    db: DB,
    principal: Principal,
    request: Request,
    key: str | None,
    body: BaseModel | None,
    run: Callable[[], BaseModel],
    status: int = 200,
) -> JSONResponse:
    if key is None:
        return JSONResponse(run().model_dump(mode="json"), status_code=status)
    print_ = idempotency.fingerprint(
        request.method, request.url.path, body.model_dump_json() if body is not None else ""
    )
    seen = idempotency.claim(db, user_id=principal.user_id, key=key, print_=print_)
    if seen is not None:
        return JSONResponse(
            seen.response, status_code=seen.status_code, headers={"Idempotency-Replayed": "true"}
        )
    payload = run().model_dump(mode="json")
    idempotency.complete(db, user_id=principal.user_id, key=key, status=status, response=payload)
    return JSONResponse(payload, status_code=status)


def _detail(db: DB, principal: Principal, application_id: int) -> ApplicationDetail:
    return reading.detail(db, actor=principal, application_id=application_id)


# -- applications --------------------------------------------------------------------------


@router.get("/applications", response_model=QueueOut)
def list_applications(
    db: DB,
    principal: Reader,
    state: Annotated[list[str] | None, Query(description="按状态筛选，可多选")] = None,
    overdue: Annotated[bool, Query(description="只看已超过快速通道时限的在办申请")] = False,
) -> QueueOut:
    return reading.queue(db, actor=principal, states=state, overdue_only=overdue)


@router.post("/applications", response_model=ApplicationDetail, status_code=201)
def submit(
    body: ApplicationIn, request: Request, db: DB, principal: Submitter, key: IdemKey = None
) -> JSONResponse:
    def run() -> ApplicationDetail:
        app = service.submit(db, actor=principal, form=body)
        return _detail(db, principal, app.id)

    return _once(db, principal, request, key, body, run, status=201)


@router.get("/applications/{application_id}", response_model=ApplicationDetail)
def get_application(application_id: int, db: DB, principal: Reader) -> ApplicationDetail:
    return _detail(db, principal, application_id)


# -- what a person does to an application: one route per act, from the table ---------------


def _act_route(act: acts.Act) -> None:
    """``POST /applications/{id}/{act.path}``: the act's permission checked before the body is
    read, the body validated as ``act.body``, the act done, the application answered."""

    def endpoint(
        application_id: int,
        body: ActIn,
        request: Request,
        db: DB,
        principal: Principal,
        key: IdemKey = None,
    ) -> JSONResponse:
        def run() -> ApplicationDetail:
            acts.perform(
                db,
                act.name,
                actor=principal,
                application_id=application_id,
                inputs=acts.inputs_of(body),
            )
            return _detail(db, principal, application_id)

        return _once(db, principal, request, key, body, run)

    # the body's model and the permission are the act's: FastAPI reads them from the signature
    typed = {"body": act.body, "principal": Annotated[Principal, Depends(require(act.permission))]}
    signature = inspect.signature(endpoint)
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=typed.get(p.name, p.annotation))
            for p in signature.parameters.values()
        ]
    )
    router.add_api_route(
        f"/applications/{{application_id}}/{act.path}",
        endpoint,
        methods=["POST"],
        name=act.name,
        summary=act.label,
        response_model=ApplicationDetail,
    )


for _act in acts.ACTS.values():
    _act_route(_act)


# -- consultations -------------------------------------------------------------------------


@router.get("/consultations", response_model=ConsultationQueueOut, tags=["联合会诊 consultations"])
def list_consultations(
    db: DB,
    principal: TaskForce,
    status: Annotated[str | None, Query(description="open / planned / resolved / closed")] = None,
) -> ConsultationQueueOut:
    return consultation.queue(db, actor=principal, status=status)


@router.get(
    "/consultations/{consultation_id}",
    response_model=ConsultationOut,
    tags=["联合会诊 consultations"],
)
def get_consultation(consultation_id: int, db: DB, principal: TaskForce) -> ConsultationOut:
    return consultation.detail(db, actor=principal, consultation_id=consultation_id)


@router.post(
    "/consultations/{consultation_id}/plan",
    response_model=ConsultationOut,
    tags=["联合会诊 consultations"],
)
def record_plan(
    consultation_id: int,
    body: PlanIn,
    request: Request,
    db: DB,
    principal: TaskForce,
    key: IdemKey = None,
) -> JSONResponse:
    def run() -> ConsultationOut:
        consultation.record_plan(
            db, actor=principal, consultation_id=consultation_id, plan=body.plan
        )
        return consultation.detail(db, actor=principal, consultation_id=consultation_id)

    return _once(db, principal, request, key, body, run)


@router.post(
    "/consultations/{consultation_id}/recompute",
    response_model=ConsultationOut,
    tags=["联合会诊 consultations"],
)
def recompute(
    consultation_id: int, request: Request, db: DB, principal: TaskForce, key: IdemKey = None
) -> JSONResponse:
    def run() -> ConsultationOut:
        consultation.recompute(db, actor=principal, consultation_id=consultation_id)
        return consultation.detail(db, actor=principal, consultation_id=consultation_id)

    return _once(db, principal, request, key, None, run)


@router.post(
    "/consultations/{consultation_id}/close",
    response_model=ConsultationOut,
    tags=["联合会诊 consultations"],
)
def close(
    consultation_id: int,
    body: CloseIn,
    request: Request,
    db: DB,
    principal: TaskForce,
    key: IdemKey = None,
) -> JSONResponse:
    def run() -> ConsultationOut:
        consultation.close(db, actor=principal, consultation_id=consultation_id, note=body.note)
        return consultation.detail(db, actor=principal, consultation_id=consultation_id)

    return _once(db, principal, request, key, body, run)
