"""Pages: the model registry for regulators and bank risk users — the list, and one version with
its metrics, calibration, frozen bins and drift runs; an approver promotes a challenger there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.errors import Invalid
from zhixin.risk import metrics, service
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.model_read))]
Approver = Annotated[Principal, Depends(require(Permission.model_approve))]


@router.get("/risk/models", response_class=HTMLResponse)
def models_page(request: Request, db: DB, principal: Reader) -> Response:
    return render(request, "risk_models.html", models=service.list_models(db, actor=principal))


def _detail(
    request: Request, db: DB, principal: Principal, model_id: int, message: str = ""
) -> Response:
    model = service.get_model(db, actor=principal, model_id=model_id)
    return render(
        request,
        "risk_model.html",
        m=model,
        message=message,
        can_promote=principal.can(Permission.model_approve) and model.status == "challenger",
        warn=metrics.WARN,
        alert=metrics.ALERT,
        level_labels=metrics.LEVELS,
    )


@router.get("/risk/models/{model_id}", response_class=HTMLResponse)
def model_page(
    request: Request, model_id: int, db: DB, principal: Reader, promoted: int = 0
) -> Response:
    return _detail(request, db, principal, model_id, "已批准上线。" if promoted else "")


@router.post("/risk/models/{model_id}/promote")
def model_promote_form(
    model_id: int, db: DB, principal: Approver, confirm: Annotated[str, Form()] = ""
) -> Response:
    if confirm != "yes":
        raise Invalid("批准上线前请勾选确认")
    service.promote(db, actor=principal, model_id=model_id)
    return RedirectResponse(f"/risk/models/{model_id}?promoted=1", status_code=303)
