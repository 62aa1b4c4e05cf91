"""XLSX read by calamine (fast, in memory) gives exactly what openpyxl (streaming) gives:
line numbers, leading empty rows and columns, numbers, dates in every format, times, flags,
text; a workbook holding an Excel error value, or one too large, is streamed by openpyxl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from zhixin.intake import readers
from zhixin.intake.readers import TableReader, calamine_reads


def _trimmed(rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    """Rows without their trailing empty cells, and without trailing empty rows (openpyxl reads
    up to the sheet's declared dimension, calamine up to its last value)."""
    out = []
    for n, cells in rows:
        while cells and cells[-1] is None:
            cells = cells[:-1]
        out.append((n, cells))
    while out and not out[-1][1]:
        out.pop()
    return out


def _both(path: Path) -> tuple[list[tuple[int, list[Any]]], list[tuple[int, list[Any]]]]:
    r = TableReader(path)
    return _trimmed(list(r._xlsx_calamine())), _trimmed(list(r._xlsx_openpyxl()))


def _messy(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([])
    ws.append([None, "厦门市市场监督管理局 · 2024 年度认证清单"])  # a title row, column A empty
    ws.append([None, "序号", "统一社会信用代码", "证书编号", "颁发日期", "有效期至", "数量"])
    ws.append([None, 1, "91350200MA2XYZ0001", " CQC-2024-001 ", dt.date(2024, 3, 18)])
    ws.append([None, 2.0, "91350200MA2XYZ0002", "0012", dt.datetime(2024, 3, 18, 0, 0)])
    ws.append([None, 3, "x", None, dt.datetime(2024, 3, 18, 10, 30), dt.time(9, 5), -5])
    ws.append([None, 4, "", "=B4", 45369, "2024/3/18 0:00", 0.1])
    ws.append([])
    ws.append([None, 5, True, False, 913502001234567890, 1e20, -0.0])
    ws.append([None, 6, "中文　全角空格", "行内\n换行", 123456789.123, 45369.5, "45369"])
    formats = {"F5": 'yyyy"年"m"月"d"日"', "F7": "yyyy-mm-dd", "G10": "m/d/yy h:mm", "E7": "@"}
    for cell, fmt in formats.items():
        ws[cell].number_format = fmt
    ws["F4"] = dt.date(2027, 3, 17)
    ws["F4"].number_format = "[$-F800]dddd, mmmm dd, yyyy"
    wb.save(path)
    return path


def test_calamine_reads_what_openpyxl_reads(tmp_path: Path) -> None:
    path = _messy(tmp_path / "m.xlsx")
    assert calamine_reads(path)
    fast, slow = _both(path)
    assert fast == slow
    assert fast[2] == (
        3,
        [None, "序号", "统一社会信用代码", "证书编号", "颁发日期", "有效期至", "数量"],
    )
    assert fast[3][1][4] == dt.datetime(2024, 3, 18)  # a date is a datetime at midnight
    assert fast[4][1][1] == 2 and type(fast[4][1][1]) is int  # a whole number is an int


def test_an_error_value_or_a_large_sheet_is_streamed_by_openpyxl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["统一社会信用代码", "数量"])
    ws.append(["91350200MA2XYZ0001", "#N/A"])
    ws["B2"].data_type = "e"  # a VLOOKUP that found nothing: calamine reads it as empty
    wb.save(tmp_path / "e.xlsx")
    assert not calamine_reads(tmp_path / "e.xlsx")
    rows = list(TableReader(tmp_path / "e.xlsx"))
    assert rows[1] == (2, ["91350200MA2XYZ0001", "#N/A"])  # refused by the import, not blank

    path = _messy(tmp_path / "m.xlsx")
    monkeypatch.setattr(readers, "CALAMINE_MAX_XML", 100)
    assert not calamine_reads(path)

    def no_calamine(self: TableReader) -> Any:
        raise AssertionError("calamine read a sheet over the limit")

    monkeypatch.setattr(TableReader, "_xlsx_calamine", no_calamine)
    assert _trimmed(list(TableReader(path))) == _both_openpyxl(path)


def _both_openpyxl(path: Path) -> list[tuple[int, list[Any]]]:
    return _trimmed(list(TableReader(path)._xlsx_openpyxl()))
