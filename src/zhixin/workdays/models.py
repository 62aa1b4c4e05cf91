"""The operator's calendar: years entered from the State Council's notices, and their days."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from zhixin.kit.db import Base, UTCDateTime, utcnow


class CalendarYear(Base):
    """One year entered by a regulator; preferred over chinese-calendar for that year.

    Entering the year again replaces its days (in one transaction); who replaced it and when is
    kept here and, with the counts before and after, in the audit log.
    """

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(200))  # the notice, e.g. 国办发明电〔2026〕N号
    # None: entered on the command line without naming a user (audited as the actor "cli")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarDay(Base):
    """A listed day of an entered year: 休 (a holiday) or 班 (a make-up working day)."""

    __tablename__ = "calendar_day"
    __table_args__ = (CheckConstraint("kind IN ('休', '班')", name="kind"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(
        ForeignKey("calendar_year.year", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(1))
    name: Mapped[str] = mapped_column(String(64), default="")
