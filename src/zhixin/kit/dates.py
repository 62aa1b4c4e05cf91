"""Dates as people type them into spreadsheets.

Accepts 2024-01-05, 2024/1/5, 2024.1.5, 2024年1月5日, 20240105 and Excel serial numbers
(days since 1899-12-30, the 1900 leap-year bug included). A time of day after the date, as
Excel's Chinese locale writes date-times (``2024/3/18 0:00``, ``2024/3/18 00:00:00``,
``2024-03-18T08:30:00``), is dropped: the value is the date.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_EXCEL_EPOCH = date(1899, 12, 30)
_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"^\d{1,5}(\.0+)?$")
_YEAR = re.compile(r"^(\d{4})\s*年?$")
# Excel's Chinese locale writes a date cell saved as text with its time: 2024/3/18 0:00,
# 2024/3/18 00:00:00, 2024-03-18T08:30:00; the time of day is dropped (a record's date is a day).
_TIME = re.compile(r"^(\S+?)(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


class DateParseError(ValueError):
    pass


def parse_date(value: object) -> date:
    """Parse one date; raise :class:`DateParseError` with a Chinese reason."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _from_serial(float(value))
    text = str(value).strip()
    if not text:
        raise DateParseError("日期为空")
    timed = _TIME.match(text)
    if timed:
        text = timed.group(1)
    m = _YMD.match(text) or _COMPACT.match(text)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise DateParseError(f"日期不存在：{text}") from exc
    if _SERIAL.match(text):
        return _from_serial(float(text))
    raise DateParseError("日期格式无法识别，请使用 2024-01-05、2024/1/5 或 2024年1月5日")


def _from_serial(serial: float) -> date:
    if serial < 1 or serial > 2958465:
        raise DateParseError("Excel 日期序号超出范围")
    return _EXCEL_EPOCH + timedelta(days=int(serial))


def parse_year(value: object) -> int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        year = int(value)
    else:
        text = str(value).strip()
        m = _YEAR.match(text)
        if not m:
            raise DateParseError("年度应为四位数字，如 2024")
        year = int(m.group(1))
    if not 1949 <= year <= 2100:
        raise DateParseError("年度超出合理范围（1949–2100）")
    return year
