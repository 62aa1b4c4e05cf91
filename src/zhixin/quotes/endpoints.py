"""JSON API: quotes (测算/报价) — quote a product for an enterprise; read a stored quote.

The handlers return the quote already serialised (``QuoteOut.model_dump_json``; a new quote
as the text the service stored, :func:`~zhixin.quotes.service.quote_json`): the service built
and validated it, and a 36-row schedule is worth not validating a second time on the way out.
``response_model`` still declares the shape for the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from zhixin.accounts.permissions import Permission, Principal
from zhixin.quotes import service
from zhixin.quotes.schemas import QuoteIn, QuoteOut
from zhixin.web.deps import DB, require

router = APIRouter(tags=["测算/报价 quotes"])
Quoter = Annotated[Principal, Depends(require(Permission.quote_run))]


def _json(out: QuoteOut, status: int = 200) -> Response:
    return Response(out.model_dump_json(), status_code=status, media_type="application/json")


@router.post("/quotes", response_model=QuoteOut, status_code=201)
def create_quote(body: QuoteIn, db: DB, principal: Quoter) -> Response:
    """测算：资格（不符合时给出原因）、额度及各因子、利率及各组成、还款计划、担保费、贴息与年化利率。"""
    enterprise_id = service.resolve_enterprise(db, enterprise_id=body.enterprise_id, uscc=body.uscc)
    text = service.quote_json(
        db,
        actor=principal,
        product_code=body.product,
        enterprise_id=enterprise_id,
        request=service.request_of(body),
    )
    return Response(text, status_code=201, media_type="application/json")


@router.get("/quotes/{quote_id}", response_model=QuoteOut)
def get_quote(quote_id: int, db: DB, principal: Quoter) -> Response:
    """一次测算的完整结果，与当时展示的完全一致。"""
    return _json(service.get(db, actor=principal, quote_id=quote_id))
