"""The layouts people send (issue 18 items 7–9, 11): header position, columns not ours,
Excel's Chinese date-times, a stray quote, header cells that must never be echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhixin.intake.headers import (
    HeaderError,
    column_letter,
    match_headers,
    pick_header,
    shown_header,
)
from zhixin.intake.readers import BrokenRow, TableReader
from zhixin.intake.rows import swallowed
from zhixin.kit.dates import parse_date

CERT = ["统一社会信用代码", "认证类型", "证书编号", "认证机构", "发证日期", "有效期至", "证书状态"]


@pytest.mark.parametrize(
    "text",
    ["2024/3/18 0:00", "2024/3/18 00:00:00", "2024-3-18 14:30", "2024-03-18T00:00:00+08:00"],
)
def test_excel_chinese_date_times_are_dates(text: str) -> None:
    from datetime import date

    assert parse_date(text) == date(2024, 3, 18)


def test_columns_not_ours_are_ignored_and_listed_safely() -> None:
    hm = match_headers("certification", ["序号", *CERT, "备注", "经办人"])
    assert dict(hm.columns)["uscc"] == 1
    assert hm.ignored == ("第 A 列「序号」", "第 I 列「备注」", "第 J 列「经办人」")


def test_a_missing_required_column_is_still_refused() -> None:
    with pytest.raises(HeaderError) as exc:
        match_headers("certification", ["序号", *CERT[:3], "备注"])
    assert "缺少的列：认证机构、发证日期、有效期至、证书状态" in exc.value.message


@pytest.mark.parametrize(
    "cell",
    [
        "=cmd|' /C calc'!A0",
        "+SUM(A1)",
        "@x",
        "<script>alert(1)</script>",
        "\x1b[31m红\x1b[0m",
        "[bold]x[/bold]",
        "很长的表头" * 10,
    ],
)
def test_injected_header_cells_are_never_echoed(cell: str) -> None:
    shown = shown_header(cell, 2)
    assert shown == "第 C 列（内容不予显示）"
    hm = match_headers("certification", [*CERT, cell])
    assert hm.ignored == ("第 H 列（内容不予显示）",)
    with pytest.raises(HeaderError) as exc:
        match_headers("certification", [CERT[0], cell])
    assert "cmd" not in exc.value.message and "<" not in exc.value.message
    assert "\x1b" not in exc.value.message and "[bold]" not in exc.value.message


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701)] == ["A", "Z", "AA", "AB", "ZZ"]


def test_the_header_is_the_row_naming_most_columns() -> None:
    title = ["2024年厦门市管理体系认证证书清单"]
    when = ["导出时间：2024-03-18", None]
    assert pick_header("certification", [title, when, ["序号", *CERT]]) == 2
    assert pick_header("certification", [CERT, ["1", "x"], ["2", "y"]]) == 0
    assert pick_header("certification", [["姓名", "电话"], ["张三", "1"]]) == 0


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.csv"
    path.write_text(text, encoding="utf-8")
    return path


ROW = "91350200MA2Y0QXC02,ISO9001,{ref},中国质量认证中心,2023-03-01,2026-02-28,有效\n"


def test_a_stray_quote_is_split_back_into_its_lines(tmp_path: Path) -> None:
    lines = [",".join(CERT) + "\n"] + [ROW.format(ref=f"Q{i}") for i in range(1, 7)]
    lines[3] = lines[3].replace("Q3", '"Q3')  # line 4 opens a quote it never closes
    path = _write(tmp_path, "".join(lines))
    hm = match_headers("certification", CERT)
    reader = TableReader(path, swallowed=lambda cells: swallowed(hm, cells))
    got = list(reader)
    assert [n for n, _ in got] == [1, 2, 3, 4, 5, 6, 7]
    assert isinstance(got[3][1], BrokenRow)
    assert [cells[2] for n, cells in got[4:]] == ["Q4", "Q5", "Q6"]
    assert reader.splits == [(4, 7, (4,))]


def test_a_multiline_remark_is_not_a_stray_quote(tmp_path: Path) -> None:
    header = ",".join([*CERT, "备注"]) + "\n"
    row = ROW.format(ref="Q1").rstrip("\n") + ',"第一行\n第二行"\n'
    path = _write(tmp_path, header + row)
    hm = match_headers("certification", [*CERT, "备注"])
    reader = TableReader(path, swallowed=lambda cells: swallowed(hm, cells))
    got = list(reader)
    assert len(got) == 2 and got[1][1][-1] == "第一行\n第二行" and reader.splits == []


def test_an_odd_file_name_is_not_echoed() -> None:
    from zhixin.intake.readers import FileRefused, file_format

    with pytest.raises(FileRefused) as exc:
        file_format("x.<img src=x onerror=alert(1)>")
    assert "<" not in exc.value.message and "无法识别" in exc.value.message
    with pytest.raises(FileRefused, match=r"“\.xls”"):
        file_format("data.xls")
