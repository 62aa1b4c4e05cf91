"""grades: a vetoed enterprise has no class (否决), stated per result

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a bar gate failed: the result shows 否决 instead of a class (overall_level is NULL)
    op.add_column(
        "evaluation_result",
        sa.Column("vetoed", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("evaluation_result") as batch:
        batch.drop_column("vetoed")
