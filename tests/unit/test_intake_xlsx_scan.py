"""The streaming XLSX scanner (``intake/xlsxscan.py``) gives exactly what openpyxl's read-only
mode gives, cell by cell: line numbers, rows and cells missing or out of order, the dimension,
numbers, dates in every format, times, durations, flags, Excel error values, shared and inline
strings with rich text runs, phonetic runs, entities and line ends, formulas' cached values,
namespace prefixes, either quote, pretty-printed XML; XML it does not read is handed to openpyxl
from the row reached."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from zhixin.intake import xlsxscan
from zhixin.intake.readers import FileRefused, TableReader
from zhixin.intake.xlsxscan import SheetScan, XlsxUnsupported, open_first_sheet, read_shared_strings


def _openpyxl(path: Path) -> list[tuple[int, list[Any]]]:
    return list(TableReader(path)._xlsx_openpyxl())


TEMPLATES: list[int] = []  # how many row shapes each scan learnt (the fast path was taken)


def _scanned(path: Path) -> list[tuple[int, list[Any]]]:
    """The scanner's rows alone (no fallback to openpyxl)."""
    with open(path, "rb") as raw:
        archive, part, shared, wb = open_first_sheet(raw)
        with archive.open(part) as src:
            scan = SheetScan(
                src,
                shared,
                epoch=wb.epoch,
                date_styles=set(wb._date_formats),
                timedelta_styles=set(wb._timedelta_formats),
            )
            rows = list(enumerate(scan, start=1))
            TEMPLATES.append(scan.templates)
            return rows


def _same(path: Path) -> list[tuple[int, list[Any]]]:
    fast, slow = _scanned(path), _openpyxl(path)
    for (n, a), (m, b) in zip(fast, slow, strict=False):
        assert (n, [(type(x), x) for x in a]) == (m, [(type(x), x) for x in b])
    assert len(fast) == len(slow)
    assert list(TableReader(path)) == slow
    return fast


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
    ws.append([None, 6, "中文　全角空格", "行内\n换行\r\n回车", 123456789.123, 45369.5, "45369"])
    ws.append([None, 7, "A & B <c> \"d\" 'e'", dt.timedelta(hours=30), "#N/A", "x005F_y", 1e-7])
    formats = {"F5": 'yyyy"年"m"月"d"日"', "F7": "yyyy-mm-dd", "G10": "m/d/yy h:mm", "E7": "@"}
    for cell, fmt in formats.items():
        ws[cell].number_format = fmt
    ws["F4"] = dt.date(2027, 3, 17)
    ws["F4"].number_format = "[$-F800]dddd, mmmm dd, yyyy"
    ws["E11"].data_type = "e"  # a VLOOKUP that found nothing
    for i in range(12, 400):  # enough rows of one shape for the scanner to learn it
        ws.append([None, i, f"9135020{i:011d}", f"C{i}", dt.date(2024, 1, 1 + i % 28), None, i])
    ws.append([None, 400, "&amp;", "<t>", dt.date(1900, 1, 1), 0, 2.5])
    wb.save(path)
    return path


def test_openpyxl_files_read_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _messy(tmp_path / "m.xlsx")
    rows = _same(path)
    assert TEMPLATES[-1] >= 1  # most rows were read by the row template
    assert rows[2] == (
        3,
        [None, "序号", "统一社会信用代码", "证书编号", "颁发日期", "有效期至", "数量"],
    )
    assert rows[3][1][4] == dt.datetime(2024, 3, 18)  # a date is a datetime at midnight
    assert rows[4][1][1] == 2 and type(rows[4][1][1]) is int  # a whole number is an int
    assert rows[10][1][4] == "#N/A"  # an error value is its text (the import refuses it)
    # pieces of a few hundred bytes: rows and templates across every boundary
    monkeypatch.setattr(xlsxscan, "CHUNK", 300)
    assert _same(path) == rows


# ---- a workbook written part by part, as Excel (shared strings, styles) and other tools do


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _styles() -> str:
    # cellXfs: 0 General, 1 date (14), 2 custom date, 3 duration, 4 time, 5 text (49), 6 number
    return (
        f'<styleSheet xmlns="{_MAIN}"><numFmts count="3">'
        '<numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
        '<numFmt numFmtId="165" formatCode="[h]:mm:ss"/>'
        '<numFmt numFmtId="166" formatCode="0.00_);[Red]\\(0.00\\)"/></numFmts>'
        '<fonts count="1"><font><sz val="11"/><name val="等线"/></font></fonts>'
        '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
        '<borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        '<cellXfs count="7"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="20" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/>'
        "</cellStyles>"
        "</styleSheet>"
    )


def _book(
    path: Path,
    sheet: str,
    strings: list[str] | None = None,
    *,
    date1904: bool = False,
    chartsheet_first: bool = False,
) -> Path:
    """An .xlsx of these parts: ``sheet`` is the worksheet's XML, ``strings`` each ``<si>``'s
    content (the shared-strings part is left out when None)."""
    sheets = '<sheet name="数据" sheetId="1" r:id="rId1"/>'
    rels = (
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId3" Target="styles.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
    )
    types = (
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    )
    if chartsheet_first:
        sheets = '<sheet name="图" sheetId="2" r:id="rId9"/>' + sheets
        rels += (
            '<Relationship Id="rId9" Target="chartsheets/sheet1.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/chartsheet"/>'
        )
    if strings is not None:
        rels += (
            '<Relationship Id="rId4" Target="sharedStrings.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
        )
        types += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    pr = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{types}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">{pr}<sheets>{sheets}</sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f"{rels}</Relationships>",
        )
        z.writestr("xl/styles.xml", _styles())
        if strings is not None:
            sst = "".join(f"<si>{s}</si>" for s in strings)
            z.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<sst xmlns="{_MAIN}" '
                f'count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>',
            )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


_STRINGS = [
    "<t>统一社会信用代码</t>",
    '<t xml:space="preserve"> CQC-2024-001 </t>',
    '<r><t>富</t></r><r><rPr><b/><sz val="11"/></rPr><t>文本</t></r>',  # rich text runs
    '<t>厦门</t><rPh sb="0" eb="2"><t>シアメン</t></rPh><phoneticPr fontId="1"/>',  # phonetic
    "<t>A &amp; B &lt;c&gt; &#x4E2D;&#25991; &quot;q&quot;</t>",
    "<t>行一\r\n行二&#13;&#10;行三_x000D_</t>",
    "<t/>",
    "<t>x005F_x000D_</t>",
    "<t>0012</t>",
    "<t>有效</t>",
]


def _excel_sheet(prefix: str = "", dimension: str | None = "A1:H12", pretty: bool = False) -> str:
    p = prefix
    nl = "\n  " if pretty else ""
    rows = [
        # a header of shared strings, Excel's own attributes on the row
        f'<{p}row r="1" spans="1:8" x14ac:dyDescent="0.25">'
        + "".join(f'{nl}<{p}c r="{c}1" t="s"><{p}v>{i}</{p}v></{p}c>' for i, c in enumerate("ABCD"))
        + f"{nl}</{p}row>",
        # dates: built-in 14, a custom Chinese format, a duration, a time, text-formatted
        f'<{p}row r="2"><{p}c r="A2" s="1"><{p}v>45369</{p}v></{p}c><{p}c r="B2" s="2"><{p}v>'
        f'45369.5</{p}v></{p}c><{p}c r="C2" s="3"><{p}v>1.25</{p}v></{p}c><{p}c r="D2" s="4">'
        f'<{p}v>0.375</{p}v></{p}c><{p}c r="E2" s="5" t="s"><{p}v>8</{p}v></{p}c><{p}c r="F2" '
        f's="6"><{p}v>3.0</{p}v></{p}c><{p}c r="G2" s="1"><{p}v>1</{p}v></{p}c><{p}c r="H2" '
        f's="1"><{p}v>-1</{p}v></{p}c></{p}row>',
        # row 3 missing; cells with gaps, out of order, without r, duplicated
        f'<{p}row r="4"><{p}c r="C4"><{p}v>3</{p}v></{p}c><{p}c><{p}v>4</{p}v></{p}c>'
        f'<{p}c r="A4" t="s"><{p}v>1</{p}v></{p}c><{p}c r="F4" t="s"><{p}v>2</{p}v></{p}c>'
        f'<{p}c r="F4" t="s"><{p}v>3</{p}v></{p}c></{p}row>',
        # a row without r (row 5), errors, flags, formula results, ISO dates, inline rich text
        f'<{p}row><{p}c r="A5" t="e"><{p}v>#N/A</{p}v></{p}c><{p}c r="B5" t="e"><{p}f>1/0</{p}f>'
        f'<{p}v>#DIV/0!</{p}v></{p}c><{p}c r="C5" t="b"><{p}v>1</{p}v></{p}c><{p}c r="D5" '
        f't="str"><{p}f>A1&amp;"x"</{p}f><{p}v>统一x &amp; y</{p}v></{p}c><{p}c r="E5" '
        f't="d"><{p}v>2024-03-18T10:30:00</{p}v></{p}c><{p}c r="F5" t="inlineStr"><{p}is>'
        f'<{p}r><{p}t>内</{p}t></{p}r><{p}r><{p}t>联</{p}t></{p}r></{p}is></{p}c><{p}c r="G5" '
        f's="1"><{p}f t="shared" ref="G5:G6" si="0">A2+1</{p}f><{p}v>45370</{p}v></{p}c></{p}row>',
        # attributes in another order, single quotes, an empty <v/>, a styled empty cell
        f"<{p}row r='6' ht='20' customHeight='1'><{p}c t='s' s='5' r='A6'><{p}v>4</{p}v>"
        f'</{p}c><{p}c r="B6"><{p}v/></{p}c><{p}c r="C6" s="1"/><{p}c r="D6" s="1"><{p}v>'
        f'</{p}v></{p}c><{p}c r="E6" t="s"><{p}v>5</{p}v></{p}c><{p}c r="F6" t="s">'
        f'<{p}v>6</{p}v></{p}c><{p}c r="G6" t="s"><{p}v>7</{p}v></{p}c></{p}row>',
        f'<{p}row r="7" spans="1:8"/>',  # an empty, formatted row
        # numbers: exponent, negative zero, huge, a text-typed number, a cell past column H
        f'<{p}row r="8"><{p}c r="A8"><{p}v>1E-3</{p}v></{p}c><{p}c r="B8"><{p}v>-0</{p}v>'
        f'</{p}c><{p}c r="C8"><{p}v>913502001234567890</{p}v></{p}c><{p}c r="D8" t="n">'
        f'<{p}v>12345678901234567890</{p}v></{p}c><{p}c r="E8" t="inlineStr"><{p}v>9</{p}v>'
        f'</{p}c><{p}c r="F8" t="inlineStr"/><{p}c r="I8"><{p}v>99</{p}v></{p}c></{p}row>',
        f'<{p}row r="8"><{p}c r="A8"><{p}v>8</{p}v></{p}c></{p}row>',  # given twice: skipped
        f'<{p}row r="7"><{p}c r="A7"><{p}v>7</{p}v></{p}c></{p}row>',  # before one given: skipped
        f'<{p}row r="10" spans="1:8"><{p}c r="A10" t="s"><{p}v>9</{p}v></{p}c></{p}row>',
        f'<{p}row r="11"><{p}c r="A11" t="inlineStr"><{p}is><{p}t>a&amp;b</{p}t></{p}is></{p}c>'
        f'<{p}c r="B11" s="1"><{p}v>2958466</{p}v></{p}c><{p}c r="C11" s="3"><{p}v>0.0000001'
        f'</{p}v></{p}c><{p}c r="D11" t="inlineStr"><{p}is><{p}t></{p}t></{p}is></{p}c></{p}row>',
    ]
    rows += [  # rows of one shape (one given twice, some with an empty <v>), as an export
        f'<{p}row r="{n}" spans="1:8"><{p}c r="A{n}" t="s"><{p}v>{n % 10}</{p}v></{p}c><{p}c '
        f'r="B{n}" s="1"><{p}v>{45000 + n}</{p}v></{p}c><{p}c r="C{n}"><{p}v>'
        f"{'' if n % 7 == 0 else f'{n}.5'}</{p}v></{p}c></{p}row>"
        for n in [*range(12, 40), 39, *range(40, 60)]
    ]
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    ns = f'xmlns:{p[:-1]}="{_MAIN}"' if p else f'xmlns="{_MAIN}"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        f'<{p}worksheet {ns} xmlns:r="{_REL}" xmlns:x14ac="http://schemas.microsoft.com/'
        f'office/spreadsheetml/2009/9/ac">{dim}<{p}sheetViews><{p}sheetView workbookViewId="0"/>'
        f"</{p}sheetViews><{p}sheetData>{(nl or '').join(rows)}</{p}sheetData>"
        f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
        f'footer="0.3"/></{p}worksheet>'
    )


@pytest.mark.parametrize(
    ("prefix", "dimension", "pretty", "date1904"),
    [
        ("", "A1:H12", False, False),  # rows past the dimension's last row are not read
        ("", None, False, False),  # no dimension: each row as wide as its last cell
        ("", "A1:H80", False, True),  # rows filled in to the last one, the 1904 calendar
        ("x:", "B3:E70", True, False),  # a prefix, pretty-printed, a narrow dimension
    ],
)
def test_excel_shaped_workbooks_read_alike(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    dimension: str | None,
    pretty: bool,
    date1904: bool,
) -> None:
    path = _book(
        tmp_path / "e.xlsx", _excel_sheet(prefix, dimension, pretty), _STRINGS, date1904=date1904
    )
    rows = _same(path)
    if dimension is None:
        assert rows[0] == (1, ["统一社会信用代码", " CQC-2024-001 ", "富文本", "厦门"])
        assert rows[3][1][2:4] == [3, 4]  # C4, then a cell without r: D4
        assert rows[4][1][:3] == ["#N/A", "#DIV/0!", True]
        assert rows[1][1][:4] == [
            dt.datetime(2024, 3, 18),
            dt.datetime(2024, 3, 18, 12),
            dt.timedelta(days=1, hours=6),
            dt.time(9),
        ]
    for size in (97, 2048):  # pieces of a row or less; pieces of a few rows
        monkeypatch.setattr(xlsxscan, "CHUNK", size)
        assert _same(path) == rows
    assert TEMPLATES[-1] >= (dimension != "A1:H12")  # (that one ends at row 12)


def test_a_first_chartsheet_and_no_shared_strings(tmp_path: Path) -> None:
    sheet = _excel_sheet().replace('t="s"><v>', 't="str"><v>').replace("t='s'", "t='str'")
    path = _book(tmp_path / "c.xlsx", sheet, None)
    _same(path)
    # the chart sheet openpyxl passes over is not even in the archive: the same first worksheet
    path = _book(tmp_path / "d.xlsx", _excel_sheet(), _STRINGS, chartsheet_first=True)
    _same(path)


def test_shared_strings_as_openpyxl_reads_them() -> None:
    from openpyxl.reader.strings import read_string_table

    xml = _book_bytes(_STRINGS * 3)
    ours = read_shared_strings(io.BytesIO(xml))
    theirs = read_string_table(io.BytesIO(xml))
    assert [ours[i] for i in range(len(ours))] == theirs
    assert theirs[2] == "富文本" and theirs[3] == "厦门"  # runs joined, phonetic left out


def _book_bytes(strings: list[str]) -> bytes:
    sst = "".join(f"<si>{s}</si>" for s in strings)
    return f'<sst xmlns="{_MAIN}">{sst}</sst>'.encode()


def test_xml_the_scanner_does_not_read_goes_to_openpyxl(tmp_path: Path) -> None:
    sheet = _excel_sheet().replace('<row r="8">', '<!-- 备注 --><row r="8">')
    path = _book(tmp_path / "x.xlsx", sheet, _STRINGS)
    with pytest.raises(XlsxUnsupported):
        _scanned(path)
    rows = list(TableReader(path))
    assert rows == _openpyxl(path)
    assert len(rows) == 12

    # a comment in the shared strings: openpyxl reads the file from the start
    path = _book(tmp_path / "y.xlsx", _excel_sheet(), [*_STRINGS[:-1], "<!-- x --><t>有效</t>"])
    assert list(TableReader(path)) == _openpyxl(path)


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="A2" t="s"><v>99</v></c>',  # no such shared string
        '<c r="A2"><v>abc</v></c>',  # not a number
        '<c r="A2" t="inlineStr"><is><t>a &nbsp; b</t></is></c>',  # no such entity
    ],
)
def test_a_broken_cell_refuses_the_file(tmp_path: Path, cell: str) -> None:
    sheet = _excel_sheet().replace('<row r="4">', f'<row r="3">{cell}</row><row r="4">')
    path = _book(tmp_path / "b.xlsx", sheet, _STRINGS)
    with pytest.raises(FileRefused, match="第 3 行附近"):
        list(TableReader(path))


def test_the_shared_strings_are_held_compactly() -> None:
    strings = [f"<t>{i:07d}Q{i % 3}R0M</t>" for i in range(100_000)]
    table = read_shared_strings(io.BytesIO(_book_bytes(strings)))
    assert len(table) == 100_000 and table[12345] == "0012345Q0R0M"
    held = table.nbytes()
    assert held < 100_000 * 24  # a list of str would hold about 90 bytes a string
