"""Demo data for the reports: the daily reports of the last seven days delivered to the task
force and each bank, as ``zhixin worker`` would have done each morning (the dashboard and the
report pages read the demo's applications, loans and whitelist themselves)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from zhixin.kit import clock
from zhixin.reports import delivery


def load(session: Session, days: int = 7) -> int:
    today = clock.today()
    return sum(
        delivery.deliver_daily(session, today - timedelta(days=k)) for k in range(1, days + 1)
    )
