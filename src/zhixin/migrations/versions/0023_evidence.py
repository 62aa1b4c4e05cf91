"""evidence (链上存证): entries, the log state, signed tree heads, confirmations, keys

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-07 12:50:58.205730
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidence_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("hash_alg", sa.String(length=8), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("compact", sa.Text(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_log")),
    )
    op.create_table(
        "evidence_key",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("private_key", sa.Text(), nullable=False),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_evidence_key_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_key")),
        sa.UniqueConstraint("public_key", name=op.f("uq_evidence_key_public_key")),
    )
    op.create_index(op.f("ix_evidence_key_tenant_id"), "evidence_key", ["tenant_id"], unique=False)
    op.create_table(
        "evidence_confirmation",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column(
            "tenant_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("signed_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["evidence_key.id"],
            name=op.f("fk_evidence_confirmation_key_id_evidence_key"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenant.id"],
            name=op.f("fk_evidence_confirmation_tenant_id_tenant"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_evidence_confirmation_user_id_app_user"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_confirmation")),
    )
    op.create_table(
        "evidence_tree_head",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("hash_alg", sa.String(length=8), nullable=False),
        sa.Column("timestamp", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["evidence_key.id"],
            name=op.f("fk_evidence_tree_head_key_id_evidence_key"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_tree_head")),
    )
    op.create_index(
        op.f("ix_evidence_tree_head_tree_size"), "evidence_tree_head", ["tree_size"], unique=False
    )
    op.create_table(
        "evidence_entry",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("contract_id", sa.BigInteger(), nullable=True),
        sa.Column("enterprise_id", sa.BigInteger(), nullable=True),
        sa.Column("bank_tenant_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.Column(
            "bank_confirmation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column(
            "regulator_confirmation_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["bank_confirmation_id"],
            ["evidence_confirmation.id"],
            name=op.f("fk_evidence_entry_bank_confirmation_id_evidence_confirmation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["regulator_confirmation_id"],
            ["evidence_confirmation.id"],
            name=op.f("fk_evidence_entry_regulator_confirmation_id_evidence_confirmation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_entry")),
        sa.UniqueConstraint("seq", name=op.f("uq_evidence_entry_seq")),
    )
    op.create_index(
        "ix_evidence_entry_contract", "evidence_entry", ["contract_id", "seq"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_evidence_entry_contract", table_name="evidence_entry")
    op.drop_table("evidence_entry")
    op.drop_index(op.f("ix_evidence_tree_head_tree_size"), table_name="evidence_tree_head")
    op.drop_table("evidence_tree_head")
    op.drop_table("evidence_confirmation")
    op.drop_index(op.f("ix_evidence_key_tenant_id"), table_name="evidence_key")
    op.drop_table("evidence_key")
    op.drop_table("evidence_log")
