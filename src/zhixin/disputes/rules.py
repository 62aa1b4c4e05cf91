"""Pure rules of 异议 (disputes): what may be disputed, the evidence accepted, the states and
who may move them, the correction an upheld dispute makes, and whose consent covered a read.

* **What.** One current record of the enterprise's own (``record_id``), or one element of its
  grade (``element_code``, e.g. ``QC-04``) — exactly one of the two.
* **Evidence.** A statement of 10–2,000 characters, and optionally one file of at most
  :data:`EVIDENCE_MAX_BYTES` whose *content* is PDF, PNG, JPEG or plain UTF-8 text (the name
  and the declared type are not trusted: the first bytes decide).
* **Deadline.** A dispute is resolved within ``dispute_workdays`` working days (setting, 15 by
  default) after the day it was filed, in Beijing time, on the working-day calendar
  (``zhixin.workdays``; the filing day itself not counted). Where the calendar does not know
  a year the count reaches (nobody entered it yet), Monday–Friday count as working days
  (:func:`add_weekdays`) and the dispute is still accepted.
* **Maker-checker.** A regulator proposes uphold or reject (with a note; a proposal to uphold
  a record dispute states the correction); another regulator approves the proposal — it then
  takes effect — or sends it back (pending again). Nobody approves their own proposal.
* **Correction.** Upholding a record dispute writes a new version of the record (the old one is
  superseded, so an older file re-imported cannot undo it: "与历史版本相同"), or removes it
  (``{"remove": true}``). Only the fields in :data:`CORRECTABLE` may change.
* **Access log.** A bank's read of the enterprise's portrait or records (``portrait.pdf``,
  ``record.read``) was covered by the consent of that bank that was in force at that moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

EVIDENCE_MAX_BYTES = 4 * 1024 * 1024
STATEMENT_MIN, STATEMENT_MAX = 10, 2000
NOTE_MAX = 2000
DEFAULT_WORKDAYS = 15

STATUS_LABELS = {
    "pending": "待处理",
    "proposed": "待复核",
    "upheld": "异议成立",
    "rejected": "异议不成立",
}
OPEN = ("pending", "proposed")
PROPOSALS = {"uphold": "异议成立", "reject": "异议不成立"}
# what a correction may set, and the type each value must have
CORRECTABLE: dict[str, str] = {
    "status": "text",
    "level": "text",
    "valid_from": "date",
    "valid_to": "date",
    "event_date": "date",
    "passed": "bool",
    "flag": "bool",
}
ACCESS_ACTIONS = {"portrait.pdf": "下载质量画像 PDF", "record.read": "查看质量记录"}
_ELEMENT = re.compile(r"^[A-Z]{1,4}-?\d{1,3}[A-Z]?$")


class DisputeRefused(ValueError):
    """A Chinese sentence saying why the request cannot be accepted."""


def check_subject(record_id: int | None, element_code: str | None) -> str | None:
    """Exactly one of a record and an element; returns the element code normalised."""
    code = (element_code or "").strip().upper() or None
    if (record_id is None) == (code is None):
        raise DisputeRefused("请选择异议对象：一条质量记录，或评价结果中的一个要素（二选一）")
    if code is not None and not _ELEMENT.match(code):
        raise DisputeRefused("要素编号格式不正确（如 QC-04）")
    return code


def check_statement(text: str) -> str:
    t = text.strip()
    if len(t) < STATEMENT_MIN:
        raise DisputeRefused(f"请说明异议内容和理由（至少 {STATEMENT_MIN} 个字）")
    if len(t) > STATEMENT_MAX:
        raise DisputeRefused(f"异议说明最多 {STATEMENT_MAX} 个字")
    return t


def evidence_type(data: bytes) -> str:
    """The evidence file's type from its first bytes; :class:`DisputeRefused` if not one of
    PDF, PNG, JPEG or UTF-8 text, or when empty or too large."""
    if not data:
        raise DisputeRefused("证明材料文件为空")
    if len(data) > EVIDENCE_MAX_BYTES:
        raise DisputeRefused(f"证明材料不能超过 {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB")
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and not any(ord(c) < 32 and c not in "\t\r\n" for c in text):
        return "text/plain; charset=utf-8"
    raise DisputeRefused("证明材料只接受 PDF、PNG、JPEG 图片或纯文本文件（按文件内容识别）")


def check_proposal(
    decision: str, note: str, correction: dict[str, object] | None, *, is_record: bool
) -> dict[str, object] | None:
    """A regulator's proposal: ``uphold`` or ``reject`` with a note; to uphold a record
    dispute, the correction (``{"remove": true}`` or fields of :data:`CORRECTABLE`)."""
    if decision not in PROPOSALS:
        raise DisputeRefused("处理意见应为：uphold（异议成立）或 reject（异议不成立）")
    if not note.strip():
        raise DisputeRefused("请填写处理意见的理由")
    if len(note) > NOTE_MAX:
        raise DisputeRefused(f"处理意见最多 {NOTE_MAX} 个字")
    if decision == "reject" or not is_record:
        if correction:
            raise DisputeRefused("只有“异议成立”的质量记录异议才能填写更正内容")
        return None
    if not correction:
        raise DisputeRefused("异议成立须说明如何更正该记录：删除，或更正哪些字段")
    if correction.get("remove") is True:
        if len(correction) > 1:
            raise DisputeRefused("删除记录时不能同时更正字段")
        return {"remove": True}
    out: dict[str, object] = {}
    for key, value in correction.items():
        kind = CORRECTABLE.get(key)
        if kind is None:
            raise DisputeRefused(f"不能更正的字段：{key[:32]}（可更正：{'、'.join(CORRECTABLE)}）")
        out[key] = _typed(key, kind, value)
    return out


def _typed(key: str, kind: str, value: object) -> object:
    if value is None:
        return None
    if kind == "bool":
        if not isinstance(value, bool):
            raise DisputeRefused(f"字段 {key} 应为 true 或 false")
        return value
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise DisputeRefused(f"字段 {key} 应为日期，如 2024-03-18") from exc
    text = str(value).strip()
    if not text or len(text) > 16:
        raise DisputeRefused(f"字段 {key} 应为 1–16 个字")
    return text


def check_decision(
    *, proposer_id: int | None, decider_id: int | None, note: str, approve: bool
) -> None:
    if proposer_id is not None and proposer_id == decider_id:
        raise DisputeRefused("提出处理意见的人不能复核自己的意见（双人复核）")
    if not approve and not note.strip():
        raise DisputeRefused("退回处理意见须说明理由")


def outcome(proposal: str) -> str:
    """The status an approved proposal gives."""
    return "upheld" if proposal == "uphold" else "rejected"


def add_weekdays(start: date, n: int) -> date:
    """The ``n``-th Monday–Friday after ``start`` (a year the calendar does not know)."""
    day, seen = start, 0
    while seen < n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            seen += 1
    return day


def overdue(due_on: date, today: date, status: str) -> bool:
    return status in OPEN and today > due_on


@dataclass(frozen=True)
class Grant:
    """A consent as the access log needs it."""

    id: int
    tenant_id: int
    scope: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


def grant_at(grants: Iterable[Grant], tenant_id: int, at: datetime) -> Grant | None:
    """The consent of bank ``tenant_id`` in force at ``at`` (the latest granted if several)."""
    best: Grant | None = None
    for g in grants:
        if g.tenant_id != tenant_id or g.granted_at > at or g.expires_at <= at:
            continue
        if g.revoked_at is not None and g.revoked_at <= at:
            continue
        if best is None or g.granted_at > best.granted_at:
            best = g
    return best
