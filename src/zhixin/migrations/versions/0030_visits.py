"""visits (issue 23): 千企万户大走访 campaigns, teams, visit records and their sheet imports,
银企对接会 matching events

Revision ID: 0030
Revises: 0026
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    from zhixin.kit.db import JSONType, UTCDateTime

    user = sa.ForeignKey("app_user.id")
    op.create_table(
        "visit_campaign",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(length=100), nullable=False, unique=True),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", ID, user, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "visit_team",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("visit_campaign.id"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("bank_code", sa.String(length=64), nullable=True),
        sa.Column("property_name", sa.String(length=200), nullable=False),
        sa.Column("members", sa.Text(), nullable=False),
        sa.UniqueConstraint("campaign_id", "name"),
    )
    op.create_index("ix_visit_team_campaign_id", "visit_team", ["campaign_id"])
    op.create_table(
        "visit_import",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("visit_campaign.id"), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.Column("imported_by_id", ID, sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("errors", JSONType, nullable=False),
    )
    op.create_index("ix_visit_import_campaign_id", "visit_import", ["campaign_id"])
    op.create_table(
        "visit_record",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("visit_campaign.id"), nullable=False),
        sa.Column("team_id", ID, sa.ForeignKey("visit_team.id"), nullable=True),
        sa.Column("enterprise_id", ID, sa.ForeignKey("enterprise.id"), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("place_code", sa.String(length=12), nullable=True),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("amount_wanted", sa.Numeric(18, 2), nullable=True),
        sa.Column("products", sa.String(length=200), nullable=False),
        sa.Column("bank_code", sa.String(length=64), nullable=True),
        sa.Column("follow_up_workdays", sa.Integer(), nullable=True),
        sa.Column("follow_up_due_on", sa.Date(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_on", sa.Date(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("need_id", ID, sa.ForeignKey("financing_need.id"), nullable=True),
        sa.Column("import_id", ID, sa.ForeignKey("visit_import.id"), nullable=True),
        sa.Column("updated_by_id", ID, sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("campaign_id", "enterprise_id", "visited_on"),
    )
    for column in ("campaign_id", "team_id", "enterprise_id", "visited_on"):
        op.create_index(f"ix_visit_record_{column}", "visit_record", [column])
    op.create_table(
        "matching_event",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("campaign_id", ID, sa.ForeignKey("visit_campaign.id"), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("bank_codes", JSONType, nullable=False),
        sa.Column("enterprise_ids", JSONType, nullable=False),
        sa.Column("application_ids", JSONType, nullable=False),
        sa.Column("created_by_id", ID, sa.ForeignKey("app_user.id"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_matching_event_campaign_id", "matching_event", ["campaign_id"])


def downgrade() -> None:
    op.drop_index("ix_matching_event_campaign_id", table_name="matching_event")
    op.drop_table("matching_event")
    for column in ("campaign_id", "team_id", "enterprise_id", "visited_on"):
        op.drop_index(f"ix_visit_record_{column}", table_name="visit_record")
    op.drop_table("visit_record")
    op.drop_index("ix_visit_import_campaign_id", table_name="visit_import")
    op.drop_table("visit_import")
    op.drop_index("ix_visit_team_campaign_id", table_name="visit_team")
    op.drop_table("visit_team")
    op.drop_table("visit_campaign")
