"""Catalog versions and evaluation runs with their per-enterprise results.

Result tables have composite primary keys and no foreign key to ``enterprise``: they are written
in bulk (up to millions of rows per run) and may come from a Parquet snapshot.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow


class CatalogVersion(Base):
    """One exact catalog body, by content hash; a changed catalog is a new row."""

    __tablename__ = "catalog_version"
    __table_args__ = (UniqueConstraint("name", "sha256"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, object]] = mapped_column(JSONType)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EvaluationRun(Base):
    __tablename__ = "evaluation_run"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    catalog_version_id: Mapped[int] = mapped_column(
        ForeignKey("catalog_version.id", ondelete="RESTRICT"), index=True
    )
    catalog_name: Mapped[str] = mapped_column(String(64))
    catalog_version: Mapped[str] = mapped_column(String(32))
    catalog_sha256: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[date] = mapped_column(Date)
    known_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    engine: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16), default="database")  # database / parquet
    enterprises: Mapped[int] = mapped_column(Integer, default=0)
    listed: Mapped[int] = mapped_column(Integer, default=0)
    entries: Mapped[int] = mapped_column(Integer, default=0)  # 家次: listed dimensions
    gated: Mapped[int] = mapped_column(Integer, default=0)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class EvaluationResult(Base):
    __tablename__ = "evaluation_result"

    run_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("evaluation_run.id", ondelete="CASCADE"),
        primary_key=True,
    )
    enterprise_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    total_score: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    overall_level: Mapped[str | None] = mapped_column(String(16))
    listed: Mapped[bool] = mapped_column(Boolean)
    # a bar gate failed: no overall class, shown as 否决
    vetoed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    entries: Mapped[int] = mapped_column(Integer)
    gates_failed: Mapped[list[str]] = mapped_column(JSONType)


class EvaluationDimension(Base):
    __tablename__ = "evaluation_dimension"

    run_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("evaluation_run.id", ondelete="CASCADE"),
        primary_key=True,
    )
    enterprise_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dimension: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    listed: Mapped[bool] = mapped_column(Boolean)


class EvaluationElement(Base):
    __tablename__ = "evaluation_element"

    run_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("evaluation_run.id", ondelete="CASCADE"),
        primary_key=True,
    )
    enterprise_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    element: Mapped[str] = mapped_column(String(32), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    points: Mapped[int] = mapped_column(Integer)
    measure: Mapped[int] = mapped_column(Integer)
    record_ids: Mapped[list[int]] = mapped_column(JSONType)


class EvaluationGate(Base):
    __tablename__ = "evaluation_gate"

    run_id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"),
        ForeignKey("evaluation_run.id", ondelete="CASCADE"),
        primary_key=True,
    )
    enterprise_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    gate: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_ids: Mapped[list[int]] = mapped_column(JSONType)
