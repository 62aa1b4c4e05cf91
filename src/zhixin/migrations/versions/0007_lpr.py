"""lpr

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lpr_rate",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("one_year", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("five_year", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column(
            "created_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["app_user.id"], name=op.f("fk_lpr_rate_created_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lpr_rate")),
        sa.UniqueConstraint("effective_on", name=op.f("uq_lpr_rate_effective_on")),
    )


def downgrade() -> None:
    op.drop_table("lpr_rate")
