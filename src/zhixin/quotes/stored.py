"""A stored quote: written (one ``quote`` row, audited), read back for those who may read it,
and a request read from the API's body. Never commits."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.errors import Forbidden, NotFound
from zhixin.kit import clock
from zhixin.kit.db import RawJSON, utcnow
from zhixin.products.terms import (
    Collateral,
    QuoteRequest,
)
from zhixin.quotes import access
from zhixin.quotes import repository as repo
from zhixin.quotes.access import NOT_FOUND, SYSTEM, Requester, view_for
from zhixin.quotes.models import Quote
from zhixin.quotes.schemas import (
    QuoteIn,
    QuoteOut,
)


class _Key(BaseModel):
    """The two fields a stored quote adds in front of its body (as :class:`QuoteOut` has them)."""

    id: int
    created_at: datetime


def store(
    session: Session, actor: Requester, out: QuoteOut, *, version_id: int
) -> tuple[QuoteOut, str]:
    """Store and audit ``out``: the stored quote, and as JSON."""
    principal = actor if isinstance(actor, Principal) else None
    created_at = utcnow()
    body = out.model_dump_json(exclude={"id", "created_at"})
    quote_id = repo.add_quote(
        session,
        {
            "enterprise_id": out.enterprise.id,
            "product_code": out.product.code,
            "product_version_id": version_id,
            "bank_code": out.product.bank_code,
            "quoted_on": out.request.on,
            "amount": out.request.amount,
            "term_months": out.request.term_months,
            "method": out.request.method,
            "eligible": out.eligible,
            "limit_amount": out.limit,
            "rate": out.rate,
            "annualised_rate": out.costs.annualised_rate if out.costs else None,
            "evaluation_run_id": out.grade.evaluation_run_id,
            "whitelist_version": out.grade.whitelist_version,
            "body": RawJSON(body),
            "created_by_id": principal.user_id if principal else None,
            "tenant_id": principal.tenant_id if principal else None,
            "created_at": created_at,
        },
    )
    audit.record(
        session,
        actor=Actor.of(principal) if principal else Actor.system(SYSTEM.name),
        action="quote.create",
        object_type="quote",
        object_id=quote_id,
        detail={
            "enterprise_id": out.enterprise.id,
            "product": out.product.code,
            "product_version_id": version_id,
            "amount": str(out.request.amount),
            "term_months": out.request.term_months,
            "eligible": out.eligible,
        },
    )
    key = _Key(id=quote_id, created_at=created_at).model_dump_json()
    stored = out.model_copy(update={"id": quote_id, "created_at": created_at})
    return stored, f"{key[:-1]},{body[1:]}"


def to_out(row: Quote) -> QuoteOut:
    return QuoteOut.model_validate({**row.body, "id": row.id, "created_at": row.created_at})


def get(session: Session, *, actor: Requester, quote_id: int) -> QuoteOut:
    """A stored quote exactly as it was shown (to ``actor``: :func:`view_for`); one the actor
    may not read is a 404."""
    row = repo.quote_by_id(session, quote_id)
    if row is None:
        if isinstance(actor, Principal) and not actor.can(Permission.quote_run):
            raise Forbidden("无权查看测算结果")
        raise NotFound(NOT_FOUND)
    if not access.may_read(session, actor, row):
        raise NotFound(NOT_FOUND)
    return view_for(actor, to_out(row))


def get_row(session: Session, *, actor: Requester, quote_id: int) -> Quote:
    """The stored row (for the schedule download and for applications freezing a quote)."""
    row = repo.quote_by_id(session, quote_id)
    if row is None or not access.may_read(session, actor, row):
        raise NotFound(NOT_FOUND)
    return row


def request_of(body: QuoteIn) -> QuoteRequest:
    """The product's view of an API / page / CLI request (the date defaults to today)."""
    return QuoteRequest(
        amount=body.amount,
        term_months=body.term_months,
        method=body.method,
        on=body.on or clock.today(),
        annual_sales=body.annual_sales,
        collateral=tuple(
            Collateral(kind=c.kind, value=c.value or Decimal(0), valuation_id=c.valuation_id)
            for c in body.collateral
        ),
        milestones_met=frozenset(m.strip() for m in body.milestones_met if m.strip()),
        invoicing_growth=body.invoicing_growth,
    )
