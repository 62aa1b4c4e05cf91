"""Tables of the risk domain: the model registry, drift runs, the financial data models read,
and patent valuations.

- ``risk_model``: one row per model version (``code`` + ``version``): the frozen card (bins and
  points, JSON), the hash of the data it was trained on, its features, AUC/KS/Gini, the
  calibration table, who trained and who approved it, its status (challenger / champion /
  retired) and when. A card is never edited: a change is a new version.
- ``risk_monitor``: one PSI/CSI run of a version on a population, with its level and warnings.
- ``risk_financial_year`` / ``risk_invoice_month`` / ``risk_bank_line``: an enterprise's annual
  statements, monthly invoicing and tax, and bank-statement lines, as loaded from the shared
  platforms (financial statements, 银税互动, 资金流信用信息共享平台). A bank reads them only
  under the enterprise's consent. Statements and months are keyed by (enterprise, year/month): a
  reload replaces the row (audited with the count); bank lines by (enterprise, bank, ref).
- ``patent_valuation``: a patent's value by the project's method with every input and factor,
  and an officer's override with its reason.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow

Money = Numeric(18, 2)


class RiskModel(Base):
    __tablename__ = "risk_model"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)  # enterprise / zjtx-edai / …
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, … per code
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # trained / expert
    status: Mapped[str] = mapped_column(String(16))  # challenger / champion / retired
    card: Mapped[dict[str, Any]] = mapped_column(JSONType)  # risk.card.Card.to_dict()
    spec_sha256: Mapped[str] = mapped_column(String(64))  # the specification file's content
    training_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of the training table
    training_source: Mapped[str] = mapped_column(Text, default="")  # what the table was
    features: Mapped[list[str]] = mapped_column(JSONType)  # the features the card uses
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {"train": {...}, "test": {...}}
    calibration: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    trained_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # NULL: cli
    trained_by_name: Mapped[str] = mapped_column(String(100))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_by_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RiskMonitor(Base):
    __tablename__ = "risk_monitor"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    model_id: Mapped[int] = mapped_column(
        ForeignKey("risk_model.id", ondelete="RESTRICT"), index=True
    )
    population: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(Text, default="")  # the population scored
    psi: Mapped[float] = mapped_column(Float)
    csi: Mapped[dict[str, float]] = mapped_column(JSONType)  # feature → CSI
    level: Mapped[str] = mapped_column(String(8))  # stable / warn / alert
    warnings: Mapped[list[str]] = mapped_column(JSONType)
    run_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FinancialYearRow(Base):
    __tablename__ = "risk_financial_year"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    year: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(Money)
    net_profit: Mapped[Decimal] = mapped_column(Money)
    total_assets: Mapped[Decimal] = mapped_column(Money)
    total_liabilities: Mapped[Decimal] = mapped_column(Money)
    current_assets: Mapped[Decimal] = mapped_column(Money)
    current_liabilities: Mapped[Decimal] = mapped_column(Money)
    rd_expense: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InvoiceMonthRow(Base):
    __tablename__ = "risk_invoice_month"
    __table_args__ = (UniqueConstraint("enterprise_id", "month"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    invoiced: Mapped[Decimal] = mapped_column(Money)
    tax_paid: Mapped[Decimal] = mapped_column(Money)
    source: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankLineRow(Base):
    __tablename__ = "risk_bank_line"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "bank", "ref"),
        Index("ix_risk_bank_line_enterprise_booked", "enterprise_id", "booked_on"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    bank: Mapped[str] = mapped_column(String(100))  # the account's bank
    ref: Mapped[str] = mapped_column(String(64))  # the bank's transaction id (流水号)
    booked_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)  # + inflow, − outflow
    counterparty: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(100))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PatentValuation(Base):
    __tablename__ = "patent_valuation"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"), index=True)
    patent_no: Mapped[str] = mapped_column(String(64))
    valuation_date: Mapped[date] = mapped_column(Date)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSONType)
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    value: Mapped[Decimal] = mapped_column(Money)  # by the method
    pledgeable: Mapped[bool] = mapped_column(Boolean)
    refusal: Mapped[str | None] = mapped_column(Text)
    override_value: Mapped[Decimal | None] = mapped_column(Money)
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    overridden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def effective_value(self) -> Decimal:
        """What a quote uses: the officer's override when there is one, else the method's."""
        return self.override_value if self.override_value is not None else self.value
