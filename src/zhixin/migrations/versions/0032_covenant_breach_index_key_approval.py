"""linkage and evidence (issue 19): the covenant results' period index holds breaches only
(partial: ``WHERE NOT met`` on PostgreSQL, ``met = 0`` on SQLite; MariaDB has no partial index);
a tenant's evidence key is proposed by one officer and approved by another (maker-checker) and
may be rotated (retired from a moment on)

Revision ID: 0032
Revises: 0030
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NOT_MET = sa.text("NOT met")  # PostgreSQL: as ``~met`` is written there
NOT_MET_SQLITE = sa.text("met = 0")  # SQLite: likewise


def upgrade() -> None:
    from zhixin.kit.db import UTCDateTime

    with op.batch_alter_table("linkage_covenant_result", schema=None) as batch_op:
        batch_op.drop_index("ix_linkage_covenant_result_period")
        batch_op.create_index(
            "ix_linkage_covenant_result_breach",
            ["period", "covenant"],
            unique=False,
            postgresql_where=NOT_MET,
            sqlite_where=NOT_MET_SQLITE,
        )
    with op.batch_alter_table("evidence_key", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=12), nullable=False, server_default="active")
        )
        batch_op.add_column(sa.Column("proposed_by", ID, nullable=True))
        batch_op.add_column(sa.Column("approved_by", ID, nullable=True))
        batch_op.add_column(sa.Column("approved_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("retired_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_evidence_key_proposed_by_app_user"),
            "app_user",
            ["proposed_by"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_evidence_key_approved_by_app_user"),
            "app_user",
            ["approved_by"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("evidence_key", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_evidence_key_approved_by_app_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_evidence_key_proposed_by_app_user"), type_="foreignkey"
        )
        for name in (
            "replaces_id",
            "retired_at",
            "approved_at",
            "approved_by",
            "proposed_by",
            "status",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("linkage_covenant_result", schema=None) as batch_op:
        batch_op.drop_index("ix_linkage_covenant_result_breach")
        batch_op.create_index(
            "ix_linkage_covenant_result_period", ["period", "covenant", "met"], unique=False
        )
