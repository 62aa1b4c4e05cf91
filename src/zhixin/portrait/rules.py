"""Pure decisions of the portrait (质量画像): which facts deserve a warning today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from zhixin.records.rules import annual_fee_due

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
    subtype: str | None = None
    status: str | None = None
    valid_from: date | None = None  # a patent's 申请日
    ref: str | None = None


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


FEE_WINDOW_DAYS = 30


def patent_fees(facts: list[Fact], today: date, days: int = FEE_WINDOW_DAYS) -> list[Alert]:
    """Patents in force whose annual fee falls due within ``days`` (records.rules.annual_fee_due):
    unpaid after the grace period, the right ends (soonest first)."""
    found = []
    for f in facts:
        if f.kind != "patent" or f.status != "有效":
            continue
        fee = annual_fee_due(
            filed_on=f.valid_from,
            granted_on=f.event_date,
            subtype=f.subtype,
            start=today,
            end=today + timedelta(days=days),
        )
        if fee is not None:
            found.append((fee, f))
    found.sort(key=lambda x: (x[0].due_on, x[1].id))
    return [
        Alert(
            "patent_fee",
            f"专利「{f.ref or f.name}」第 {fee.patent_year} 年年费"
            f"应于 {fee.due_on.isoformat()} 前缴纳"
            f"（还有 {(fee.due_on - today).days} 天）；逾期可在 {fee.grace_until.isoformat()} 前"
            f"补缴并加收滞纳金，届时仍未缴纳专利权终止，质押与评价随之受影响",
            fee.due_on,
            f.id,
        )
        for fee, f in found
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
