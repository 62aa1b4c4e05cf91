"""Tables of loan applications (贷款申请), their events, checks and materials, joint
consultations (联合会诊) and the API's idempotency keys."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow


class Application(Base):
    """One application for one product by one enterprise.

    What it was decided on is frozen at submission: the quote (and through it the product
    version, the evaluation run and the whitelist version) and ``terms``, the quote's decision
    (eligibility with reasons, limit, rate, automatic rules, fast lane). ``version`` is the
    optimistic lock: every change is ``UPDATE … WHERE version = :seen`` (SQLAlchemy's
    ``version_id_col``), so two approvals at once cannot both land.
    """

    __tablename__ = "loan_application"
    __table_args__ = (
        Index("ix_loan_application_bank_state", "bank_tenant_id", "state"),
        Index("ix_loan_application_enterprise", "enterprise_id", "submitted_at"),
        # the dates the reports' daily facts are refreshed by (each minute: yesterday, today)
        Index("ix_loan_application_submitted_on", "submitted_on"),
        Index("ix_loan_application_accepted_on", "accepted_on"),
        Index("ix_loan_application_decided_on", "decided_on"),
        Index("ix_loan_application_deadline", "deadline"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="RESTRICT"))
    bank_tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"))
    bank_code: Mapped[str] = mapped_column(String(64))
    bank_name: Mapped[str] = mapped_column(String(200))
    product_code: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(100))
    product_kind: Mapped[str] = mapped_column(String(16))
    product_version_id: Mapped[int] = mapped_column(
        ForeignKey("product_version.id", ondelete="RESTRICT")
    )
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id", ondelete="RESTRICT"))
    evaluation_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("evaluation_run.id", ondelete="RESTRICT")
    )
    whitelist_version: Mapped[int | None] = mapped_column(Integer)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    term_months: Mapped[int] = mapped_column(SmallInteger)
    method: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(String(200))
    use_of_funds: Mapped[str] = mapped_column(Text)
    annual_sales: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    invoicing_growth: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    terms: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # 授权: "granted" (the enterprise applied and granted through the consent service) or
    # "attested" (an officer applied and attests the enterprise's signed authorisation)
    consent_mode: Mapped[str] = mapped_column(String(16))
    consent_scope: Mapped[str] = mapped_column(String(32))
    consent_expires_on: Mapped[date] = mapped_column(Date)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(24))
    state_before: Mapped[str | None] = mapped_column(String(24))
    paused_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_on: Mapped[date] = mapped_column(Date)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str | None] = mapped_column(Text)
    recommendation: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_on: Mapped[date | None] = mapped_column(Date)
    approved_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    approved_rate: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    reject_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reject_note: Mapped[str | None] = mapped_column(Text)
    fast_lane_days: Mapped[int | None] = mapped_column(SmallInteger)
    deadline: Mapped[date | None] = mapped_column(Date)
    deadline_note: Mapped[str | None] = mapped_column(String(200))
    decision_days: Mapped[int | None] = mapped_column(Integer)
    decision_workdays: Mapped[int | None] = mapped_column(Integer)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    # the refused application this one follows (checked by the service; no self-referencing
    # foreign key, which MariaDB and SQLite's RESTRICT check row by row within one DELETE)
    resubmission_of_id: Mapped[int | None] = mapped_column(BigIntPK, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declaration


class ApplicationEvent(Base):
    """The audit trail of one application: every transition with who, when and why."""

    __tablename__ = "loan_application_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("loan_application.id", ondelete="RESTRICT"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    event_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class ApplicationCheck(Base):
    """One of the five standards (五项标准) for one application, with its evidence."""

    __tablename__ = "loan_application_check"
    __table_args__ = (UniqueConstraint("application_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("loan_application.id", ondelete="RESTRICT")
    )
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[list[str]] = mapped_column(JSONType, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApplicationMaterial(Base):
    """One item of an application's checklist (营业执照, 财务报表, …) and where it stands."""

    __tablename__ = "loan_application_material"
    __table_args__ = (UniqueConstraint("application_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("loan_application.id", ondelete="RESTRICT")
    )
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(64))
    required: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))  # provided / missing / requested
    note: Mapped[str | None] = mapped_column(Text)  # the enterprise's description of what it gave
    request_note: Mapped[str | None] = mapped_column(Text)  # what the officer asked for
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Consultation(Base):
    """联合会诊: a refused application in the task force's queue, with the remedies the
    platform suggested, the plan the task force recorded and how it ended."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("loan_application.id", ondelete="RESTRICT"), unique=True
    )
    enterprise_id: Mapped[int] = mapped_column(
        ForeignKey("enterprise.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), index=True)  # open/planned/resolved/closed
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_on: Mapped[date] = mapped_column(Date)
    remedies: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    plan: Mapped[str | None] = mapped_column(Text)
    planned_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_application_id: Mapped[int | None] = mapped_column(
        ForeignKey("loan_application.id", ondelete="RESTRICT")
    )
    resolved_on: Mapped[date | None] = mapped_column(Date)
    resolution_days: Mapped[int | None] = mapped_column(Integer)
    resolution_workdays: Mapped[int | None] = mapped_column(Integer)
    closed_note: Mapped[str | None] = mapped_column(Text)


class IdempotencyKey(Base):
    """An API POST's ``Idempotency-Key``: the same key from the same user gets the same answer
    and no second effect; the same key with a different request is refused.

    Inserted first, with ``status_code`` 0 (in progress), in the request's own transaction, and
    completed in it: a committed row always holds the answer (``applications.idempotency``)."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "idem_key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    idem_key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(SmallInteger)
    response: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
