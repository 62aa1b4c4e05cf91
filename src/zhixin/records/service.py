"""Quality records: read, correct, remove, and credit repair. Never commits."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select
from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.accounts.rules import TenantKind
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.consent import service as consents
from zhixin.enterprises import service as enterprises
from zhixin.errors import Conflict, Forbidden, Invalid, NotFound
from zhixin.kit.db import utcnow
from zhixin.records import repository as repo
from zhixin.records.kinds import RECORD_KINDS
from zhixin.records.models import CreditRepair, QualityRecord
from zhixin.records.rules import RepairRefused, check_repair_request


def _require(actor: Principal, permission: Permission) -> None:
    if not actor.can(permission):
        raise Forbidden()


def may_read(session: Session, *, actor: Principal, enterprise_id: int) -> bool:
    """Whether ``actor`` may read the enterprise's detailed records — the records themselves and
    every reference to them (ids, numbers, titles, issuers, dates of single records) wherever
    they leave the server: explanations, portraits and their PDF, diffs, pages, the API.

    The enterprise must be visible to the actor (its own for an enterprise user, within the
    jurisdiction for a regulator) and the actor must hold ``record:read``; a bank besides only
    while the enterprise's consent (授权) to that bank is in force. Guarantors and finance
    bureaus never hold ``record:read``: they read grades, levels, element names and points.
    """
    if not actor.can(Permission.record_read):
        return False
    if not enterprises.visible(session, actor=actor, enterprise_id=enterprise_id):
        return False
    if actor.tenant_kind == TenantKind.bank:
        return consents.bank_may_read_records(session, actor, enterprise_id)
    return True


def readable_among(session: Session, *, actor: Principal, enterprise_ids: list[int]) -> set[int]:
    """:func:`may_read` for many enterprises at once (two queries, not two per enterprise)."""
    if not actor.can(Permission.record_read) or not enterprise_ids:
        return set()
    seen = enterprises.visible_among(session, actor=actor, ids=enterprise_ids)
    if actor.tenant_kind == TenantKind.bank:
        return seen & consents.bank_readable_among(session, actor, sorted(seen), "records")
    return seen


def _audit_read(
    session: Session, actor: Principal, enterprise_id: int, rows: int, **detail: object
) -> None:
    """One ``record.read`` event per request that hands out records (never one per row)."""
    audit.record(
        session,
        actor=Actor.of(actor),
        action="record.read",
        object_type="enterprise",
        object_id=enterprise_id,
        detail={"rows": rows, **detail},
    )


def _visible_record(session: Session, actor: Principal, record_id: int) -> QualityRecord:
    rec = repo.by_id(session, record_id)
    if rec is None or not may_read(session, actor=actor, enterprise_id=rec.enterprise_id):
        raise NotFound()
    return rec


def records_of(
    session: Session,
    *,
    actor: Principal,
    enterprise_id: int,
    kind: str | None = None,
    include_history: bool = False,
) -> Sequence[QualityRecord]:
    _require(actor, Permission.record_read)
    enterprises.get(session, actor=actor, enterprise_id=enterprise_id)
    if not may_read(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound()  # no consent: exactly what a missing enterprise answers
    if kind and kind not in RECORD_KINDS:
        raise Invalid("未知的记录类型")
    rows = repo.of_enterprise(session, enterprise_id, kind=kind, include_history=include_history)
    _audit_read(
        session,
        actor,
        enterprise_id,
        len(rows),
        what="records",
        **({"kind": kind} if kind else {}),
        **({"history": True} if include_history else {}),
    )
    return rows


def readable_facts(
    session: Session, *, actor: Principal, enterprise_id: int, visible: bool = False
) -> Sequence[repo.FactRow] | None:
    """The fields of the enterprise's current records that a score reads (kind, subtype,
    status, event_date, valid_from, valid_to, repaired_on, by name), or None when the actor
    may not read them (:func:`may_read`: no consent, not visible, no ``record:read``).

    What :func:`records_of` hands out, for a reader that has already fetched the enterprise
    itself (so a missing one has answered 404): one consent check instead of two, plain rows
    instead of entities, and the same access-log entry (``record.read`` with the row count).
    ``visible``: the caller has just fetched the enterprise as this actor
    (``enterprises.get_identity``), so only the permission and the consent are checked."""
    if visible:
        allowed = actor.can(Permission.record_read) and (
            actor.tenant_kind != TenantKind.bank
            or consents.bank_may_read_records(session, actor, enterprise_id)
        )
    else:
        allowed = may_read(session, actor=actor, enterprise_id=enterprise_id)
    if not allowed:
        return None
    rows = repo.current_facts(session, enterprise_id)
    _audit_read(session, actor, enterprise_id, len(rows), what="records")
    return rows


def get(session: Session, *, actor: Principal, record_id: int) -> QualityRecord:
    """One record the actor may read (404 otherwise); not an access-log entry by itself: the
    caller hands out at most a reference to it."""
    _require(actor, Permission.record_read)
    return _visible_record(session, actor, record_id)


def history(session: Session, *, actor: Principal, record_id: int) -> Sequence[QualityRecord]:
    _require(actor, Permission.record_read)
    rec = _visible_record(session, actor, record_id)
    rows = repo.versions(session, rec.kind, rec.natural_key)
    _audit_read(session, actor, rec.enterprise_id, len(rows), what="history", record_id=rec.id)
    return rows


def counts_by_kind(session: Session, *, actor: Principal, enterprise_id: int) -> dict[str, int]:
    _require(actor, Permission.record_read)
    if not may_read(session, actor=actor, enterprise_id=enterprise_id):
        raise NotFound()
    return repo.counts_by_kind(session, enterprise_id)


def remove(session: Session, *, actor: Principal, record_id: int, reason: str) -> QualityRecord:
    """Removal keeps the row: it is superseded without a successor, with the reason."""
    _require(actor, Permission.record_write)
    rec = _visible_record(session, actor, record_id)
    if rec.superseded_at is not None:
        raise Conflict("该记录已被更正或删除")
    if not reason.strip():
        raise Invalid("删除记录须填写原因")
    rec.superseded_at = utcnow()
    rec.removal_reason = reason.strip()[:1000]
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="record.remove",
        object_type="quality_record",
        object_id=rec.id,
        detail={"kind": rec.kind},
    )
    return rec


_COPIED = (
    "enterprise_id", "kind", "natural_key", "subtype", "ref", "title", "level", "status",
    "issuer", "event_date", "valid_from", "valid_to", "year", "amount", "rank", "passed",
    "flag", "extra", "repaired_on",
)  # fmt: skip


def correct(
    session: Session,
    *,
    actor: Principal,
    record_id: int,
    changes: dict[str, object],
    source: str,
    note: str,
) -> QualityRecord:
    """A new version of a current record with ``changes`` applied; the old one is superseded
    and points at it (an older file re-imported is then "与历史版本相同" and changes nothing).

    ``source`` names what corrected it (``dispute:12``). The new version's content hash is
    of its own values (a file row with the same values would be a further version)."""
    _require(actor, Permission.record_write)
    rec = _visible_record(session, actor, record_id)
    if rec.superseded_at is not None:
        raise Conflict("该记录已被更正或删除")
    unknown = set(changes) - set(_COPIED)
    if unknown:
        raise Invalid(f"不能更正的字段：{'、'.join(sorted(unknown))}")
    values = {c: getattr(rec, c) for c in _COPIED} | changes
    digest = hashlib.md5(
        "\x1f".join(f"{k}={values[k]!s}" for k in _COPIED).encode(), usedforsecurity=False
    ).hexdigest()
    now = utcnow()
    new = QualityRecord(
        **values,
        version=rec.version + 1,
        content_hash=digest,
        source_system=source[:64],
        source_ref=note[:191] or None,
        known_at=now,
        created_by_id=actor.user_id,
    )
    session.add(new)
    session.flush()
    rec.superseded_at = now
    rec.superseded_by_id = new.id
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="record.correct",
        object_type="quality_record",
        object_id=new.id,
        detail={"kind": rec.kind, "previous": rec.id, "fields": sorted(changes), "source": source},
    )
    return new


# -- credit repair (信用修复) -----------------------------------------------------------------


def request_repair(
    session: Session, *, actor: Principal, record_id: int, repair_date: date, reason: str
) -> CreditRepair:
    _require(actor, Permission.repair_request)
    rec = _visible_record(session, actor, record_id)
    if not reason.strip():
        raise Invalid("请填写修复理由（如已整改完毕、已履行处罚决定）")
    try:
        check_repair_request(
            kind=rec.kind,
            is_current=rec.superseded_at is None,
            repaired_on=rec.repaired_on,
            event_day=rec.event_date or rec.valid_from,
            repair_date=repair_date,
        )
    except RepairRefused as exc:
        raise Invalid(str(exc)) from exc
    if repo.pending_repair_for(session, rec.id) is not None:
        raise Conflict("该记录已有待审核的修复申请")
    req = CreditRepair(
        record_id=rec.id,
        enterprise_id=rec.enterprise_id,
        repair_date=repair_date,
        reason=reason.strip()[:2000],
        requested_by_id=actor.user_id,
    )
    session.add(req)
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="repair.request",
        object_type="quality_record",
        object_id=rec.id,
        detail={"repair_id": req.id, "repair_date": repair_date.isoformat()},
    )
    return req


def review_repair(
    session: Session, *, actor: Principal, repair_id: int, approve: bool, note: str
) -> CreditRepair:
    """A regulator approves (the record's effect ends on the repair date) or rejects."""
    _require(actor, Permission.repair_review)
    req = repo.repair_by_id(session, repair_id)
    if req is None or not enterprises.visible(
        session, actor=actor, enterprise_id=req.enterprise_id
    ):
        raise NotFound()
    if req.status != "pending":
        raise Conflict("该申请已审核，不能重复处理")
    if req.requested_by_id == actor.user_id:
        raise Forbidden("申请人不能审核自己的申请")
    if not approve and not note.strip():
        raise Invalid("驳回须说明理由")
    req.status = "approved" if approve else "rejected"
    req.reviewed_by_id = actor.user_id
    req.reviewed_at = utcnow()
    req.review_note = note.strip()[:2000] or None
    if approve:
        rec = repo.by_id(session, req.record_id)
        assert rec is not None
        rec.repaired_on = req.repair_date
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="repair.review",
        object_type="credit_repair",
        object_id=req.id,
        detail={"decision": req.status, "record_id": req.record_id},
    )
    return req


def list_repairs(
    session: Session, *, actor: Principal, status: str | None = "pending"
) -> Sequence[CreditRepair]:
    if actor.can(Permission.repair_review):
        return repo.repairs(
            session,
            status=status,
            enterprise_id=None,
            region_prefix=enterprises.jurisdiction(session, actor),
        )
    _require(actor, Permission.repair_request)
    return repo.repairs(session, status=status, enterprise_id=actor.enterprise_id or -1)


# -- for other domains' services (no permission check: the caller has made it) ---------------

# What a product's conditions read from the records on a day: one indexed round trip.
pricing_counts = repo.pricing_counts
pricing_counts_among = repo.pricing_counts_among
PricingCounts = repo.PricingCounts


# -- quality linkage after the loan (system reads, no actor: the worker and the covenant check) --


@dataclass(frozen=True)
class Arrival:
    """A record as the linkage worker reads it."""

    id: int
    enterprise_id: int
    kind: str
    subtype: str | None
    level: str | None
    passed: bool | None
    status: str | None
    ref: str | None
    title: str | None
    event_date: date | None
    valid_from: date | None
    known_at: datetime


def arrivals(
    session: Session, *, after_id: int, kinds: Sequence[str], limit: int = 5000
) -> list[Arrival]:
    """Records in force written after ``after_id``, of these kinds, in id order."""
    return [
        Arrival(*row)
        for row in repo.arrived_after(session, after_id=after_id, kinds=kinds, limit=limit)
    ]


def of_enterprise_between(
    session: Session, *, enterprise_id: int, kinds: Sequence[str], after: date, until: date
) -> list[Arrival]:
    """The enterprise's records in force of these kinds dated in (after, until], oldest first
    (a renewal's named milestones: what was reached during the loan)."""
    return [
        Arrival(*row)
        for row in repo.of_enterprise_between(
            session, enterprise_id=enterprise_id, kinds=kinds, after=after, until=until
        )
    ]


def last_record_id(session: Session) -> int:
    return repo.last_id(session)


def enterprises_with_select(
    *, kind: str, level_in: Sequence[str], start: date, end: date
) -> Select[int]:
    return repo.enterprises_with_select(kind=kind, level_in=level_in, start=start, end=end)
