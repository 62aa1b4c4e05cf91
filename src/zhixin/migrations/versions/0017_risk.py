"""risk: model registry, drift runs, financial data, patent valuations

Revision ID: 0017
Revises: 0010
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db

revision: str = "0017"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risk_bank_line",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("counterparty", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_risk_bank_line_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_bank_line")),
        sa.UniqueConstraint(
            "enterprise_id", "bank", "ref", name=op.f("uq_risk_bank_line_enterprise_id_bank_ref")
        ),
    )
    op.create_index(
        "ix_risk_bank_line_enterprise_booked",
        "risk_bank_line",
        ["enterprise_id", "booked_on"],
        unique=False,
    )
    op.create_table(
        "risk_financial_year",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("net_profit", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total_assets", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total_liabilities", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("current_assets", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("current_liabilities", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("rd_expense", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_risk_financial_year_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_financial_year")),
        sa.UniqueConstraint(
            "enterprise_id", "year", name=op.f("uq_risk_financial_year_enterprise_id_year")
        ),
    )
    op.create_table(
        "risk_invoice_month",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("invoiced", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("tax_paid", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("loaded_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_risk_invoice_month_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_invoice_month")),
        sa.UniqueConstraint(
            "enterprise_id", "month", name=op.f("uq_risk_invoice_month_enterprise_id_month")
        ),
    )
    op.create_table(
        "patent_valuation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("patent_no", sa.String(length=64), nullable=False),
        sa.Column("valuation_date", sa.Date(), nullable=False),
        sa.Column("inputs", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("factors", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("pledgeable", sa.Boolean(), nullable=False),
        sa.Column("refusal", sa.Text(), nullable=True),
        sa.Column("override_value", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column(
            "overridden_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("overridden_at", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_patent_valuation_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_patent_valuation_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"],
            ["app_user.id"],
            name=op.f("fk_patent_valuation_overridden_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_patent_valuation_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patent_valuation")),
    )
    op.create_index(
        op.f("ix_patent_valuation_enterprise_id"),
        "patent_valuation",
        ["enterprise_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_patent_valuation_tenant_id"), "patent_valuation", ["tenant_id"], unique=False
    )
    op.create_table(
        "risk_model",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("card", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("spec_sha256", sa.String(length=64), nullable=False),
        sa.Column("training_hash", sa.String(length=64), nullable=True),
        sa.Column("training_source", sa.Text(), nullable=False),
        sa.Column("features", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("metrics", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("calibration", zhixin.kit.db.JSONType, nullable=False),
        sa.Column(
            "trained_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("trained_by_name", sa.String(length=100), nullable=False),
        sa.Column(
            "approved_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("approved_by_name", sa.String(length=100), nullable=True),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.Column("approved_at", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.Column("retired_at", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_risk_model_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["trained_by_id"], ["app_user.id"], name=op.f("fk_risk_model_trained_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_model")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_risk_model_code_version")),
    )
    op.create_index(op.f("ix_risk_model_code"), "risk_model", ["code"], unique=False)
    op.create_table(
        "risk_monitor",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("model_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("psi", sa.Float(), nullable=False),
        sa.Column("csi", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("warnings", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("run_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("ran_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["risk_model.id"],
            name=op.f("fk_risk_monitor_model_id_risk_model"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["run_by_id"], ["app_user.id"], name=op.f("fk_risk_monitor_run_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_monitor")),
    )
    op.create_index(op.f("ix_risk_monitor_model_id"), "risk_monitor", ["model_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_risk_monitor_model_id"), table_name="risk_monitor")
    op.drop_table("risk_monitor")
    op.drop_index(op.f("ix_risk_model_code"), table_name="risk_model")
    op.drop_table("risk_model")
    op.drop_index(op.f("ix_patent_valuation_tenant_id"), table_name="patent_valuation")
    op.drop_index(op.f("ix_patent_valuation_enterprise_id"), table_name="patent_valuation")
    op.drop_table("patent_valuation")
    op.drop_table("risk_invoice_month")
    op.drop_table("risk_financial_year")
    op.drop_index("ix_risk_bank_line_enterprise_booked", table_name="risk_bank_line")
    op.drop_table("risk_bank_line")
