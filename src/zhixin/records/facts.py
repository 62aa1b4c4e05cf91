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


@dataclass(frozen=True, slots=True)
class PatentFact:
    """A current patent in force: what its annual fee's due day is computed from."""

    enterprise_id: int
    ref: str | None  # 专利号
    subtype: str | None  # 发明 / 实用新型 / 外观设计
    title: str | None
    filed_on: date | None  # 申请日 (valid_from)
    granted_on: date | None  # 授权日期 (event_date)
    pledged: bool  # 是否质押 as the record says


def patents_in_force(session: Session, enterprise_ids: list[int]) -> list[PatentFact]:
    """Current (not superseded or removed) patents of ``enterprise_ids`` in force (有效) with a
    filing or grant date: one statement per 1,000 enterprises."""
    r = QualityRecord
    out: list[PatentFact] = []
    for k in range(0, len(enterprise_ids), 1000):
        stmt = select(
            r.enterprise_id, r.ref, r.subtype, r.title, r.valid_from, r.event_date, r.flag
        ).where(
            r.kind == "patent",
            r.enterprise_id.in_(enterprise_ids[k : k + 1000]),
            r.superseded_at.is_(None),
            r.status == "有效",
            (r.valid_from.is_not(None)) | (r.event_date.is_not(None)),
        )
        for eid, ref, subtype, title, filed, granted, flag in session.connection().execute(stmt):
            out.append(PatentFact(eid, ref, subtype, title, filed, granted, bool(flag)))
    return out
