"""reports (issue 23): the whitelist and its conversion pre-aggregated per publication and
listed firm (report_listed_firm, report_listed_publication), and the dates the daily facts'
refresh scans (loan_application submitted_on, accepted_on, decided_on, deadline;
loan_drawdown value_date)

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
DATES = ("submitted_on", "accepted_on", "decided_on", "deadline")


def upgrade() -> None:
    from zhixin.kit.db import UTCDateTime

    op.create_table(
        "report_listed_firm",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("publication_id", sa.BigInteger(), nullable=False),
        sa.Column("enterprise_id", sa.BigInteger(), nullable=False),
        sa.Column("bank_tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("product_code", sa.String(length=64), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("drawn_on", sa.Date(), nullable=True),
    )
    op.create_index(
        "ix_report_listed_firm_read",
        "report_listed_firm",
        [
            "publication_id",
            "bank_tenant_id",
            "region_code",
            "entries",
            "applied_on",
            "approved_on",
            "drawn_on",
        ],
    )
    op.create_index(
        "ix_report_listed_firm_pub_firm", "report_listed_firm", ["publication_id", "enterprise_id"]
    )
    op.create_table(
        "report_listed_publication",
        sa.Column("publication_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("refreshed_at", UTCDateTime(), nullable=False),
        sa.Column("firms", sa.Integer(), nullable=False),
    )
    for column in DATES:
        op.create_index(f"ix_loan_application_{column}", "loan_application", [column])
    op.create_index("ix_loan_drawdown_value_date", "loan_drawdown", ["value_date"])


def downgrade() -> None:
    op.drop_index("ix_loan_drawdown_value_date", table_name="loan_drawdown")
    for column in DATES:
        op.drop_index(f"ix_loan_application_{column}", table_name="loan_application")
    op.drop_table("report_listed_publication")
    op.drop_index("ix_report_listed_firm_pub_firm", table_name="report_listed_firm")
    op.drop_index("ix_report_listed_firm_read", table_name="report_listed_firm")
    op.drop_table("report_listed_firm")
