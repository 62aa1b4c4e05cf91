"""workdays

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column(
            "entered_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("entered_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entered_by_id"], ["app_user.id"], name=op.f("fk_calendar_year_entered_by_id_app_user")
        ),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )
    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.CheckConstraint("kind IN ('休', '班')", name=op.f("ck_calendar_day_kind")),
        sa.ForeignKeyConstraint(
            ["year"],
            ["calendar_year.year"],
            name=op.f("fk_calendar_day_year_calendar_year"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    op.create_index(op.f("ix_calendar_day_year"), "calendar_day", ["year"], unique=False)


def downgrade() -> None:
    # Dropping the table drops its index too (MariaDB refuses to drop an index a foreign key
    # still needs, so the index is not dropped on its own first).
    op.drop_table("calendar_day")
    op.drop_table("calendar_year")
