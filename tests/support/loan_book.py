"""A loan book for servicing tests and the bench: contracts and drawdowns written straight into
the tables (Core inserts), with the rows they refer to (tenant, enterprise, product version,
quote, application) filled with placeholder values — servicing reads none of those."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, Numeric, String, insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from zhixin.kit.db import UTCDateTime
from zhixin.models import metadata

_serial = itertools.count(1)


def _placeholder(column: Any) -> Any:
    t = column.type
    if isinstance(t, UTCDateTime | DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(t, Date):
        return date(2026, 1, 1)
    if isinstance(t, Boolean):
        return False
    if isinstance(t, Numeric):
        return Decimal(0)
    if isinstance(t, Integer):
        return 1
    if isinstance(t, JSON):
        return {}
    if isinstance(t, String) and t.length:
        return f"{column.name[:10]}-{next(_serial)}"[: t.length]
    return f"{column.name}-{next(_serial)}"


def placeholder_row(conn: Connection | Session, table: str, **values: Any) -> int:
    """Insert a row of ``table`` with ``values`` and placeholders elsewhere; the rows a required
    foreign key refers to are made the same way. Returns the id."""
    t = metadata.tables[table]
    row = dict(values)
    for c in t.columns:
        if c.primary_key or c.name in row or c.nullable:
            continue
        if c.default is not None or c.server_default is not None:
            continue
        fks = list(c.foreign_keys)
        row[c.name] = placeholder_row(conn, fks[0].column.table.name) if fks else _placeholder(c)
    result = conn.execute(insert(t).values(row))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass(frozen=True)
class Book:
    bank_id: int
    user_id: int
    enterprise_id: int
    contract_ids: list[int]


def make_book(
    conn: Connection | Session,
    *,
    contracts: int = 1,
    markup: Decimal = Decimal("0.5"),
    maturity: date = date(2027, 12, 31),
    order: Sequence[str] = ("penalty", "compound", "interest", "principal"),
    bank_id: int | None = None,
    user_id: int | None = None,
) -> Book:
    bank = bank_id or placeholder_row(conn, "tenant", kind="bank")
    user = user_id or placeholder_row(conn, "app_user", tenant_id=bank)
    enterprise = placeholder_row(conn, "enterprise")
    version = placeholder_row(conn, "product_version")
    ids = []
    for _ in range(contracts):
        quote = placeholder_row(conn, "quote", enterprise_id=enterprise, product_version_id=version)
        application = placeholder_row(
            conn,
            "loan_application",
            enterprise_id=enterprise,
            bank_tenant_id=bank,
            product_version_id=version,
            quote_id=quote,
            submitted_by_id=user,
        )
        ids.append(
            placeholder_row(
                conn,
                "loan_contract",
                bank_tenant_id=bank,
                enterprise_id=enterprise,
                application_id=application,
                product_version_id=version,
                quote_id=quote,
                product_code="zjtx-edai",
                rate_kind="fixed",
                spread=Decimal(0),
                contract_rate=Decimal("3.85"),
                penalty_markup=markup,
                allocation_order=list(order),
                principal_limit=Decimal("10000000.00"),
                term_months=12,
                method="等额本金",
                start_date=date(2026, 1, 1),
                maturity_date=maturity,
                terms={"renewal_allowed": True, "prepayment_allowed": True},
                status="active",
                version=1,
            )
        )
    return Book(bank, user, enterprise, ids)


def add_drawdown(
    conn: Connection | Session,
    book: Book,
    contract_id: int,
    *,
    amount: Decimal,
    annual_rate: Decimal,
    value_date: date,
    instalments: Sequence[tuple[date, Decimal, Decimal]],
    method: str = "等额本金",
) -> int:
    """A disbursed drawdown with its schedule (due date, principal, interest)."""
    dd = placeholder_row(
        conn,
        "loan_drawdown",
        contract_id=contract_id,
        amount=amount,
        requested_by_id=book.user_id,
        status="disbursed",
        value_date=value_date,
        maturity=instalments[-1][0],
        term_months=len(instalments),
        annual_rate=annual_rate,
        method=method,
        outstanding_principal=amount,
    )
    previous = value_date
    conn.execute(
        insert(metadata.tables["loan_instalment"]),
        [
            {
                "drawdown_id": dd,
                "seq": k,
                "period_start": start,
                "due_date": due,
                "principal": principal,
                "interest": interest,
                "principal_paid": Decimal(0),
                "interest_paid": Decimal(0),
                "status": "due",
            }
            for k, (start, (due, principal, interest)) in enumerate(
                zip([previous, *[i[0] for i in instalments[:-1]]], instalments, strict=True), 1
            )
        ],
    )
    return dd
