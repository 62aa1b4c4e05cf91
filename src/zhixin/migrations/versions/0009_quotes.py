"""quotes

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "quote",
        sa.Column("id", big, nullable=False),
        sa.Column("enterprise_id", big, nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("product_version_id", big, nullable=False),
        sa.Column("bank_code", sa.String(length=64), nullable=False),
        sa.Column("quoted_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("eligible", sa.Boolean(), nullable=False),
        sa.Column("limit_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("rate", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("annualised_rate", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("evaluation_run_id", big, nullable=True),
        sa.Column("whitelist_version", sa.Integer(), nullable=True),
        sa.Column("body", zhixin.kit.db.JSONType, nullable=False),
        sa.Column("created_by_id", big, nullable=True),
        sa.Column("tenant_id", big, nullable=True),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_quote_created_by_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_quote_enterprise_id_enterprise"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["evaluation_run_id"],
            ["evaluation_run.id"],
            name=op.f("fk_quote_evaluation_run_id_evaluation_run"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["product_version_id"],
            ["product_version.id"],
            name=op.f("fk_quote_product_version_id_product_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_quote_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote")),
    )
    op.create_index(op.f("ix_quote_bank_code"), "quote", ["bank_code"], unique=False)
    op.create_index(
        "ix_quote_enterprise_created", "quote", ["enterprise_id", "created_at"], unique=False
    )
    op.create_index(
        op.f("ix_quote_product_version_id"), "quote", ["product_version_id"], unique=False
    )
    op.create_index(op.f("ix_quote_tenant_id"), "quote", ["tenant_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_quote_tenant_id"), table_name="quote")
    op.drop_index(op.f("ix_quote_product_version_id"), table_name="quote")
    op.drop_index("ix_quote_enterprise_created", table_name="quote")
    op.drop_index(op.f("ix_quote_bank_code"), table_name="quote")
    op.drop_table("quote")
