"""loan servicing: repayments, classification history, the nightly batch's runs

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import zhixin.kit.db

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _money(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(precision=18, scale=2), nullable=False)


def upgrade() -> None:
    op.create_index("ix_loan_instalment_status", "loan_instalment", ["status"], unique=False)
    op.create_table(
        "loan_repayment",
        sa.Column("id", _ID, nullable=False),
        sa.Column("bank_tenant_id", _ID, nullable=False),
        sa.Column("bank_txn_id", sa.String(length=64), nullable=False),
        sa.Column("drawdown_id", _ID, nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        _money("amount"),
        sa.Column("source", sa.String(length=8), nullable=False),
        _money("penalty"),
        _money("compound"),
        _money("interest"),
        _money("principal"),
        _money("accrued"),
        _money("prepaid"),
        sa.Column("created_by_id", _ID, nullable=True),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_tenant_id"], ["tenant.id"], name=op.f("fk_loan_repayment_bank_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["app_user.id"],
            name=op.f("fk_loan_repayment_created_by_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["drawdown_id"],
            ["loan_drawdown.id"],
            name=op.f("fk_loan_repayment_drawdown_id_loan_drawdown"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_repayment")),
        sa.UniqueConstraint("bank_tenant_id", "bank_txn_id", name="uq_loan_repayment_txn"),
    )
    op.create_index(
        "ix_loan_repayment_drawdown", "loan_repayment", ["drawdown_id", "value_date"], unique=False
    )
    op.create_table(
        "loan_classification",
        sa.Column("id", _ID, nullable=False),
        sa.Column("drawdown_id", _ID, nullable=False),
        sa.Column("from_class", sa.String(length=16), nullable=False),
        sa.Column("to_class", sa.String(length=16), nullable=False),
        sa.Column("rule_class", sa.String(length=16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("by", sa.String(length=8), nullable=False),
        sa.Column("officer_id", _ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["drawdown_id"],
            ["loan_drawdown.id"],
            name=op.f("fk_loan_classification_drawdown_id_loan_drawdown"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["app_user.id"], name=op.f("fk_loan_classification_officer_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_classification")),
    )
    op.create_index(
        "ix_loan_classification_drawdown",
        "loan_classification",
        ["drawdown_id", "id"],
        unique=False,
    )
    op.create_table(
        "loan_batch_run",
        sa.Column("id", _ID, nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("drawdowns", sa.Integer(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.Column("reclassified", sa.Integer(), nullable=False),
        sa.Column("renewal_candidates", sa.Integer(), nullable=False),
        sa.Column("started_at", zhixin.kit.db.UTCDateTime(), nullable=False),
        sa.Column("finished_at", zhixin.kit.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_batch_run")),
        sa.UniqueConstraint("business_date", name=op.f("uq_loan_batch_run_business_date")),
    )


def downgrade() -> None:
    op.drop_index("ix_loan_instalment_status", table_name="loan_instalment")
    op.drop_table("loan_batch_run")
    op.drop_index("ix_loan_classification_drawdown", table_name="loan_classification")
    op.drop_table("loan_classification")
    op.drop_index("ix_loan_repayment_drawdown", table_name="loan_repayment")
    op.drop_table("loan_repayment")
