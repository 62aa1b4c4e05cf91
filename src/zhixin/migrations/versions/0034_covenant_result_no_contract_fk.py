"""linkage (issue 19): linkage_covenant_result.contract_id without its foreign key — every row
is written by one INSERT … SELECT from loan_contract, contracts are never deleted, and checking
the key row by row was 21 s of a 1,000,000-loan quarter's 54 s of PostgreSQL time

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "linkage_covenant_result"
FK = "fk_linkage_covenant_result_contract_id_loan_contract"


def upgrade() -> None:
    # SQLite cannot drop a constraint in place: batch mode rebuilds the table there (nothing
    # refers to it by a foreign key); elsewhere it is a plain ALTER
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(FK, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.create_foreign_key(FK, "loan_contract", ["contract_id"], ["id"], ondelete="RESTRICT")
