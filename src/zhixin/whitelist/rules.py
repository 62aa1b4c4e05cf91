"""Pure decisions of the whitelist: states, maker-checker, version numbers, diffs, reasons,
cursors. No SQLAlchemy, no FastAPI, no settings.

:func:`diff_entries` states in Python what ``repository.diff_*`` computes as set operations in
SQL; the unit tests hold the two to the same answers.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    draft = "draft"
    approved = "approved"
    published = "published"
    rejected = "rejected"


STATUS_NAMES: dict[str, str] = {
    "draft": "待复核",
    "approved": "已复核待发布",
    "published": "已发布",
    "rejected": "已驳回",
}
KIND_NAMES: dict[str, str] = {"full": "全量", "delta": "增量", "urgent": "紧急移出"}


class Change(StrEnum):
    added = "added"
    removed = "removed"
    upgraded = "upgraded"
    downgraded = "downgraded"


CHANGE_NAMES: dict[str, str] = {
    "added": "新增",
    "removed": "移出",
    "upgraded": "升级",
    "downgraded": "降级",
}


class Reason(StrEnum):
    gate = "gate"  # a gate (否决项) failed in the newer evaluation
    expired = "expired"  # an element held before is no longer held (expired, withdrawn)
    below = "below"  # the level fell below the whitelist levels for another reason
    absent = "absent"  # the enterprise is not in the newer evaluation at all


REASON_NAMES: dict[str, str] = {
    "gate": "触发否决项",
    "expired": "要素到期或失效",
    "below": "等级降至白名单等级以下",
    "absent": "未参加本版评价（已注销或未在本批次中重新评价）",
}


class Refused(Exception):
    """A transition the rules do not allow; the message is for a person."""


def check_review(*, status: str, drafted_by_id: int | None, reviewer_id: int) -> None:
    """Maker-checker: only a draft can be reviewed, and never by the regulator who drafted it."""
    if status != Status.draft:
        raise Refused(f"该版本当前状态为“{STATUS_NAMES.get(status, status)}”，不能再复核")
    if drafted_by_id is not None and drafted_by_id == reviewer_id:
        raise Refused("起草人不能复核自己起草的白名单（须由另一名监管人员复核）")


def check_publish(*, status: str) -> None:
    if status != Status.approved:
        raise Refused(
            f"只有已复核通过的版本才能发布（当前状态：{STATUS_NAMES.get(status, status)}）"
        )


def next_version(last: int) -> int:
    """Versions are consecutive from 1, assigned at publication."""
    if last < 0:
        raise ValueError("last version cannot be negative")
    return last + 1


def classify(old_rank: int | None, new_rank: int | None) -> Change | None:
    """How one enterprise × dimension changed; ranks count from 0 = best level."""
    if old_rank is None and new_rank is None:
        return None
    if old_rank is None:
        return Change.added
    if new_rank is None:
        return Change.removed
    if new_rank < old_rank:
        return Change.upgraded
    if new_rank > old_rank:
        return Change.downgraded
    return None


Key = tuple[int, str]


@dataclass(frozen=True)
class EntryChange:
    enterprise_id: int
    dimension: str
    change: Change
    old_rank: int | None
    new_rank: int | None


def diff_entries(old: Mapping[Key, int], new: Mapping[Key, int]) -> list[EntryChange]:
    """Every change between two entry sets (key → level rank), ordered by key."""
    out = []
    for key in sorted(set(old) | set(new)):
        kind = classify(old.get(key), new.get(key))
        if kind is not None:
            out.append(EntryChange(key[0], key[1], kind, old.get(key), new.get(key)))
    return out


def removal_reason(*, gated: bool, lost_element: bool, evaluated: bool) -> Reason:
    """Why an entry left the list, most decisive first."""
    if gated:
        return Reason.gate
    if not evaluated:
        return Reason.absent
    if lost_element:
        return Reason.expired
    return Reason.below


def reason_text(
    reason: str | None,
    *,
    gates: Sequence[tuple[str, Sequence[int]]] = (),
    lost: Sequence[str] = (),
) -> str:
    """A person's sentence: the gate and its record ids, or the elements no longer held."""
    if reason is None:
        return ""
    label = REASON_NAMES.get(reason, reason)
    if reason == Reason.gate and gates:
        named = "；".join(
            f"{name}（记录 {', '.join(f'#{i}' for i in ids)}）" if ids else name
            for name, ids in gates
        )
        return f"{label}：{named}"
    if reason == Reason.expired and lost:
        return f"{label}：{'、'.join(lost)}"
    return label


def only_gate_removals(counts: Mapping[str, int]) -> bool:
    """An urgent version may carry removals by a failed gate and nothing else."""
    return counts.get("gate", 0) > 0 and all(n == 0 for k, n in counts.items() if k != "gate")


# -- opaque cursors --------------------------------------------------------------------------


class BadCursor(ValueError):
    pass


def encode_cursor(*parts: object) -> str:
    raw = "|".join(str(p) for p in parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, tag: str, arity: int) -> list[str]:
    """The parts after ``tag``; anything else (tampered, another feed's cursor) is refused."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor("游标无效 / invalid cursor") from exc
    parts = raw.split("|")
    if len(parts) != arity + 1 or parts[0] != tag:
        raise BadCursor("游标无效 / invalid cursor")
    return parts[1:]


def change_cursor(seq: int) -> str:
    return encode_cursor("c", seq)


def change_seq(cursor: str | None) -> int:
    if not cursor:
        return 0
    (value,) = decode_cursor(cursor, tag="c", arity=1)
    if not value.isdigit():
        raise BadCursor("游标无效 / invalid cursor")
    return int(value)


def entry_cursor(version: int, enterprise_id: int, dimension: str) -> str:
    return encode_cursor("e", version, enterprise_id, dimension)


def entry_key(cursor: str | None, *, version: int) -> tuple[int, str] | None:
    if not cursor:
        return None
    v, eid, dim = decode_cursor(cursor, tag="e", arity=3)
    if not (v.isdigit() and eid.isdigit()) or int(v) != version:
        raise BadCursor("游标无效或不属于该版本 / cursor does not belong to this version")
    return int(eid), dim
