"""Reading a year's schedule from a file the operator prepared (pure: text in, days out).

Two formats (see README «工作日历» and the page ``/calendar``):

1. **Lines** (CSV, TSV or plain text), one date or date range a line::

       日期,类型,名称                      ← optional header line
       2027-01-01,休,元旦
       2027-02-05..2027-02-11,休,春节       ← an inclusive range
       2027-02-13,班,春节                   ← a make-up working day (调休上班)

   Type: ``休`` / ``holiday`` (also 假, 休息, off) or ``班`` / ``workday`` (also 上班, 补班, work).
   Fields separated by a comma, a tab or a full-width comma (or spaces when there is no
   comma/tab). Blank lines and lines starting with ``#`` are ignored.

2. **YAML**::

       year: 2027            # optional; must match the year being entered
       note: 国办发明电〔……〕  # optional
       holidays:
         元旦: [2027-01-01]
         春节: ["2027-02-05..2027-02-11"]
       workdays: [2027-02-13]          # or, named: {春节: [2027-02-13]}

UTF-8 with or without a BOM (a file saved by Excel as GB18030/GBK is read too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import yaml

from zhixin.kit.dates import DateParseError, parse_date
from zhixin.kit.text import clean
from zhixin.workdays.rules import HOLIDAY, WORKDAY, YearSchedule, schedule_of

MAX_RANGE_DAYS = 366
MAX_BYTES = 256 * 1024

_KINDS = {
    "休": HOLIDAY,
    "假": HOLIDAY,
    "休息": HOLIDAY,
    "休假": HOLIDAY,
    "放假": HOLIDAY,
    "holiday": HOLIDAY,
    "off": HOLIDAY,
    "班": WORKDAY,
    "上班": WORKDAY,
    "补班": WORKDAY,
    "调休上班": WORKDAY,
    "workday": WORKDAY,
    "work": WORKDAY,
}
_SEPARATORS = re.compile(r"[,\t]")
_RANGE = re.compile(r"\s*(?:\.\.|~|～|至)\s*")
_SERIAL = re.compile(r"^\d{1,5}(\.0+)?$")
_HEADER_WORDS = ("日期", "date", "类型", "kind", "type")
_YAML_KEYS = re.compile(r"^(holidays|workdays|year|note|example)\s*:", re.MULTILINE)


@dataclass
class Parsed:
    """Days read from a file, and every problem found reading it (line numbers or YAML keys)."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    year: int | None = None  # the YAML's ``year:`` if given
    note: str = ""  # the YAML's ``note:`` if given

    def add(self, kind: str, day: date, name: str) -> None:
        target = self.holidays if kind == HOLIDAY else self.workdays
        if not target.get(day):
            target[day] = name

    def to_schedule(self, year: int, source: str) -> YearSchedule:
        """The schedule for ``year`` (a YAML ``year:`` that differs is kept, so the check reports
        the mismatch instead of silently entering the wrong year)."""
        stated = self.year if self.year is not None else year
        return schedule_of(stated, self.holidays, self.workdays, source)

    def guess_year(self) -> int | None:
        """The year of the days read, when they all fall in one."""
        if self.year is not None:
            return self.year
        years = {d.year for d in (*self.holidays, *self.workdays)}
        return years.pop() if len(years) == 1 else None


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped); a file that is not UTF-8 is read as GB18030 (Excel's «CSV»)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise ValueError("无法识别文件编码，请另存为 UTF-8") from exc


def parse(text: str, *, filename: str = "") -> Parsed:
    """Read ``text`` as YAML (``.yaml``/``.yml``, or text with a ``holidays:`` key) or as lines."""
    text = text.lstrip("\ufeff")
    if filename.lower().endswith((".yaml", ".yml")) or _YAML_KEYS.search(text):
        return parse_yaml(text)
    return parse_lines(text)


def parse_day(text: str) -> date:
    value = clean(text)
    if _SERIAL.match(value):
        raise DateParseError(f"「{value}」不是日期，请写成 2027-02-05")
    return parse_date(value)


def parse_days(text: str) -> list[date]:
    """One date, or an inclusive range ``2027-02-05..2027-02-11`` (also ``~`` or ``至``)."""
    value = clean(text)
    parts = _RANGE.split(value)
    if len(parts) == 1:
        return [parse_day(value)]
    if len(parts) != 2:
        raise DateParseError(f"「{value}」不是日期或日期区间（区间写成 2027-02-05..2027-02-11）")
    first, last = parse_day(parts[0]), parse_day(parts[1])
    if last < first:
        raise DateParseError(f"区间 {first.isoformat()}..{last.isoformat()} 的结束早于开始")
    if (last - first).days >= MAX_RANGE_DAYS:
        raise DateParseError(f"区间 {first.isoformat()}..{last.isoformat()} 超过一年")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _kind(text: str) -> str | None:
    return _KINDS.get(clean(text).lower())


def _fields(line: str) -> list[str]:
    line = clean(line)  # folds the full-width comma to ","
    parts = _SEPARATORS.split(line) if _SEPARATORS.search(line) else line.split()
    return [p.strip() for p in parts]


def _looks_like_header(fields: list[str]) -> bool:
    first = fields[0].lower()
    return any(w in first for w in _HEADER_WORDS)


def parse_lines(text: str) -> Parsed:
    out = Parsed()
    seen_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = _fields(line)
        if not seen_data and _looks_like_header(fields):
            seen_data = True
            continue
        seen_data = True
        where = f"第 {number} 行"
        if len(fields) < 2 or not fields[1]:
            out.errors.append(f"{where}：缺少类型，应写成「2027-02-05,休,春节」或「2027-02-13,班」")
            continue
        try:
            days = parse_days(fields[0])
        except DateParseError as exc:
            out.errors.append(f"{where}：{exc}")
            days = []
        kind = _kind(fields[1])
        if kind is None:
            out.errors.append(f"{where}：类型「{fields[1]}」无法识别，应为「休」或「班」")
            continue
        name = ",".join(f for f in fields[2:] if f).strip()
        for day in days:
            out.add(kind, day, name)
    return out


def _dates_of(value: Any, where: str, out: Parsed) -> list[date]:
    items = value if isinstance(value, list) else [value]
    days: list[date] = []
    for item in items:
        if isinstance(item, date):
            days.append(item)
            continue
        if not isinstance(item, str):
            out.errors.append(f"{where}：「{item}」不是日期或日期区间")
            continue
        try:
            days.extend(parse_days(item))
        except DateParseError as exc:
            out.errors.append(f"{where}：{exc}")
    return days


def _section(value: Any, key: str, kind: str, out: Parsed) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for name, days in value.items():
            label = clean(name)
            for day in _dates_of(days, f"{key}.{label}", out):
                out.add(kind, day, label)
    elif isinstance(value, list | str | date):
        for day in _dates_of(value, key, out):
            out.add(kind, day, "")
    else:
        out.errors.append(f"{key}：应为日期列表，或「名称: [日期……]」的映射")


def parse_yaml(text: str) -> Parsed:
    out = Parsed()
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第 {mark.line + 1} 行附近" if mark is not None else "文件"
        out.errors.append(f"YAML 格式有误（{line}）")
        return out
    if not isinstance(body, dict):
        out.errors.append("YAML 文件应包含 holidays（休假日）和 workdays（调休上班日）两项")
        return out
    if "example" in body:
        out.errors.append(
            "这是格式示例文件（不是官方安排）：请按国务院办公厅的通知改写日期，"
            "并删除 example 一行后再录入"
        )
    known = ("year", "note", "holidays", "workdays", "example")
    unknown = sorted(str(k) for k in body if k not in known)
    if unknown:
        out.errors.append(
            f"无法识别的项：{'、'.join(unknown)}（可用：year、note、holidays、workdays）"
        )
    if "year" in body:
        year = body["year"]
        if isinstance(year, int) and not isinstance(year, bool):
            out.year = year
        else:
            out.errors.append(f"year：「{year}」不是年份")
    if body.get("note") is not None:
        out.note = clean(body["note"])
    if "holidays" not in body:
        out.errors.append("缺少 holidays（休假日）")
    _section(body.get("holidays"), "holidays", HOLIDAY, out)
    _section(body.get("workdays"), "workdays", WORKDAY, out)
    return out
