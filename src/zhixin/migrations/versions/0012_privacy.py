"""privacy: a regulator tenant's jurisdiction (辖区)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A prefix of the administrative division code; NULL: every enterprise (as before).
    op.add_column("tenant", sa.Column("region_code", sa.String(length=6), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("region_code")
