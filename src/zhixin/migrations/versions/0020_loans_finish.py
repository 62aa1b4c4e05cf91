"""loans finish (issue 17): 无还本续贷 renewals carry no application (linked by
renewed_from_id); a drawdown's restructuring (重组) with its observation period; the
early-repayment fee (提前还款违约金) of a repayment

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 10:55:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loan_contract") as batch:
        batch.alter_column(
            "application_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        )
    with op.batch_alter_table("loan_drawdown") as batch:
        batch.add_column(sa.Column("restructured_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("restructured_from", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("observation_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("restructure_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("loan_repayment") as batch:
        batch.add_column(
            sa.Column("fee", sa.Numeric(precision=18, scale=2), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("loan_repayment") as batch:
        batch.drop_column("fee")
    with op.batch_alter_table("loan_drawdown") as batch:
        batch.drop_column("restructure_reason")
        batch.drop_column("observation_until")
        batch.drop_column("restructured_from")
        batch.drop_column("restructured_on")
    with op.batch_alter_table("loan_contract") as batch:
        batch.alter_column(
            "application_id",
            existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        )
