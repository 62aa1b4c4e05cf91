"""JSON API: a bank's webhook endpoints, secrets, delivery log and re-sends."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zhixin.accounts.permissions import Permission, Principal
from zhixin.web.deps import DB, AppSettings, require
from zhixin.webhooks import service
from zhixin.webhooks.schemas import DeliveryOut, EndpointCreated, EndpointIn, EndpointOut

router = APIRouter(tags=["Webhook 推送 webhooks"])
Manager = Annotated[Principal, Depends(require(Permission.webhook_manage))]


def _issued(issued: service.Issued) -> EndpointCreated:
    out = EndpointOut.model_validate(issued.endpoint)
    return EndpointCreated(**out.model_dump(), secret=issued.secret)


@router.get("/webhooks/endpoints", response_model=list[EndpointOut])
def list_endpoints(db: DB, principal: Manager) -> list[EndpointOut]:
    return [EndpointOut.model_validate(e) for e in service.list_endpoints(db, actor=principal)]


@router.post("/webhooks/endpoints", response_model=EndpointCreated, status_code=201)
def register(
    body: EndpointIn, db: DB, principal: Manager, settings: AppSettings
) -> EndpointCreated:
    """登记推送端点；返回的 ``secret`` 只显示这一次。"""
    issued = service.register(
        db,
        actor=principal,
        url=body.url,
        description=body.description,
        allow_loopback=settings.webhook_allow_loopback,
    )
    return _issued(issued)


@router.post("/webhooks/endpoints/{endpoint_id}/rotate", response_model=EndpointCreated)
def rotate(endpoint_id: int, db: DB, principal: Manager) -> EndpointCreated:
    """轮换签名密钥：新旧密钥在过渡期内同时签名。"""
    return _issued(service.rotate(db, actor=principal, endpoint_id=endpoint_id))


@router.get("/webhooks/endpoints/{endpoint_id}/deliveries", response_model=list[DeliveryOut])
def deliveries(endpoint_id: int, db: DB, principal: Manager) -> list[DeliveryOut]:
    return service.deliveries(db, actor=principal, endpoint_id=endpoint_id)


@router.post("/webhooks/deliveries/{delivery_id}/resend", response_model=DeliveryOut)
def resend(delivery_id: int, db: DB, principal: Manager) -> DeliveryOut:
    """手动重发：同一事件 ID、同一内容，立即排队。"""
    return DeliveryOut.model_validate(service.resend(db, actor=principal, delivery_id=delivery_id))
