"""What the reports read of the quality records (``zhixin.reports``): certificates whose
validity ends within a window — the lapses that will break a grade or a pledge. One statement,
no permission check (the caller, a report service, has made it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from zhixin.records.kinds import RECORD_KINDS
from zhixin.records.models import QualityRecord

# the kinds whose 有效期至 is a certificate's end (a title's is optional)
CERTIFICATE_KINDS = ("certification", "product_certification", "accreditation", "title")


@dataclass(frozen=True, slots=True)
class ExpiringFact:
    enterprise_id: int
    kind: str
    title: str | None
    ref: str | None
    valid_to: date

    @property
    def kind_label(self) -> str:
        k = RECORD_KINDS.get(self.kind)
        return k.label if k is not None else self.kind


def expiring(session: Session, *, start: date, end: date) -> list[ExpiringFact]:
    """Current (not superseded or removed) certificates whose ``valid_to`` is in [start, end]."""
    r = QualityRecord
    stmt = select(r.enterprise_id, r.kind, r.title, r.ref, r.valid_to).where(
        r.kind.in_(CERTIFICATE_KINDS),
        r.superseded_at.is_(None),
        r.valid_to.is_not(None),
        r.valid_to >= start,
        r.valid_to <= end,
    )
    rows: list[Any] = list(session.connection().execute(stmt))
    return [ExpiringFact(*row) for row in rows]
