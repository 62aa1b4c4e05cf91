"""Quality linkage after the loan, as pure rules: periods, which covenants a check runs, which
new record freezes a line or verifies a milestone, and the Chinese a party reads.

No database, no web: the service feeds facts in and stores what comes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from zhixin.products.schema import (
    Condition,
    CovenantSpec,
    Linkage,
    MilestoneEvidence,
    Product,
    RecordTrigger,
)

PURPOSE_LABELS: dict[str, str] = {
    "certification": "认证",
    "testing": "检验检测",
    "equipment": "设备购置",
    "rnd": "研发",
    "standards": "标准制定",
    "brand": "品牌建设",
    "working_capital": "流动资金",
}
COVENANT_KIND_LABELS: dict[str, str] = {
    "quality_use_share": "质量用途占比",
    "whitelisted": "保持白名单",
    "no_serious_penalty": "无严重处罚",
}
CONSEQUENCE_LABELS: dict[str, str] = {
    "rate_step_up": "自下一计息期起加点",
    "subsidy_withheld": "暂停贴息",
    "freeze": "冻结额度",
    "notify": "仅通知",
}
ACTION_LABELS: dict[str, str] = {
    "freeze": "冻结额度",
    "unfreeze": "解除冻结",
    "rate_step_up": "利率上浮",
    "rate_cut": "利率下调",
    "rate_reverse": "撤销利率调整",
    "tranche_unlock": "解锁增信额度",
    "tranche_relock": "重新锁定增信额度",
    "subsidy_withheld": "暂停贴息",
    "subsidy_restored": "恢复贴息",
    "notice": "约定违约通知",
    "notch_up": "续贷升档",
}
STATUS_LABELS: dict[str, str] = {
    "effective": "生效中",
    "scheduled": "待生效",
    "applied": "已生效",
    "reversed": "已撤销",
}
REVERSAL_STATUS_LABELS: dict[str, str] = {
    "pending": "待复核",
    "approved": "已批准",
    "rejected": "已驳回",
}
# what reversing an action does (the kind of the action the approved decision writes)
REVERSAL_OF: dict[str, str] = {
    "freeze": "unfreeze",
    "rate_step_up": "rate_reverse",
    "rate_cut": "rate_reverse",
    "tranche_unlock": "tranche_relock",
    "subsidy_withheld": "subsidy_restored",
}
EVENT_TYPES: dict[str, str] = {  # the webhook event of each action kind
    "freeze": "loan.line.frozen",
    "unfreeze": "loan.line.unfrozen",
    "rate_step_up": "loan.rate.step_up",
    "rate_cut": "loan.rate.cut",
    "rate_reverse": "loan.rate.reversed",
    "tranche_unlock": "loan.tranche.unlocked",
    "tranche_relock": "loan.tranche.relocked",
    "subsidy_withheld": "loan.subsidy.withheld",
    "subsidy_restored": "loan.subsidy.restored",
    "notice": "loan.covenant.breached",
    "notch_up": "loan.renewal.notch_up",
}


class Refused(Exception):
    """A linkage request the rules refuse (Chinese message)."""


# -- periods ------------------------------------------------------------------------------------

CADENCE_OF = {"Q": "quarterly", "M": "monthly", "H": "semiannual", "": "annual"}


@dataclass(frozen=True)
class Period:
    label: str  # 2026Q4
    cadence: str  # quarterly | monthly | semiannual | annual
    start: date
    end: date

    @property
    def next_day(self) -> date:
        return self.end + timedelta(days=1)


def _month_end(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(text: str) -> Period:
    """``2026Q4`` (quarter), ``2026M03`` (month), ``2026H2`` (half year), ``2026`` (year)."""
    raw = text.strip().upper()
    m = re.fullmatch(r"(\d{4})(?:(Q)([1-4])|(M)(0[1-9]|1[0-2])|(H)([12]))?", raw)
    if m is None:
        raise Refused(
            f"期间「{text}」无法识别："
            "请写 2026Q4（季度）、2026M03（月）、2026H2（半年）或 2026（年）"
        )
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(3))
        start, end = date(year, 3 * q - 2, 1), _month_end(year, 3 * q)
        return Period(f"{year}Q{q}", "quarterly", start, end)
    if m.group(4):
        mo = int(m.group(5))
        return Period(f"{year}M{mo:02d}", "monthly", date(year, mo, 1), _month_end(year, mo))
    if m.group(6):
        h = int(m.group(7))
        start = date(year, 1 if h == 1 else 7, 1)
        return Period(f"{year}H{h}", "semiannual", start, _month_end(year, 6 if h == 1 else 12))
    return Period(str(year), "annual", date(year, 1, 1), date(year, 12, 31))


def due(covenants: list[CovenantSpec], period: Period) -> list[CovenantSpec]:
    """The covenants a check of this period evaluates: those of its cadence."""
    return [c for c in covenants if c.period == period.cadence]


# -- quality-use share ----------------------------------------------------------------------------


def share_met(*, drawn_fen: int, quality_fen: int, min_share: Decimal) -> bool:
    """quality ≥ min_share % of drawn, compared exactly in integers."""
    return quality_fen * 10_000 >= int(min_share * 100) * drawn_fen


def share_of(*, drawn_fen: int, quality_fen: int) -> Decimal:
    """The share in percent, truncated to 4 decimals (shown; the comparison is exact)."""
    if drawn_fen <= 0:
        return Decimal(0)
    return Decimal(quality_fen * 1_000_000 // drawn_fen) / Decimal(10_000)


# -- records: what freezes, what verifies a milestone ----------------------------------------


class RecordFacts(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def subtype(self) -> str | None: ...
    @property
    def level(self) -> str | None: ...
    @property
    def passed(self) -> bool | None: ...
    @property
    def status(self) -> str | None: ...


def matches(trigger: RecordTrigger, r: RecordFacts) -> bool:
    if r.kind != trigger.record_kind:
        return False
    if trigger.subtype_in and r.subtype not in trigger.subtype_in:
        return False
    if trigger.level_in and r.level not in trigger.level_in:
        return False
    if trigger.failed_only and r.passed is not False:
        return False
    return r.status not in ("失效", "撤销", "注销", "暂停")


def freeze_trigger(linkage: Linkage | None, r: RecordFacts) -> RecordTrigger | None:
    if linkage is None:
        return None
    return next((t for t in linkage.freeze_on if matches(t, r)), None)


def milestone_evidence(linkage: Linkage | None, r: RecordFacts) -> list[MilestoneEvidence]:
    if linkage is None:
        return []
    return [m for m in linkage.milestones if matches(m, r)]


def record_kinds_watched(linkages: list[Linkage | None]) -> list[str]:
    kinds: set[str] = set()
    for link in linkages:
        if link is None:
            continue
        kinds.update(t.record_kind for t in link.freeze_on)
        kinds.update(m.record_kind for m in link.milestones)
    return sorted(kinds)


# -- the words a party reads ---------------------------------------------------------------


def describe_record(kind_label: str, on: date | None) -> str:
    """A record as every party of the loan may read it: its kind and date, never its
    reference, title or issuer (those reach only who ``records.service.may_read`` lets
    through; the action keeps the record's id for them)."""
    return f"{kind_label}（{on.isoformat()}）" if on is not None else kind_label


def freeze_reason(trigger_label: str, record_text: str) -> str:
    return f"新增{trigger_label}：{record_text}。按产品的质量联动约定冻结授信额度"


def removal_reason(version: int) -> str:
    return f"企业已被第 {version} 版质量白名单移出。按产品的质量联动约定冻结授信额度"


def covenant_reason(
    label: str, period: str, *, share: Decimal | None, threshold: Decimal | None
) -> str:
    if share is not None and threshold is not None:
        return f"{period} 未满足约定「{label}」：质量用途占比 {share:.2f}%，低于 {threshold:.2f}%"
    return f"{period} 未满足约定「{label}」"


def milestone_reason(milestone_label: str, evidence_label: str, record_text: str) -> str:
    return f"里程碑「{milestone_label}」经记录核验（{evidence_label}：{record_text}）"


# -- 续贷升档 (众商贷's notch up at renewal) --------------------------------------------------


@dataclass(frozen=True)
class Notch:
    """A renewal's terms one (or more) classes up the product's table: from the class the loan
    was priced on to a better one; the rate cut is the difference of the two classes' discounts,
    the limit the better class's tier (None where the product's limit is not by class)."""

    from_class: str
    to_class: str
    rate_cut_bp: int
    limit_from: Decimal | None
    limit_to: Decimal | None


def _class_only(when: Condition) -> bool:
    """A condition on the class alone (the rate table's rows: ``class_in`` / ``class_at_least``)."""
    named = set(when.model_dump(exclude_defaults=True))
    return bool(named) and named <= {"class_in", "class_at_least"}


def class_discount_bp(product: Product, rank: int) -> int:
    """The discount a class earns by its class alone: the product's discounts whose condition
    names only the class, stacked as the product stacks them, at most its cap."""
    name = product.level_name(rank)
    bps = []
    for d in product.pricing.discounts:
        if not _class_only(d.when):
            continue
        ok = True
        if d.when.class_in:
            ok = name in d.when.class_in or any(product.rank_of(c) == rank for c in d.when.class_in)
        if ok and d.when.class_at_least is not None:
            need = product.rank_of(d.when.class_at_least)
            ok = need is not None and rank <= need
        if ok:
            bps.append(d.bp)
    total = (max(bps) if bps else 0) if product.pricing.stacking == "max" else sum(bps)
    cap = product.pricing.max_discount_bp
    return min(total, cap) if cap is not None else total


def class_limit(product: Product, rank: int) -> Decimal | None:
    """The class's tier amount, where the product's base limit is by class."""
    base = product.limit.base
    if base is None or base.kind != "tier":
        return None
    return next((t.amount for t in base.tiers if product.rank_of(t.level) == rank), None)


def renewal_notch(
    product: Product, *, priced_rank: int | None, was_rank: int | None, now_rank: int | None
) -> Notch | None:
    """众商贷's notch up at renewal: when the enterprise's overall class on the renewal day is
    better than when the loan was priced (``now_rank`` < ``was_rank``; 1 = best), the renewal
    is priced and limited ``notches`` classes above the class the loan was priced on
    (``priced_rank``, after the product's automatic rules), at most the best class. None when
    the product declares no notch, a grade is missing, the class was not raised, or the loan
    was priced on the best class already."""
    spec = product.linkage.renewal_notch if product.linkage is not None else None
    if spec is None or not spec.on_grade_raised:
        return None
    if priced_rank is None or was_rank is None or now_rank is None:
        return None
    if now_rank >= was_rank:
        return None
    return notch_up(product, priced_rank=priced_rank)


def notch_up(product: Product, *, priced_rank: int | None) -> Notch | None:
    """The renewal's terms ``notches`` classes above the class the loan was priced on (the
    product's ``linkage.renewal_notch``), whatever earned it (a raised grade, a named
    milestone); None without a notch, a priced class, or when priced on the best class."""
    spec = product.linkage.renewal_notch if product.linkage is not None else None
    if spec is None or priced_rank is None:
        return None
    to = max(1, priced_rank - spec.notches)
    if to == priced_rank:
        return None
    cut = class_discount_bp(product, to) - class_discount_bp(product, priced_rank)
    return Notch(
        product.level_name(priced_rank) or str(priced_rank),
        product.level_name(to) or str(to),
        max(cut, 0),
        class_limit(product, priced_rank),
        class_limit(product, to),
    )


def notch_reason(
    label: str, *, was: str, now: str, notch: Notch, rate_from: Decimal, rate_to: Decimal
) -> str:
    """Why the renewal moved, as the enterprise and the bank read it."""
    parts = [f"利率 {rate_from:.4f}% → {rate_to:.4f}%（下调 {notch.rate_cut_bp}bp）"]
    if notch.limit_to is not None and notch.limit_from is not None:
        parts.append(
            f"额度上限 {notch.limit_from / 10000:,.0f}万元 → {notch.limit_to / 10000:,.0f}万元"
        )
    return (
        f"{label}：企业总体质量信誉等级由贷款时的{was}上调为{now}，续贷按{notch.to_class}"
        f"（原按{notch.from_class}）执行，" + "，".join(parts)
    )


def milestone_notch_reason(
    label: str,
    *,
    milestone: str,
    evidence: str,
    record_text: str,
    notch: Notch,
    rate_from: Decimal,
    rate_to: Decimal,
) -> str:
    """Why the renewal moved on a named milestone, as the enterprise and the bank read it."""
    parts = [f"利率 {rate_from:.4f}% → {rate_to:.4f}%（下调 {notch.rate_cut_bp}bp）"]
    if notch.limit_to is not None and notch.limit_from is not None:
        parts.append(
            f"额度上限 {notch.limit_from / 10000:,.0f}万元 → {notch.limit_to / 10000:,.0f}万元"
        )
    return (
        f"{label}：贷款期间达成里程碑「{milestone}」（经记录核验：{evidence}，{record_text}），"
        f"续贷按{notch.to_class}（原按{notch.from_class}）执行，" + "，".join(parts)
    )


def check_reversal(*, kind: str, status: str, requested_by: int, approver: int | None) -> None:
    """What may be reversed, and 审贷分离: the approver is not the one who asked."""
    if kind not in REVERSAL_OF:
        raise Refused(f"「{ACTION_LABELS.get(kind, kind)}」不能撤销")
    if status == "reversed":
        raise Refused("该联动措施已撤销")
    if approver is not None and approver == requested_by:
        raise Refused("审贷分离：提出撤销的人不能复核自己的申请")
