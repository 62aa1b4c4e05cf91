"""Pure decisions of the portrait (质量画像): which facts deserve a warning today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

EXPIRY_WINDOW_DAYS = 90
NEGATIVE_WINDOW_DAYS = 365
# Kinds whose validity ends: certificates, accreditations and titles (称号).
EXPIRING_KINDS = frozenset({"certification", "product_certification", "accreditation", "title"})
NEGATIVE_KINDS = frozenset({"spot_check", "penalty", "list_entry"})


@dataclass(frozen=True)
class Fact:
    """What a warning needs of one current record."""

    id: int
    kind: str
    kind_label: str
    name: str  # subtype / title / ref, whichever says what it is
    valid_to: date | None
    event_date: date | None
    repaired_on: date | None


@dataclass(frozen=True)
class Alert:
    code: str  # expiring / negative / repair
    text: str
    day: date | None = None
    record_id: int | None = None


def expiring(facts: list[Fact], today: date, days: int = EXPIRY_WINDOW_DAYS) -> list[Alert]:
    """Certificates and titles still valid today that lapse within ``days`` (soonest first)."""
    limit = today + timedelta(days=days)
    hits = [
        f
        for f in facts
        if f.kind in EXPIRING_KINDS and f.valid_to is not None and today <= f.valid_to <= limit
    ]
    hits.sort(key=lambda f: (f.valid_to, f.id))
    return [
        Alert(
            "expiring",
            f"{f.kind_label}「{f.name}」将于 {f.valid_to.isoformat()} 到期"
            f"（还有 {(f.valid_to - today).days} 天），请及时复审或换证",
            f.valid_to,
            f.id,
        )
        for f in hits
        if f.valid_to is not None
    ]


def recent_negative(
    facts: list[Fact], today: date, days: int = NEGATIVE_WINDOW_DAYS
) -> list[Alert]:
    """Negative records dated within the last ``days`` and not credit-repaired (newest first)."""
    since = today - timedelta(days=days)
    hits = [
        f
        for f in facts
        if f.kind in NEGATIVE_KINDS
        and f.event_date is not None
        and since <= f.event_date <= today
        and (f.repaired_on is None or f.repaired_on > today)
    ]
    hits.sort(key=lambda f: (f.event_date, f.id), reverse=True)
    return [
        Alert(
            "negative",
            f"近一年内有负面记录：{f.kind_label}「{f.name}」（{f.event_date.isoformat()}）",
            f.event_date,
            f.id,
        )
        for f in hits
        if f.event_date is not None
    ]


def repair_pending(record_ids: list[int]) -> list[Alert]:
    return [Alert("repair", f"信用修复申请审核中（记录 #{rid}）", None, rid) for rid in record_ids]
