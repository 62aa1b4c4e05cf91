"""loans: the book (contracts, credit lines, drawdowns, schedules, payees, payments, vouchers)

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-07 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql, postgresql, sqlite

import zhixin.kit.db

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "loan_contract",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("contract_no", sa.String(length=32), nullable=False),
        sa.Column(
            "bank_tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("bank_code", sa.String(length=64), nullable=False),
        sa.Column(
            "enterprise_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "application_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column(
            "product_version_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("quote_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rate_kind", sa.String(length=8), nullable=False),
        sa.Column("lpr_tenor", sa.String(length=4), nullable=True),
        sa.Column("spread", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("repricing_rule", sa.String(length=32), nullable=True),
        sa.Column("repricing_date", sa.Date(), nullable=True),
        sa.Column("contract_rate", sa.Numeric(precision=9, scale=6), nullable=False),
        sa.Column("penalty_markup", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column(
            "allocation_order",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql")
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
            .with_variant(sqlite.JSON(), "sqlite"),
            nullable=False,
        ),
        sa.Column("principal_limit", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("term_months", sa.SmallInteger(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("maturity_date", sa.Date(), nullable=False),
        sa.Column(
            "terms",
            sa.JSON()
            .with_variant(mysql.JSON(), "mariadb")
            .with_variant(mysql.JSON(), "mysql")
            .with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
            .with_variant(sqlite.JSON(), "sqlite"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "renewed_from_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["loan_application.id"],
            name=op.f("fk_loan_contract_application_id_loan_application"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["bank_tenant_id"],
            ["tenant.id"],
            name=op.f("fk_loan_contract_bank_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_loan_contract_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_loan_contract_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_version_id"],
            ["product_version.id"],
            name=op.f("fk_loan_contract_product_version_id_product_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quote.id"],
            name=op.f("fk_loan_contract_quote_id_quote"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_contract")),
        sa.UniqueConstraint("application_id", name=op.f("uq_loan_contract_application_id")),
        sa.UniqueConstraint("contract_no", name=op.f("uq_loan_contract_contract_no")),
    )
    op.create_index(
        "ix_loan_contract_bank_status", "loan_contract", ["bank_tenant_id", "status"], unique=False
    )
    op.create_index("ix_loan_contract_enterprise", "loan_contract", ["enterprise_id"], unique=False)
    op.create_index(
        op.f("ix_loan_contract_renewed_from_id"), "loan_contract", ["renewed_from_id"], unique=False
    )
    op.create_table(
        "loan_credit_line",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("limit_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("revolving", sa.Boolean(), nullable=False),
        sa.Column("frozen_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["loan_contract.id"],
            name=op.f("fk_loan_credit_line_contract_id_loan_contract"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_credit_line")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_loan_credit_line_contract_id")),
    )
    op.create_table(
        "loan_drawdown",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column(
            "requested_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("requested_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.Column(
            "approved_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("decided_at", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.Column("maturity", sa.Date(), nullable=True),
        sa.Column("term_months", sa.SmallInteger(), nullable=False),
        sa.Column("lpr_rate", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("lpr_on", sa.Date(), nullable=True),
        sa.Column("annual_rate", sa.Numeric(precision=9, scale=6), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("milestone", sa.String(length=64), nullable=True),
        sa.Column("milestone_verified_at", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.Column(
            "milestone_verified_by_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "outstanding_principal",
            sa.Numeric(precision=18, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "overdue_principal",
            sa.Numeric(precision=18, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "overdue_interest",
            sa.Numeric(precision=18, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "accrued_interest",
            sa.Numeric(precision=18, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "penalty_interest",
            sa.Numeric(precision=18, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column(
            "compound_interest",
            sa.Numeric(precision=18, scale=2),
            server_default="0",
            nullable=False,
        ),
        sa.Column("days_past_due", sa.Integer(), server_default="0", nullable=False),
        sa.Column("classification", sa.String(length=16), server_default="normal", nullable=False),
        sa.Column("last_accrual_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["app_user.id"],
            name=op.f("fk_loan_drawdown_approved_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["loan_contract.id"],
            name=op.f("fk_loan_drawdown_contract_id_loan_contract"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_verified_by_id"],
            ["app_user.id"],
            name=op.f("fk_loan_drawdown_milestone_verified_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["app_user.id"],
            name=op.f("fk_loan_drawdown_requested_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_drawdown")),
    )
    op.create_index(
        "ix_loan_drawdown_contract_status", "loan_drawdown", ["contract_id", "status"], unique=False
    )
    op.create_table(
        "loan_payee",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uscc", sa.String(length=18), nullable=True),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("bank_account", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "proposed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("proposed_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.Column(
            "approved_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("decided_at", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by_id"], ["app_user.id"], name=op.f("fk_loan_payee_approved_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["loan_contract.id"],
            name=op.f("fk_loan_payee_contract_id_loan_contract"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["app_user.id"], name=op.f("fk_loan_payee_proposed_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_payee")),
    )
    op.create_index(op.f("ix_loan_payee_contract_id"), "loan_payee", ["contract_id"], unique=False)
    op.create_table(
        "loan_voucher",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "contract_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("document_number", sa.String(length=64), nullable=False),
        sa.Column("invoice_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("file_size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=200), nullable=False),
        sa.Column("stored_path", sa.String(length=500), nullable=False),
        sa.Column(
            "uploaded_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("uploaded_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["loan_contract.id"],
            name=op.f("fk_loan_voucher_contract_id_loan_contract"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["app_user.id"],
            name=op.f("fk_loan_voucher_uploaded_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_voucher")),
        sa.UniqueConstraint(
            "contract_id",
            "document_number",
            name=op.f("uq_loan_voucher_contract_id_document_number"),
        ),
    )
    op.create_index(
        op.f("ix_loan_voucher_file_sha256"), "loan_voucher", ["file_sha256"], unique=False
    )
    op.create_table(
        "loan_instalment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "drawdown_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.SmallInteger(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("principal", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("interest", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column(
            "principal_paid", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column(
            "interest_paid", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False
        ),
        sa.Column("status", sa.String(length=8), server_default="due", nullable=False),
        sa.ForeignKeyConstraint(
            ["drawdown_id"],
            ["loan_drawdown.id"],
            name=op.f("fk_loan_instalment_drawdown_id_loan_drawdown"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_instalment")),
        sa.UniqueConstraint("drawdown_id", "seq", name=op.f("uq_loan_instalment_drawdown_id_seq")),
    )
    op.create_index(
        op.f("ix_loan_instalment_due_date"), "loan_instalment", ["due_date"], unique=False
    )
    op.create_table(
        "loan_payment",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "drawdown_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("payee_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("purpose", sa.String(length=24), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column(
            "voucher_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("self_payment", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_loan_payment_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["drawdown_id"],
            ["loan_drawdown.id"],
            name=op.f("fk_loan_payment_drawdown_id_loan_drawdown"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["payee_id"],
            ["loan_payee.id"],
            name=op.f("fk_loan_payment_payee_id_loan_payee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"],
            ["loan_voucher.id"],
            name=op.f("fk_loan_payment_voucher_id_loan_voucher"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_payment")),
    )
    op.create_index(
        op.f("ix_loan_payment_drawdown_id"), "loan_payment", ["drawdown_id"], unique=False
    )
    op.create_index(
        op.f("ix_loan_payment_voucher_id"), "loan_payment", ["voucher_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_loan_payment_voucher_id"), table_name="loan_payment")
    op.drop_index(op.f("ix_loan_payment_drawdown_id"), table_name="loan_payment")
    op.drop_table("loan_payment")
    op.drop_index(op.f("ix_loan_instalment_due_date"), table_name="loan_instalment")
    op.drop_table("loan_instalment")
    op.drop_index(op.f("ix_loan_voucher_file_sha256"), table_name="loan_voucher")
    op.drop_table("loan_voucher")
    op.drop_index(op.f("ix_loan_payee_contract_id"), table_name="loan_payee")
    op.drop_table("loan_payee")
    op.drop_index("ix_loan_drawdown_contract_status", table_name="loan_drawdown")
    op.drop_table("loan_drawdown")
    op.drop_table("loan_credit_line")
    op.drop_index(op.f("ix_loan_contract_renewed_from_id"), table_name="loan_contract")
    op.drop_index("ix_loan_contract_enterprise", table_name="loan_contract")
    op.drop_index("ix_loan_contract_bank_status", table_name="loan_contract")
    op.drop_table("loan_contract")
