"""What every support rule stands on (pure): the parties, orders, payees and statuses with
their Chinese labels, :class:`Refused`, rounding to the fen, and the parsing of a tenant's
JSON (amounts, codes, choices). Re-exported by ``support.rules``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

Party = Literal["bank", "guarantor", "fund"]
PARTIES: tuple[Party, ...] = ("bank", "guarantor", "fund")
PARTY_LABELS: dict[str, str] = {"bank": "银行", "guarantor": "担保机构", "fund": "风险补偿资金池"}
Order = Literal["after_guarantee", "before_guarantee", "parallel"]
ORDER_LABELS: dict[str, str] = {
    "after_guarantee": "先担保后补偿",
    "before_guarantee": "先补偿后担保",
    "parallel": "按比例分担",
}
SubsidyKind = Literal["points", "share"]
Payee = Literal["enterprise", "bank"]
PAYEE_LABELS: dict[str, str] = {"enterprise": "企业", "bank": "银行"}
CONDITION_LABELS: dict[str, str] = {
    "listed": "在白名单内",
    "not_overdue": "无逾期",
    "covenant_met": "约束条款达标",
}
FEE_BASES: dict[str, str] = {"loan": "贷款金额", "guaranteed": "担保责任金额"}
FEE_BALANCES: dict[str, str] = {"original": "原始金额", "outstanding": "每个担保年度初的未偿本金"}
FEE_PERIODS: dict[str, str] = {"yearly": "每个担保年度初预收", "upfront": "放款时按全期一次收取"}
GUARANTEE_STATUS_LABELS: dict[str, str] = {
    "requested": "待审批",
    "approved": "在保",
    "rejected": "已拒绝",
    "released": "已解保",
    "called": "已代偿",
}
BATCH_STATUS_LABELS: dict[str, str] = {"submitted": "待审批", "decided": "已审批"}
CLAIM_STATUS_LABELS: dict[str, str] = {
    "filed": "已申报",
    "reviewed": "已初审",
    "approved": "已核准",
    "rejected": "已驳回",
    "paid": "已拨付",
}
SUBSIDY_STATUS_LABELS: dict[str, str] = {
    "computed": "待审核",
    "approved": "已审核",
    "paid": "已拨付",
}
ENTRY_KIND_LABELS: dict[str, str] = {
    "contribution": "注资",
    "payment": "代偿拨付",
    "recovery": "追偿返还",
}


class Refused(ValueError):
    """A rule or an input the rules refuse, with its Chinese reason."""


def fen(value: Decimal | Fraction | int) -> Decimal:
    """Half-up to the fen."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fen_down(value: Fraction) -> Decimal:
    """Down to the fen (for a non-negative exact amount)."""
    cents = (value * 100).numerator // (value * 100).denominator
    return (Decimal(cents) / HUNDRED).quantize(CENT)


def _frac(value: Decimal) -> Fraction:
    return Fraction(value)


def _dec(raw: Any, what: str, *, lo: Decimal | None = None, hi: Decimal | None = None) -> Decimal:
    try:
        value = Decimal(str(raw))
    except ArithmeticError as exc:
        raise Refused(f"{what}不是数字：{raw!r}") from exc
    if not value.is_finite():
        raise Refused(f"{what}不是有限的数字")
    if lo is not None and value < lo:
        raise Refused(f"{what}不能小于 {lo}")
    if hi is not None and value > hi:
        raise Refused(f"{what}不能大于 {hi}")
    return value


def _money(raw: Any, what: str) -> Decimal | None:
    if raw is None:
        return None
    value = _dec(raw, what, lo=Decimal(0))
    if value != value.quantize(CENT):
        raise Refused(f"{what}须精确到分")
    return value.quantize(CENT)


def _codes(raw: Any) -> tuple[str, ...]:
    raw = raw or []
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise Refused("适用产品须为产品代码列表")
    return tuple(raw)


def _choice(raw: Any, allowed: dict[str, str] | tuple[str, ...], what: str) -> str:
    if raw not in allowed:
        raise Refused(f"{what}「{raw}」不在可选范围内（{'、'.join(allowed)}）")
    return str(raw)
