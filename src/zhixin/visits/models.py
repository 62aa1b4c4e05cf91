"""Visit campaigns, teams, visit records (and their file imports), matching events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, BigIntPK, JSONType, UTCDateTime, utcnow


class VisitCampaign(Base):
    """One campaign (e.g. 2026 年千企万户大走访 · 湖里区): a period and an area."""

    __tablename__ = "visit_campaign"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(12))  # a district, street or community
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisitTeam(Base):
    """A visiting team: the street office, a bank and the property or park manager."""

    __tablename__ = "visit_team"
    __table_args__ = (UniqueConstraint("campaign_id", "name"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaign.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    street_code: Mapped[str] = mapped_column(String(12))  # the street office's area
    bank_code: Mapped[str | None] = mapped_column(String(64))  # the bank tenant in the team
    property_name: Mapped[str] = mapped_column(String(200), default="")  # 物业 / 园区
    members: Mapped[str] = mapped_column(Text, default="")  # 街道 · 银行 · 物业 people


class VisitRecord(Base):
    """One visit to one enterprise: what was found, who follows up by when, and how it ended.
    One per campaign, enterprise and day (a file row re-sent updates it)."""

    __tablename__ = "visit_record"
    __table_args__ = (UniqueConstraint("campaign_id", "enterprise_id", "visited_on"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaign.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("visit_team.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date, index=True)
    place_code: Mapped[str | None] = mapped_column(String(12))  # community (or street)
    needs: Mapped[str] = mapped_column(Text, default="")  # 发现的问题与需求
    amount_wanted: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))  # 融资需求 (yuan)
    products: Mapped[str] = mapped_column(String(200), default="")  # 意向产品
    bank_code: Mapped[str | None] = mapped_column(String(64))  # the bank assigned to follow up
    follow_up_workdays: Mapped[int | None] = mapped_column(Integer)
    follow_up_due_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16), default="open")  # visits.rules.OUTCOMES
    outcome_on: Mapped[date | None] = mapped_column(Date)
    escalated_on: Mapped[date | None] = mapped_column(Date)  # follow-up overdue: to the task force
    need_id: Mapped[int | None] = mapped_column(ForeignKey("financing_need.id"))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("visit_import.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VisitImport(Base):
    """One visit sheet a team sent, with its row-level report."""

    __tablename__ = "visit_import"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaign.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, object]]] = mapped_column(JSONType, default=list)


class MatchingEvent(Base):
    """银企对接会: when, where, who came (banks and enterprises), which applications followed."""

    __tablename__ = "matching_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("visit_campaign.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    bank_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    enterprise_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    application_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
