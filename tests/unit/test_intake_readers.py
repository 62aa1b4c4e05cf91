"""Streaming readers: encodings, XLSX, empty and header-only files; templates round-trip."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from zhixin.intake.headers import match_headers
from zhixin.intake.readers import FileRefused, TableReader, detect_encoding, file_format, iter_rows
from zhixin.intake.rows import ParsedRow, parse_row
from zhixin.intake.specs import import_kinds
from zhixin.intake.templates import example_row, headers, template_csv, template_xlsx

ROWS = [
    ["统一社会信用代码", "名称", "备注"],
    ["91350200MA2Y0QXC02", "厦门鹭岛精密机械有限公司", '含,逗号与"引号"'],
    ["91350200MA2Y0QXC02", "𠮷野家（餐饮）", "多行\n文本"],
]


def write_csv(tmp_path: Path, name: str, encoding: str, newline: str = "\r\n") -> Path:
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline).writerows(ROWS)
    path = tmp_path / name
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_csv_encodings(tmp_path: Path, encoding: str, detected: str) -> None:
    rows = ROWS if encoding != "gbk" else [r for r in ROWS if "𠮷" not in r[1]]
    import csv

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path = tmp_path / "data.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    assert detect_encoding(path.read_bytes()) == detected
    got = list(iter_rows(path))
    assert [cells for _, cells in got] == rows
    assert [n for n, _ in got] == list(range(1, len(rows) + 1))


def test_csv_lf_and_bom_header_is_clean(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "lf.csv", "utf-8-sig", newline="\n")
    first = next(iter_rows(path))
    assert first == (1, ROWS[0])  # no "\ufeff" glued to the first header


def test_utf8_split_across_sniff_boundary_is_still_utf8() -> None:
    text = ("质" * 400_000).encode()  # 1.2 MB: the 1 MiB sniff cuts a character in half
    assert detect_encoding(text[: 1 << 20]) == "utf-8"


def test_xlsx_first_sheet_with_dates_and_numbers(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["统一社会信用代码", "发证日期", "数"])
    ws.append(["91350200MA2Y0QXC02", datetime(2024, 1, 5), 12])
    ws.append([None, None, None])
    ws.append(["91350200MA2Y0QXC02", 45296, 1.5])
    wb.create_sheet("其他").append(["忽略"])
    path = tmp_path / "data.xlsx"
    wb.save(path)
    got = list(iter_rows(path))
    assert got[0] == (1, ["统一社会信用代码", "发证日期", "数"])
    assert got[1] == (2, ["91350200MA2Y0QXC02", datetime(2024, 1, 5), 12])
    assert got[3][0] == 4 and got[3][1][1] == 45296


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(FileRefused, match="文件为空"):
        TableReader(path)


def test_header_only_yields_one_row(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes("统一社会信用代码,名称\r\n".encode())
    assert list(iter_rows(path)) == [(1, ["统一社会信用代码", "名称"])]


@pytest.mark.parametrize("name", ["data.xls", "data.txt", "data"])
def test_unknown_format_is_refused(name: str) -> None:
    with pytest.raises(FileRefused, match="不支持的文件格式"):
        file_format(name)


def test_corrupt_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(FileRefused, match="无法读取该 Excel 文件"):
        list(iter_rows(path))


@pytest.mark.parametrize("code", [code for code, _ in import_kinds()])
def test_templates_filled_with_examples_parse_cleanly(tmp_path: Path, code: str) -> None:
    csv_path = tmp_path / f"{code}.csv"
    csv_path.write_bytes(template_csv(code) + ",".join(example_row(code)).encode() + b"\r\n")
    assert template_csv(code).startswith(b"\xef\xbb\xbf")

    wb = load_workbook(io.BytesIO(template_xlsx(code)))
    assert wb.sheetnames[1] == "填写说明"
    wb.worksheets[0].append(example_row(code))
    xlsx_path = tmp_path / f"{code}.xlsx"
    wb.save(xlsx_path)

    for path in (csv_path, xlsx_path):
        rows = list(iter_rows(path))
        assert rows[0][1] == headers(code)
        hm = match_headers(code, rows[0][1])
        assert isinstance(parse_row(code, hm, rows[1][1], rows[1][0]), ParsedRow)
