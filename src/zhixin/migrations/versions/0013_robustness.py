"""robustness: import batches record their process and heartbeat (interrupted imports are
found); webhook secrets widened to hold their encrypted form

Revision ID: 0013
Revises: 0017
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db

revision: str = "0013"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_batch") as batch:
        batch.add_column(sa.Column("worker", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", zhixin.kit.db.UTCDateTime(), nullable=True))
    with op.batch_alter_table("webhook_endpoint") as batch:
        batch.alter_column(
            "secret",
            existing_type=sa.String(length=100),
            type_=sa.String(length=255),
            existing_nullable=False,
        )
        batch.alter_column(
            "previous_secret",
            existing_type=sa.String(length=100),
            type_=sa.String(length=255),
            existing_nullable=True,
        )


def downgrade() -> None:
    # Encrypted secrets (about 164 characters) do not fit 100: PostgreSQL and MariaDB refuse
    # this downgrade while any is stored; rotate the endpoints' secrets after downgrading.
    with op.batch_alter_table("webhook_endpoint") as batch:
        batch.alter_column(
            "previous_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=100),
            existing_nullable=True,
        )
        batch.alter_column(
            "secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=100),
            existing_nullable=False,
        )
    with op.batch_alter_table("import_batch") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("worker")
