"""JSON API: products (质量贷产品)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from zhixin.accounts.permissions import Permission, Principal
from zhixin.products import service
from zhixin.products.schemas import ProductOut
from zhixin.web.deps import DB, require

router = APIRouter(tags=["产品 products"])
Reader = Annotated[Principal, Depends(require(Permission.product_read))]


@router.get("/products", response_model=list[ProductOut])
def list_products(db: DB, principal: Reader) -> list[ProductOut]:
    """Every product's current version: headline figures and the full configuration."""
    return service.list_products(db, actor=principal)


@router.get("/products/{code}", response_model=ProductOut)
def get_product(code: str, db: DB, principal: Reader) -> ProductOut:
    """One product's current version, with the versions the platform has stored."""
    return service.get(db, actor=principal, code=code)
