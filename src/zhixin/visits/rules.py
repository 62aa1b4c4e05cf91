"""Pure decisions of the visits (千企万户大走访): the outcomes, the follow-up clock, and the
visit sheet's layout and row parser (no database).

Visit sheet (CSV in UTF-8 or GB18030, or the first sheet of an XLSX; header on line 1, columns
in any order, matched by name; ``*`` required; 序号 and 备注 — and any column not listed — are
ignored, as the teams' own sheets carry them):

| 列名 | 内容 |
| --- | --- |
| 统一社会信用代码* | 18 位 |
| 走访日期* | 2026-11-03、2026/11/3 或 2026年11月3日 |
| 走访小组 | 本次走访活动中的小组名称 |
| 所在社区 | 社区（或街道）代码或名称 |
| 发现需求 | 文字 |
| 融资需求金额（万元） · 融资需求金额（元） | 数字（后者也可写 12.5万） |
| 意向产品 | 文字 |
| 对接银行 | 银行代码或名称 |
| 跟进时限（工作日） | 整数，自走访日期起算 |
| 跟进结果 | 跟进中 / 已申请 / 已获贷 / 暂无需求 / 未获支持 |
| 结果日期 | 日期 |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from zhixin.enterprises.rules import InvalidUSCC, normalise_uscc
from zhixin.intake import layout
from zhixin.intake.rows import parse_money
from zhixin.kit.dates import DateParseError, parse_date

OUTCOMES: dict[str, str] = {
    "open": "跟进中",
    "applied": "已申请",
    "granted": "已获贷",
    "no_need": "暂无需求",
    "declined": "未获支持",
}
OUTCOME_BY_LABEL = {v: k for k, v in OUTCOMES.items()} | {k: k for k in OUTCOMES}
DEFAULT_FOLLOW_UP_WORKDAYS = 5
MAX_FOLLOW_UP_WORKDAYS = 60
WAN = Decimal(10000)
FEN = Decimal("0.01")

COLUMNS: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "visited_on": "走访日期",
    "team": "走访小组",
    "place": "所在社区",
    "needs": "发现需求",
    "amount_wan": "融资需求金额（万元）",
    "amount": "融资需求金额（元）",
    "products": "意向产品",
    "bank": "对接银行",
    "follow_up_workdays": "跟进时限（工作日）",
    "outcome": "跟进结果",
    "outcome_on": "结果日期",
}
REQUIRED = ("uscc", "visited_on")
IGNORED = ("序号", "备注", "企业名称")
_ALIASES = {
    "融资需求金额": "amount",
    "需求金额（万元）": "amount_wan",
    "需求金额（元）": "amount",
    "需求金额": "amount",
    "社区": "place",
    "小组": "team",
    "跟进时限": "follow_up_workdays",
    "银行": "bank",
}


@dataclass(frozen=True)
class VisitRow:
    """One parsed sheet row; names (team, place, bank) are resolved by the service."""

    line: int
    uscc: str
    visited_on: date
    team: str
    place: str
    needs: str
    amount_wanted: Decimal | None
    products: str
    bank: str
    follow_up_workdays: int | None
    outcome: str
    outcome_on: date | None


def header_map(cells: list[Any]) -> tuple[dict[str, int], list[str]]:
    """field → column index, and the required columns missing (by their Chinese names)."""
    return layout.header_map(cells, columns=COLUMNS, aliases=_ALIASES, required=REQUIRED)


_text = layout.cell_text


def parse_row(
    line: int, cells: list[Any], cols: dict[str, int]
) -> VisitRow | list[tuple[str, str]]:
    """The row as a :class:`VisitRow`, or every ``(column name, reason)`` wrong with it."""
    errs: list[tuple[str, str]] = []
    raw = {k: (cells[i] if i < len(cells) else None) for k, i in cols.items()}
    text = {k: _text(v) for k, v in raw.items()}

    def err(key: str, reason: str) -> None:
        errs.append((COLUMNS[key], reason))

    uscc = ""
    try:
        uscc = normalise_uscc(text.get("uscc", ""))
    except (InvalidUSCC, ValueError) as exc:
        err("uscc", str(exc) if text.get("uscc") else "必填项不能为空")

    def day(key: str) -> date | None:
        if not text.get(key):
            return None
        try:
            return parse_date(raw[key])
        except DateParseError as exc:
            err(key, str(exc) if not str(exc).startswith("日期不存在") else "日期不存在")
            return None

    visited = day("visited_on")
    if visited is None and not text.get("visited_on"):
        err("visited_on", "必填项不能为空")
    outcome_on = day("outcome_on")
    amount: Decimal | None = None
    if text.get("amount_wan"):
        try:
            amount = (Decimal(text["amount_wan"].replace(",", "")) * WAN).quantize(
                FEN, ROUND_HALF_UP
            )
            if not amount.is_finite() or amount < 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            err("amount_wan", "金额应为数字（单位：万元），如 200 或 12.5")
            amount = None
    elif text.get("amount"):
        try:
            amount = parse_money(text["amount"])
        except ValueError as exc:
            err("amount", str(exc))
    workdays: int | None = None
    if text.get("follow_up_workdays"):
        t = text["follow_up_workdays"]
        if not t.isdigit() or not 1 <= int(t) <= MAX_FOLLOW_UP_WORKDAYS:
            err("follow_up_workdays", f"应为 1 至 {MAX_FOLLOW_UP_WORKDAYS} 的整数（工作日）")
        else:
            workdays = int(t)
    outcome = OUTCOME_BY_LABEL.get(text.get("outcome", "") or "跟进中")
    if outcome is None:
        err("outcome", "取值应为：" + "、".join(OUTCOMES.values()))
    if outcome not in (None, "open") and outcome_on is None and not errs:
        err("outcome_on", "跟进结果不是“跟进中”时须填写结果日期")
    if visited is not None and outcome_on is not None and outcome_on < visited:
        err("outcome_on", "结果日期不能早于走访日期")
    for key, limit in (("needs", 2000), ("products", 200), ("team", 100), ("bank", 200)):
        if len(text.get(key, "")) > limit:
            err(key, f"不超过 {limit} 个字")
    if errs:
        return errs
    assert visited is not None and outcome is not None
    return VisitRow(
        line=line,
        uscc=uscc,
        visited_on=visited,
        team=text.get("team", ""),
        place=text.get("place", ""),
        needs=text.get("needs", ""),
        amount_wanted=amount,
        products=text.get("products", ""),
        bank=text.get("bank", ""),
        follow_up_workdays=workdays,
        outcome=outcome,
        outcome_on=outcome_on,
    )


def needs_finance(amount_wanted: Decimal | None) -> bool:
    """A visit found a financing need when it recorded an amount wanted above zero."""
    return amount_wanted is not None and amount_wanted > 0


def overdue(*, due_on: date | None, outcome: str, today: date) -> bool:
    """The follow-up clock ran out: a deadline behind ``today`` and the visit still open."""
    return due_on is not None and outcome == "open" and due_on < today


def template_rows() -> list[list[object]]:
    """The header (with the ignored 序号 and 备注) and two example rows."""
    return [
        ["序号", *COLUMNS.values(), "备注"],
        [
            1,
            "91350200MA2Y00770J",
            "2026-11-03",
            "湖里街道一组",
            "海天社区",
            "扩产缺流动资金",
            "200",
            "",
            "鹭质贷",
            "bank-a",
            "5",
            "跟进中",
            "",
            "",
        ],
        [
            2,
            "91110000600037341L",
            "2026-11-04",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "暂无需求",
            "2026-11-04",
            "经营稳定",
        ],
    ]
