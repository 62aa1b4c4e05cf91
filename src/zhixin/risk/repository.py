"""Every query of the risk domain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Float, Row, Table, bindparam, func, select, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from zhixin.risk.models import (
    BankLineRow,
    FinancialYearRow,
    InvoiceMonthRow,
    PatentValuation,
    RiskModel,
    RiskMonitor,
)
from zhixin.risk.rules import CHAMPION

# -- registry ----------------------------------------------------------------------------------


def models(session: Session, code: str | None = None) -> Sequence[RiskModel]:
    q = select(RiskModel).order_by(RiskModel.code, RiskModel.version.desc())
    if code:
        q = q.where(RiskModel.code == code)
    return session.scalars(q).all()


def model(session: Session, model_id: int) -> RiskModel | None:
    return session.get(RiskModel, model_id)


def model_for_update(session: Session, model_id: int) -> RiskModel | None:
    return session.scalars(
        select(RiskModel).where(RiskModel.id == model_id).with_for_update()
    ).first()


def by_version(session: Session, code: str, version: int) -> RiskModel | None:
    return session.scalars(
        select(RiskModel).where(RiskModel.code == code, RiskModel.version == version)
    ).first()


def last_version(session: Session, code: str) -> int:
    found = session.scalar(select(func.max(RiskModel.version)).where(RiskModel.code == code))
    return int(found or 0)


def champions(session: Session, code: str) -> Sequence[RiskModel]:
    return session.scalars(
        select(RiskModel)
        .where(RiskModel.code == code, RiskModel.status == CHAMPION)
        .with_for_update()
    ).all()


# The one statement a quote runs to find the champion: built once, bound per call.
_CHAMPION_ID = (
    select(RiskModel.id, RiskModel.version, RiskModel.created_at)
    .where(RiskModel.code == bindparam("code"), RiskModel.status == CHAMPION)
    .limit(1)
)


def champion_id(session: Session, code: str) -> tuple[int, int, datetime] | None:
    row = session.execute(_CHAMPION_ID, {"code": code}).first()
    return None if row is None else (int(row[0]), int(row[1]), row[2])


def monitors(session: Session, model_id: int, limit: int = 50) -> Sequence[RiskMonitor]:
    return session.scalars(
        select(RiskMonitor)
        .where(RiskMonitor.model_id == model_id)
        .order_by(RiskMonitor.ran_at.desc(), RiskMonitor.id.desc())
        .limit(limit)
    ).all()


# -- financial data ----------------------------------------------------------------------------


# a score's reads, built once with bound values (a quote with a model runs them): Core
# statements on the tables, run on the session's connection — no ORM layer, no entities, no
# Decimal per amount (two years of bank lines are hundreds of rows)


def _yuan(value: object) -> float | None:
    """A ``Money`` value as the float a score uses: ``float`` of the ``Decimal`` the ORM reads.

    PostgreSQL and MySQL hand over that ``Decimal``. SQLite keeps a REAL or an INTEGER, which
    the ORM reads as ``Decimal("%.2f" % value)``; ``round(value, 2)`` is the same float (both
    round the binary value correctly to two places, then read the digits back)."""
    if value is None:
        return None
    if type(value) is float:
        return round(value, 2)
    return float(value)  # type: ignore[arg-type]


class _Yuan(Float[float]):
    """A ``Money`` column read through :func:`_yuan`."""

    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return _yuan


def _as_yuan(column: ColumnElement[Decimal]) -> ColumnElement[float]:
    return type_coerce(column, _Yuan())


_YEARS = cast(Table, FinancialYearRow.__table__).c
_MONTHS = cast(Table, InvoiceMonthRow.__table__).c
_LINES = cast(Table, BankLineRow.__table__).c
_FINANCIAL_YEARS = (
    select(
        _YEARS.year,
        _as_yuan(_YEARS.revenue),
        _as_yuan(_YEARS.net_profit),
        _as_yuan(_YEARS.total_assets),
        _as_yuan(_YEARS.total_liabilities),
        _as_yuan(_YEARS.current_assets),
        _as_yuan(_YEARS.current_liabilities),
        _as_yuan(_YEARS.rd_expense),
    )
    .where(_YEARS.enterprise_id == bindparam("eid"))
    .order_by(_YEARS.year)
)
_INVOICE_MONTHS = (
    select(_MONTHS.month, _as_yuan(_MONTHS.invoiced), _as_yuan(_MONTHS.tax_paid))
    .where(_MONTHS.enterprise_id == bindparam("eid"), _MONTHS.month >= bindparam("since"))
    .order_by(_MONTHS.month)
)
_BANK_LINES = (
    select(_LINES.booked_on, _as_yuan(_LINES.amount), _LINES.counterparty)
    .where(_LINES.enterprise_id == bindparam("eid"), _LINES.booked_on >= bindparam("since"))
    .order_by(_LINES.booked_on, _LINES.id)
)


def financial_years(session: Session, enterprise_id: int) -> Sequence[Row[int, *tuple[float, ...]]]:
    """(year, revenue, net_profit, total_assets, total_liabilities, current_assets,
    current_liabilities, rd_expense) by year; amounts as floats (:func:`_yuan`)."""
    return session.connection().execute(_FINANCIAL_YEARS, {"eid": enterprise_id}).all()


def invoice_months(
    session: Session, enterprise_id: int, since: date
) -> Sequence[Row[date, float, float]]:
    """(month, invoiced, tax_paid) from ``since``, by month; amounts as floats."""
    params = {"eid": enterprise_id, "since": since}
    return session.connection().execute(_INVOICE_MONTHS, params).all()


def bank_lines(
    session: Session, enterprise_id: int, since: date
) -> Sequence[Row[date, float, str]]:
    """(booked_on, amount, counterparty) from ``since``, in booking order; amounts as floats."""
    params = {"eid": enterprise_id, "since": since}
    return session.connection().execute(_BANK_LINES, params).all()


def financial_year(session: Session, enterprise_id: int, year: int) -> FinancialYearRow | None:
    return session.scalars(
        select(FinancialYearRow).where(
            FinancialYearRow.enterprise_id == enterprise_id, FinancialYearRow.year == year
        )
    ).first()


def invoice_month(session: Session, enterprise_id: int, month: date) -> InvoiceMonthRow | None:
    return session.scalars(
        select(InvoiceMonthRow).where(
            InvoiceMonthRow.enterprise_id == enterprise_id, InvoiceMonthRow.month == month
        )
    ).first()


def bank_line(session: Session, enterprise_id: int, bank: str, ref: str) -> BankLineRow | None:
    return session.scalars(
        select(BankLineRow).where(
            BankLineRow.enterprise_id == enterprise_id,
            BankLineRow.bank == bank,
            BankLineRow.ref == ref,
        )
    ).first()


# -- patents -----------------------------------------------------------------------------------


def valuation(session: Session, valuation_id: int) -> PatentValuation | None:
    return session.get(PatentValuation, valuation_id)


def valuations_of(
    session: Session, *, tenant_id: int, enterprise_id: int | None = None, limit: int = 100
) -> Sequence[PatentValuation]:
    q = select(PatentValuation).where(PatentValuation.tenant_id == tenant_id)
    if enterprise_id is not None:
        q = q.where(PatentValuation.enterprise_id == enterprise_id)
    return session.scalars(q.order_by(PatentValuation.id.desc()).limit(limit)).all()
