"""What a quote says beyond the numbers (pure): money as people read it, the offer's terms and
the conventions it was computed under. The arithmetic itself is the lending core's
(:mod:`zhixin.lending`); this module only words it and picks dates.

- Money is written with thousands separators, in 万元 from ten thousand yuan up.
- A quote is valid for the product's ``validity_days`` calendar days, the quote date being the
  first (15 days from 2025-07-15: through 2025-07-29).
- A floating rate reprices every ``cycle_months`` months on the start's day (``anniversary``) or
  on every 1 January (``january_1``); only the dates before maturity are listed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from zhixin.lending.dates import HOLIDAY_RULE_LABELS, add_months
from zhixin.lending.money import fen, q4
from zhixin.lending.schedule import MONTHLY_RATE_METHODS, Method

DISCLAIMER = "测算结果，不构成要约"
WAN = Decimal(10000)
IRR_METHOD = (
    "借款人全部现金流（放款、每期还本付息、担保费及其他费用）的内部收益率："
    "按月计算的内部收益率 × 12（中国人民银行公告〔2021〕第3号所述的内部收益率法，名义年化），"
    "现金流按实际发生日计时"
)


def yuan(value: Decimal) -> str:
    """Money as a page shows it: thousands separators, 万元 from ten thousand yuan up."""
    if abs(value) >= WAN:
        return f"{fen(value / WAN):,}万元"
    return f"{fen(value):,}元"


def yuan_exact(value: Decimal) -> str:
    """Money to the fen with separators, and in 万元 beside it from ten thousand yuan up."""
    exact = f"{fen(value):,}元"
    if abs(value) >= WAN:
        return f"{exact}（{fen(value / WAN):,}万元）"
    return exact


def pct(value: Decimal) -> str:
    return f"{q4(value)}%"


def valid_until(on: date, days: int) -> date:
    """The last day a quote made on ``on`` is valid, ``on`` counted as the first of ``days``."""
    return on + timedelta(days=days - 1)


def repricing_dates(*, start: date, maturity: date, cycle_months: int, anchor: str) -> list[date]:
    """The repricing dates after ``start`` and before ``maturity``."""
    out: list[date] = []
    if anchor == "january_1":
        year = start.year + 1
        while (day := date(year, 1, 1)) < maturity:
            out.append(day)
            year += 1
        return out
    k = 1
    while (day := add_months(start, k * cycle_months)) < maturity:
        out.append(day)
        k += 1
    return out


def conventions(
    method: Method, holiday_rule: str, weekends_only: list[int] | tuple[int, ...]
) -> list[str]:
    """The conventions a schedule was computed under, one line each, in Chinese."""
    if method in MONTHLY_RATE_METHODS:
        lines = [
            f"{method.value}：每期利息 = 期初本金 × 月利率（年利率 ÷ 12），与当月天数无关；"
            "还款日遇节假日调整不改变当期利息，每期还款额相等（末期含分位尾差）"
        ]
    else:
        lines = [
            f"{method.value}：利息 = 期初本金 × 年利率 ÷ 360 × 实际天数（算头不算尾），"
            "按月付息，本金到期一次归还"
        ]
    lines.append("逾期本金与不足整月的期间按日计息（年利率 ÷ 360 × 实际天数）")
    rule = HOLIDAY_RULE_LABELS.get(holiday_rule, holiday_rule)
    line = f"还款日为放款日每月对应日（月末顺延至当月最后一天），{rule}"
    if weekends_only:
        first = min(weekends_only)
        line += f"；{first} 年起的节假日安排尚未公布，该部分还款日只避开周末"
    lines.append(line)
    lines.append("金额逐项四舍五入到分，本金合计等于贷款金额")
    return lines
