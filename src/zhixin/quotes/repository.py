"""Every query of the quotes domain: the stored quotes.

What a quote reads of other domains (the enterprise, its records, the whitelist version in
force, the evaluation behind it) each owning domain reads for it, through its service:
:mod:`zhixin.quotes.facts`.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from zhixin.quotes.models import Quote

# Built once: a quote's insert is on the hot path (bench/quotes.py).
_INSERT_QUOTE = insert(typing.cast(Table, Quote.__table__))


def add_quote(session: Session, values: dict[str, Any]) -> int:
    """Insert one quote (a Core insert: a quote is never loaded back into this session)."""
    result = typing.cast(CursorResult[Any], session.execute(_INSERT_QUOTE, values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def quote_by_id(session: Session, quote_id: int) -> Quote | None:
    return session.get(Quote, quote_id)


def quotes_of_enterprise(session: Session, enterprise_id: int, limit: int = 50) -> Sequence[Quote]:
    return session.scalars(
        select(Quote)
        .where(Quote.enterprise_id == enterprise_id)
        .order_by(Quote.id.desc())
        .limit(limit)
    ).all()
