"""Loading the data risk models read: annual statements, invoicing/tax months, bank lines.

Files are CSV (UTF-8, with or without BOM) with Chinese headers, as exported from the shared
platforms (财务报表报送, 银税互动, 全国中小微企业资金流信用信息共享平台):

- ``financials``: 统一社会信用代码, 年度, 营业收入, 净利润, 资产总额, 负债总额, 流动资产,
  流动负债, 研发费用;
- ``invoices``: 统一社会信用代码, 月份, 开票金额, 实缴税额;
- ``bank-lines``: 统一社会信用代码, 开户行, 流水号, 记账日期, 金额, 交易对手.

Amounts are yuan (to the fen); a bank line's amount is positive for money in, negative for
money out; a month is ``2025-03`` (or any date in it). Row by row, as the record import: every
bad row is reported with its line and reason (never echoing the value), the good rows are kept.
A statement or month already loaded for the enterprise is replaced; a bank line already loaded
(same enterprise, bank and 流水号) is replaced too. The load is audited with its counts.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from zhixin.accounts.permissions import Permission, Principal
from zhixin.audit import service as audit
from zhixin.audit.service import Actor
from zhixin.enterprises import rules as enterprise_rules
from zhixin.enterprises import service as enterprises
from zhixin.errors import Forbidden, Invalid, NotFound
from zhixin.kit.dates import DateParseError, parse_date
from zhixin.kit.db import begin_write, utcnow
from zhixin.kit.text import clean
from zhixin.risk import repository as repo
from zhixin.risk.models import BankLineRow, FinancialYearRow, InvoiceMonthRow

USCC = "统一社会信用代码"
HEADERS: dict[str, tuple[str, ...]] = {
    "financials": (
        USCC,
        "年度",
        "营业收入",
        "净利润",
        "资产总额",
        "负债总额",
        "流动资产",
        "流动负债",
        "研发费用",
    ),
    "invoices": (USCC, "月份", "开票金额", "实缴税额"),
    "bank-lines": (USCC, "开户行", "流水号", "记账日期", "金额", "交易对手"),
}
KIND_NAMES = {"financials": "财务报表", "invoices": "开票与纳税", "bank-lines": "银行流水"}
MONEY_LIMIT = Decimal("1e15")


class RowError(ValueError):
    pass


@dataclass
class LoadReport:
    kind: str
    rows: int = 0
    inserted: int = 0
    replaced: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _money(row: dict[str, str], name: str, *, signed: bool = False) -> Decimal:
    text = clean(row.get(name, "")).replace(",", "")
    if not text:
        raise RowError(f"“{name}”不能为空")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise RowError(f"“{name}”不是金额") from None
    if not value.is_finite() or abs(value) >= MONEY_LIMIT:
        raise RowError(f"“{name}”不是金额")
    if value != value.quantize(Decimal("0.01")):
        raise RowError(f"“{name}”最多两位小数（到分）")
    if value < 0 and not signed:
        raise RowError(f"“{name}”不能为负数")
    return value


def _text(row: dict[str, str], name: str, limit: int) -> str:
    text = clean(row.get(name, ""))
    if not text:
        raise RowError(f"“{name}”不能为空")
    if len(text) > limit:
        raise RowError(f"“{name}”超过 {limit} 个字")
    return text


def _day(row: dict[str, str], name: str) -> date:
    text = clean(row.get(name, ""))
    if not text:
        raise RowError(f"“{name}”不能为空")
    try:
        return parse_date(text)
    except DateParseError:
        raise RowError(f"“{name}”不是日期") from None


def _month(row: dict[str, str], name: str) -> date:
    text = clean(row.get(name, ""))
    parts = text.replace("年", "-").replace("月", "").replace("/", "-").split("-")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        y, m = int(parts[0]), int(parts[1])
        if 1 <= m <= 12 and 1900 < y < 2200:
            return date(y, m, 1)
    try:
        day = parse_date(text)
    except DateParseError:
        raise RowError(f"“{name}”不是月份（如 2025-03）") from None
    return day.replace(day=1)


def read_csv(data: bytes) -> tuple[list[str], Iterable[dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("文件须为 UTF-8 编码的 CSV") from None
    reader = csv.DictReader(io.StringIO(text))
    return [clean(h) for h in (reader.fieldnames or [])], reader


def load(
    session: Session,
    *,
    actor: Principal,
    kind: str,
    data: bytes,
    source: str,
) -> LoadReport:
    if not actor.can(Permission.risk_data_load):
        raise Forbidden()
    if kind not in HEADERS:
        raise Invalid(f"未知的数据类型 '{kind}'（可用：{'、'.join(HEADERS)}）")
    if not clean(source):
        raise Invalid("须写明数据来源（如：资金流信用信息共享平台 2025-06 导出）")
    headers, rows = read_csv(data)
    missing = [h for h in HEADERS[kind] if h not in headers]
    if missing:
        raise Invalid(f"缺少列：{'、'.join(missing)}")
    begin_write(session)
    report = LoadReport(kind)
    ids: dict[str, int] = {}
    put: Callable[[Session, int, dict[str, str], str], bool] = _PUT[kind]
    for line, raw in enumerate(rows, start=2):
        row = {clean(k): v for k, v in raw.items() if k is not None}
        report.rows += 1
        try:
            uscc = enterprise_rules.normalise_uscc(clean(row.get(USCC, "")))
        except ValueError:
            report.errors.append((line, f"“{USCC}”无效"))
            continue
        if uscc not in ids:
            try:
                ids[uscc] = enterprises.get_by_uscc(session, actor=actor, uscc=uscc).id
            except NotFound:
                report.errors.append((line, "未登记的经营主体"))
                continue
        try:
            replaced = put(session, ids[uscc], row, source)
        except RowError as exc:
            report.errors.append((line, str(exc)))
            continue
        if replaced:
            report.replaced += 1
        else:
            report.inserted += 1
    session.flush()
    audit.record(
        session,
        actor=Actor.of(actor),
        action="risk_data.load",
        object_type="risk_data",
        object_id=kind,
        detail={
            "source": source,
            "rows": report.rows,
            "inserted": report.inserted,
            "replaced": report.replaced,
            "errors": len(report.errors),
        },
    )
    return report


def _put_financials(session: Session, eid: int, row: dict[str, str], source: str) -> bool:
    year_text = clean(row.get("年度", ""))
    if not (year_text.isdigit() and 1990 <= int(year_text) <= 2200):
        raise RowError("“年度”应为四位年份")
    values: dict[str, Any] = {
        "revenue": _money(row, "营业收入"),
        "net_profit": _money(row, "净利润", signed=True),
        "total_assets": _money(row, "资产总额"),
        "total_liabilities": _money(row, "负债总额"),
        "current_assets": _money(row, "流动资产"),
        "current_liabilities": _money(row, "流动负债"),
        "rd_expense": _money(row, "研发费用"),
    }
    found = repo.financial_year(session, eid, int(year_text))
    if found is None:
        session.add(
            FinancialYearRow(enterprise_id=eid, year=int(year_text), source=source, **values)
        )
        return False
    for k, v in values.items():
        setattr(found, k, v)
    found.source, found.loaded_at = source, utcnow()
    return True


def _put_invoices(session: Session, eid: int, row: dict[str, str], source: str) -> bool:
    month = _month(row, "月份")
    invoiced, tax = _money(row, "开票金额"), _money(row, "实缴税额")
    found = repo.invoice_month(session, eid, month)
    if found is None:
        session.add(
            InvoiceMonthRow(
                enterprise_id=eid, month=month, invoiced=invoiced, tax_paid=tax, source=source
            )
        )
        session.flush()  # a month twice in one file is then found, not inserted twice
        return False
    found.invoiced, found.tax_paid, found.source, found.loaded_at = invoiced, tax, source, utcnow()
    return True


def _put_bank_line(session: Session, eid: int, row: dict[str, str], source: str) -> bool:
    bank, ref = _text(row, "开户行", 100), _text(row, "流水号", 64)
    values: dict[str, Any] = {
        "booked_on": _day(row, "记账日期"),
        "amount": _money(row, "金额", signed=True),
        "counterparty": _text(row, "交易对手", 200),
    }
    found = repo.bank_line(session, eid, bank, ref)
    if found is None:
        session.add(BankLineRow(enterprise_id=eid, bank=bank, ref=ref, source=source, **values))
        session.flush()
        return False
    for k, v in values.items():
        setattr(found, k, v)
    found.source, found.loaded_at = source, utcnow()
    return True


_PUT: dict[str, Callable[[Session, int, dict[str, str], str], bool]] = {
    "financials": _put_financials,
    "invoices": _put_invoices,
    "bank-lines": _put_bank_line,
}
