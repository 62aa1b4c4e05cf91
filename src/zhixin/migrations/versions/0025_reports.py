"""reports (issue 23): the daily report delivered by the worker to the task force and to each
bank (report_delivery)

Revision ID: 0025
Revises: 0020
Create Date: 2026-12-07 13:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    from zhixin.kit.db import UTCDateTime

    op.create_table(
        "report_delivery",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("audience_code", sa.String(length=64), nullable=False),
        sa.Column(
            "audience_tenant_id",
            ID,
            sa.ForeignKey("tenant.id", ondelete="RESTRICT"),
            nullable=True,
        ),
        sa.Column("audience_name", sa.String(length=200), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column(
            "content",
            sa.LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb"),
            nullable=False,
        ),
        sa.Column("generated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("kind", "period_key", "audience_code"),
    )
    op.create_index(
        "ix_report_delivery_audience_tenant_id", "report_delivery", ["audience_tenant_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_report_delivery_audience_tenant_id", table_name="report_delivery")
    op.drop_table("report_delivery")
