"""Every query of the operator's calendar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from zhixin.accounts.models import User
from zhixin.kit.db import begin_write
from zhixin.workdays.models import CalendarDay, CalendarYear


def year_for_update(session: Session, year: int) -> CalendarYear | None:
    """The entered year, locked until the transaction ends (two replacements go one by one)."""
    begin_write(session)  # SQLite: no row locks, the transaction writes from here
    return session.scalars(
        select(CalendarYear).where(CalendarYear.year == year).with_for_update()
    ).one_or_none()


def year(session: Session, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, year)


def years(session: Session) -> Sequence[CalendarYear]:
    return session.scalars(select(CalendarYear).order_by(CalendarYear.year)).all()


# every quote and working-day count reads the whole entered calendar: one statement, built once
_year, _day = CalendarYear.__table__, CalendarDay.__table__
_YEAR_DAYS = (
    select(_year.c.year, _year.c.source, _day.c.day, _day.c.kind, _day.c.name)
    .select_from(_year.outerjoin(_day, _day.c.year == _year.c.year))
    .order_by(_year.c.year, _day.c.day)
)


def year_days(session: Session) -> list[tuple[int, str, date | None, str, str]]:
    """``(year, source, day, kind, name)`` of every entered year and its listed days; a year
    with no listed day comes once, with ``day`` None. Plain rows: nothing kept in the session,
    so a replacement in the same transaction meets no stale objects."""
    rows = session.execute(_YEAR_DAYS)
    return [(int(y), str(s), d, str(k or ""), str(n or "")) for y, s, d, k, n in rows]


def counts(session: Session, year: int) -> dict[str, int]:
    """``{"休": n, "班": m}`` for an entered year."""
    rows = session.execute(
        select(CalendarDay.kind, func.count())
        .where(CalendarDay.year == year)
        .group_by(CalendarDay.kind)
    )
    return {str(kind): int(n) for kind, n in rows}


def all_counts(session: Session) -> dict[int, dict[str, int]]:
    rows = session.execute(
        select(CalendarDay.year, CalendarDay.kind, func.count()).group_by(
            CalendarDay.year, CalendarDay.kind
        )
    )
    out: dict[int, dict[str, int]] = {}
    for y, kind, n in rows:
        out.setdefault(int(y), {})[str(kind)] = int(n)
    return out


def delete_days(session: Session, year: int) -> None:
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))


def add_days(session: Session, year: int, rows: Sequence[tuple[date, str, str]]) -> None:
    session.add_all(CalendarDay(day=d, year=year, kind=k, name=n) for d, k, n in rows)


def user_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(set(ids)))
    )
    return {int(i): f"{d}（{u}）" if d != u else str(u) for i, d, u in rows}
