"""Pages: the products (质量贷产品) and one product in full."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.products import describe, service
from zhixin.products.schema import CHANNEL_LABELS
from zhixin.web.deps import DB, require
from zhixin.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Principal, Depends(require(Permission.product_read))]


@router.get("/products", response_class=HTMLResponse)
def products_page(request: Request, db: DB, principal: Reader) -> Response:
    rows = service.list_products(db, actor=principal)
    return render(
        request,
        "products.html",
        products=rows,
        ranges={r.code: describe.amount_range(r.config) for r in rows},
        channels=CHANNEL_LABELS,
    )


@router.get("/products/{code}", response_class=HTMLResponse)
def product_page(request: Request, code: str, db: DB, principal: Reader) -> Response:
    out = service.get(db, actor=principal, code=code)
    return render(
        request,
        "product.html",
        product=out,
        sections=describe.sections(out.config),
        amount_range=describe.amount_range(out.config),
        term_range=describe.term_range(out.config),
        channels=CHANNEL_LABELS,
        citations=[(describe.citation(x.file), x.says) for x in out.config.seeds],
    )
