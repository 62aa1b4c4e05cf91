"""Public support, finished (issue 20): a compensation claim may cover one drawdown (借据) of a
contract (support_claim.drawdown_id, None for the whole contract) with an index on the
contract's claims; a covering index of the loan book's repayments by value date for a quarter's
interest paid (the 贴息 basis).

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-07 16:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("support_claim") as batch:
        batch.add_column(sa.Column("drawdown_id", ID, nullable=True))
        batch.create_foreign_key(
            op.f("fk_support_claim_drawdown_id_loan_drawdown"),
            "loan_drawdown",
            ["drawdown_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    op.create_index(
        "ix_loan_repayment_value_date",
        "loan_repayment",
        ["value_date", "drawdown_id", "interest", "accrued"],
        unique=False,
    )
    op.create_index(
        "ix_support_claim_contract", "support_claim", ["contract_id", "drawdown_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_support_claim_contract", table_name="support_claim")
    op.drop_index("ix_loan_repayment_value_date", table_name="loan_repayment")
    with op.batch_alter_table("support_claim") as batch:
        batch.drop_constraint(
            op.f("fk_support_claim_drawdown_id_loan_drawdown"), type_="foreignkey"
        )
        batch.drop_column("drawdown_id")
