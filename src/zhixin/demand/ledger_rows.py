"""The ledger file's layout and its row parser (no database): one row → a key and an
:class:`~zhixin.demand.rules.Outcome`, or every ``(field, reason)`` wrong with it.

Layout (CSV in UTF-8 or GB18030, or the first sheet of an XLSX; header on line 1, columns in any
order, matched by name; ``*`` required):

| 列名 | 内容 |
| --- | --- |
| 统一社会信用代码* | 18 位 |
| 来源* | 白名单推送 / 预授信名单 / 融资需求接单（或 whitelist / preapproved / need） |
| 来源编号 | 融资需求接单：需求编号；预授信名单：名单编号；白名单推送：可空 |
| 联系日期 · 授信日期 · 放款日期 · 拒绝日期 | 2025-07-01、2025/7/1 或 2025年7月1日 |
| 授信金额（元） · 放款金额（元） | 1234567.89、123.5万 |
| 年化利率（%） | 3.45 |
| 产品代码 · 拒绝原因代码 | luzhidai；R01–R99 |
| 首贷户 · 信用贷款 | 是 / 否（空为否） |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from zhixin.demand.rules import SOURCE_BY_LABEL, Outcome, check_outcome
from zhixin.enterprises.rules import InvalidUSCC, normalise_uscc
from zhixin.intake import layout
from zhixin.intake.rows import parse_money
from zhixin.kit.dates import DateParseError, parse_date

COLUMNS: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "source": "来源",
    "source_ref": "来源编号",
    "contacted_on": "联系日期",
    "granted_on": "授信日期",
    "granted_amount": "授信金额（元）",
    "granted_rate": "年化利率（%）",
    "product_code": "产品代码",
    "disbursed_on": "放款日期",
    "disbursed_amount": "放款金额（元）",
    "refused_on": "拒绝日期",
    "refusal_code": "拒绝原因代码",
    "first_loan": "首贷户",
    "credit": "信用贷款",
}
REQUIRED = ("uscc", "source")
_ALIASES = {
    "授信金额": "granted_amount",
    "放款金额": "disbursed_amount",
    "年化利率": "granted_rate",
    "年化利率(%)": "granted_rate",
    "授信金额(元)": "granted_amount",
    "放款金额(元)": "disbursed_amount",
}
_YES = {"是", "y", "yes", "1", "true", "√"}
_NO = {"否", "n", "no", "0", "false", ""}


@dataclass(frozen=True)
class Parsed:
    line: int
    uscc: str
    source: str
    source_ref: str
    outcome: Outcome


def header_map(cells: list[Any]) -> tuple[dict[str, int], list[str]]:
    """field → column index, and the required columns missing (by their Chinese names)."""
    return layout.header_map(cells, columns=COLUMNS, aliases=_ALIASES, required=REQUIRED)


_text = layout.cell_text


def parse_row(line: int, cells: list[Any], cols: dict[str, int]) -> Parsed | list[tuple[str, str]]:
    """The row as a key and an outcome, or every ``(column name, reason)`` wrong with it."""
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
    source = SOURCE_BY_LABEL.get(text.get("source", ""))
    if source is None:
        err("source", "取值应为：白名单推送、预授信名单或融资需求接单")
    ref = text.get("source_ref", "")
    if len(ref) > 64:
        err("source_ref", "来源编号不超过 64 个字符")
    if source == "need" and not ref.isdigit():
        err("source_ref", "融资需求接单须填写需求编号（数字）")

    def day(key: str) -> date | None:
        if not text.get(key):
            return None
        try:
            return parse_date(raw[key])
        except DateParseError as exc:
            err(key, str(exc) if not str(exc).startswith("日期不存在") else "日期不存在")
            return None

    def amount(key: str) -> Decimal | None:
        if not text.get(key):
            return None
        try:
            return parse_money(text[key])
        except ValueError as exc:
            err(key, str(exc))
            return None

    def flag(key: str) -> bool:
        t = text.get(key, "").lower()
        if t in _YES:
            return True
        if t not in _NO:
            err(key, "取值应为：是 或 否")
        return False

    rate: Decimal | None = None
    if text.get("granted_rate"):
        try:
            rate = Decimal(text["granted_rate"].rstrip("%"))
            if not rate.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            err("granted_rate", "利率应为数字，如 3.45（单位 %）")
    code = text.get("refusal_code") or None
    product = text.get("product_code") or None
    outcome = Outcome(
        contacted_on=day("contacted_on"),
        granted_on=day("granted_on"),
        granted_amount=amount("granted_amount"),
        granted_rate=rate,
        product_code=product,
        disbursed_on=day("disbursed_on"),
        disbursed_amount=amount("disbursed_amount"),
        refused_on=day("refused_on"),
        refusal_code=code.upper() if code else None,
        first_loan=flag("first_loan"),
        credit=flag("credit"),
    )
    if product is not None and len(product) > 64:
        err("product_code", "产品代码不超过 64 个字符")
    if not errs:
        errs.extend((COLUMNS[f], r) for f, r in check_outcome(outcome))
    if errs:
        return errs
    assert source is not None
    return Parsed(line, uscc, source, ref, outcome)


def template_rows() -> list[list[object]]:
    """The header and two example rows (for the template download)."""
    return [
        list(COLUMNS.values()),
        [
            "91350200MA2Y00770J",
            "融资需求接单",
            "12",
            "2025-07-02",
            "2025-07-10",
            "3000000",
            "3.45",
            "luzhidai",
            "2025-07-12",
            "3000000",
            "",
            "",
            "是",
            "是",
        ],
        [
            "91110000600037341L",
            "白名单推送",
            "",
            "2025-07-03",
            "",
            "",
            "",
            "",
            "",
            "",
            "2025-07-08",
            "R02",
            "否",
            "否",
        ],
    ]
