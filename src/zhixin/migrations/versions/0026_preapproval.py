"""预授信 (issue 22): pre-approved lists (preapproval_list) and their rows (preapproval_row)

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-07 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    from zhixin.kit.db import UTCDateTime

    op.create_table(
        "preapproval_list",
        sa.Column("id", ID, nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("bank_code", sa.String(length=64), nullable=False),
        sa.Column("catalog_name", sa.String(length=64), nullable=False),
        sa.Column("whitelist_version", sa.Integer(), nullable=True),
        sa.Column("priced_on", sa.Date(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("preapproved", sa.Integer(), nullable=False),
        sa.Column("fast_lane", sa.Integer(), nullable=False),
        sa.Column("combinations", sa.Integer(), nullable=False),
        sa.Column("total_limit", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("pushed_at", UTCDateTime(), nullable=True),
        sa.Column("pushed_by_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["pushed_by_id"],
            ["app_user.id"],
            name=op.f("fk_preapproval_list_pushed_by_id_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preapproval_list")),
    )
    op.create_index(
        "ix_preapproval_list_bank_code", "preapproval_list", ["bank_code", "id"], unique=False
    )
    op.create_table(
        "preapproval_row",
        sa.Column("list_id", ID, nullable=False),
        sa.Column("enterprise_id", ID, nullable=False),
        sa.Column("grade", sa.String(length=32), nullable=True),
        sa.Column("limit_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("rate", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column("fast_lane_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_preapproval_row_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["preapproval_list.id"],
            name=op.f("fk_preapproval_row_list_id_preapproval_list"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("list_id", "enterprise_id", name=op.f("pk_preapproval_row")),
    )
    op.create_index(
        op.f("ix_preapproval_row_enterprise_id"),
        "preapproval_row",
        ["enterprise_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_preapproval_row_enterprise_id"), table_name="preapproval_row")
    op.drop_table("preapproval_row")
    op.drop_index("ix_preapproval_list_bank_code", table_name="preapproval_list")
    op.drop_table("preapproval_list")
