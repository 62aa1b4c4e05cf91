"""reports (issue 23): the daily facts the report's sections and the dashboard sum
(report_fact) and the days computed (report_fact_day)

Revision ID: 0031
Revises: 0026
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    from zhixin.kit.db import UTCDateTime

    op.create_table(
        "report_fact",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("bank_tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("industry_code", sa.String(length=5), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("quality", sa.Boolean(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_report_fact_day_measure", "report_fact", ["day", "measure"])
    op.create_table(
        "report_fact_day",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("refreshed_at", UTCDateTime(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_fact_day")
    op.drop_index("ix_report_fact_day_measure", table_name="report_fact")
    op.drop_table("report_fact")
