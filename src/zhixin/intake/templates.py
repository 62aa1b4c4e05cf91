"""Import templates: what a person downloads, fills in and uploads back unchanged.

Required columns carry a leading ``*`` in the header (``*统一社会信用代码``); the importer drops
that marker when matching headers, so a template is accepted exactly as downloaded. The CSV
template is the header row only, UTF-8 with a BOM so that Excel opens the Chinese correctly;
the XLSX template has the header row on sheet 1 (required columns also shaded) and a second
sheet, 填写说明, explaining each field with an example.
"""

from __future__ import annotations

from zhixin.intake.specs import ImportSpec, example_value, get_spec
from zhixin.kit.sheets import Book, csv_bytes
from zhixin.records.fields import Field, FieldType

REQUIRED_MARK = "*"
_TYPE_NOTES = {
    FieldType.text: "文本",
    FieldType.date: "日期，如 2024-01-05、2024/1/5 或 2024年1月5日",
    FieldType.year: "四位年份，如 2024",
    FieldType.money: "金额（元），最多两位小数，如 12345.67",
    FieldType.int: "整数",
}


def template_headers(spec: ImportSpec) -> list[str]:
    return [(REQUIRED_MARK if f.required else "") + f.header for f in spec.fields]


def headers(kind: str) -> list[str]:
    """The template's header row for ``kind`` (required columns marked with ``*``)."""
    return template_headers(get_spec(kind))


def example_row(kind: str) -> list[str]:
    """One row of example values, in template column order (it imports cleanly)."""
    return [example_value(f) for f in get_spec(kind).fields]


def field_note(f: Field) -> str:
    if f.type == FieldType.choice:
        return "取值：" + "、".join(f.choices)
    if f.type == FieldType.bool:
        yes = "、".join(dict.fromkeys(f.true_words))
        return f"是/否：填 {yes} 表示“是”；填 否、不合格、未质押 等表示“否”"
    note = _TYPE_NOTES.get(f.type, "")
    if f.type == FieldType.text:
        note = f"文本，不超过 {f.max_len} 个字符"
    if f.key == "uscc":
        note = "18 位统一社会信用代码"
    return note


def template_csv(kind: str) -> bytes:
    """The header row, UTF-8 with BOM (Excel opens it as Chinese)."""
    return csv_bytes([template_headers(get_spec(kind))])


def template_xlsx(kind: str) -> bytes:
    """Sheet 1: the header row; sheet 2 填写说明: field, required, allowed values, example."""
    from openpyxl.styles import Font, PatternFill

    spec = get_spec(kind)
    book = Book()
    sheet = book.sheet(spec.label[:31])
    sheet.append(template_headers(spec))
    ws = sheet.ws
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for i, f in enumerate(spec.fields, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if f.required else "000000")
        if f.required:
            cell.fill = required_fill
        letter = cell.column_letter
        ws.column_dimensions[letter].width = max(14, len(f.header) * 2 + 4)
        if f.type in (FieldType.text, FieldType.choice) or f.key == "uscc":
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    notes = book.sheet("填写说明")
    notes.append(["列名", "是否必填", "填写要求 / 可选值", "示例"])
    for f in spec.fields:
        notes.append([f.header, "必填" if f.required else "选填", field_note(f), example_value(f)])
    notes.append([])
    notes.append(
        ["说明", f"第一个工作表是「{spec.label}」数据表：保留第一行表头，从第二行起每行一条。"]
    )
    notes.append(["", "带 * 的列必填；日期可写 2024-01-05、2024/1/5 或 2024年1月5日。"])
    notes.append(["", "同一条记录再次导入不会重复；内容有变化时作为更正，保留历史版本。"])
    for letter, width in (("A", 22), ("B", 10), ("C", 60), ("D", 28)):
        notes.ws.column_dimensions[letter].width = width
    return book.to_bytes()
