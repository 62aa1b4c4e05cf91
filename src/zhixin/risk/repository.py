"""Every query of the risk domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Row, bindparam, func, select
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


# a score's reads, built once with bound values (a quote with a model runs them): plain
# columns, not ORM entities — two years of bank lines are hundreds of rows
_FINANCIAL_YEARS = (
    select(
        FinancialYearRow.year,
        FinancialYearRow.revenue,
        FinancialYearRow.net_profit,
        FinancialYearRow.total_assets,
        FinancialYearRow.total_liabilities,
        FinancialYearRow.current_assets,
        FinancialYearRow.current_liabilities,
        FinancialYearRow.rd_expense,
    )
    .where(FinancialYearRow.enterprise_id == bindparam("eid"))
    .order_by(FinancialYearRow.year)
)
_INVOICE_MONTHS = (
    select(InvoiceMonthRow.month, InvoiceMonthRow.invoiced, InvoiceMonthRow.tax_paid)
    .where(
        InvoiceMonthRow.enterprise_id == bindparam("eid"),
        InvoiceMonthRow.month >= bindparam("since"),
    )
    .order_by(InvoiceMonthRow.month)
)
_BANK_LINES = (
    select(BankLineRow.booked_on, BankLineRow.amount, BankLineRow.counterparty)
    .where(
        BankLineRow.enterprise_id == bindparam("eid"),
        BankLineRow.booked_on >= bindparam("since"),
    )
    .order_by(BankLineRow.booked_on, BankLineRow.id)
)


def financial_years(
    session: Session, enterprise_id: int
) -> Sequence[Row[int, *tuple[Decimal, ...]]]:
    """(year, revenue, net_profit, total_assets, total_liabilities, current_assets,
    current_liabilities, rd_expense) by year."""
    return session.execute(_FINANCIAL_YEARS, {"eid": enterprise_id}).all()


def invoice_months(
    session: Session, enterprise_id: int, since: date
) -> Sequence[Row[date, Decimal, Decimal]]:
    """(month, invoiced, tax_paid) from ``since``, by month."""
    return session.execute(_INVOICE_MONTHS, {"eid": enterprise_id, "since": since}).all()


def bank_lines(
    session: Session, enterprise_id: int, since: date
) -> Sequence[Row[date, Decimal, str]]:
    """(booked_on, amount, counterparty) from ``since``, in booking order."""
    return session.execute(_BANK_LINES, {"eid": enterprise_id, "since": since}).all()


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
