"""Every query of the LPR table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.accounts.models import User
from zhixin.lpr.models import LprRate

_ALL_ROWS = select(LprRate).order_by(LprRate.effective_on)  # every quote reads it: built once


def all_rows(session: Session) -> Sequence[LprRate]:
    return session.scalars(_ALL_ROWS).all()


def by_day(session: Session, day: date) -> LprRate | None:
    return session.scalars(select(LprRate).where(LprRate.effective_on == day)).first()


def usernames(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {int(i): str(n) for i, n in rows}
