"""A report as an XLSX workbook (``kit.sheets``): a cover sheet naming the period, the scope
and the day it was generated, then one sheet per section, its columns, rows and definition."""

from __future__ import annotations

from zhixin.kit import clock
from zhixin.kit.sheets import Book
from zhixin.reports.service import Report


def workbook(report: Report) -> Book:
    book = Book()
    cover = book.sheet("说明")
    cover.append([f"融资协调专班 · {report.period.title}"])
    cover.append(["期间", report.period.start, report.period.end])
    cover.append(["范围", report.scope.label])
    cover.append(["生成日期", report.generated_on])
    if report.as_of is not None:
        local = report.as_of.astimezone(clock.SHANGHAI).strftime("%Y-%m-%d %H:%M")
        cover.append(
            [
                "数据截至",
                f"{local}（北京时间；银行办理、贷款与不良各表读日汇总，"
                "白名单规模与转化读白名单汇总）",
            ]
        )
    cover.append(["各项口径见 docs/reports.md；每张表的末行说明本表口径。"])
    for t in report.tables:
        sheet = book.sheet(t.title.replace("·", "-")[:31])
        sheet.append([c.label for c in t.columns])
        for row in t.rows:
            sheet.append(["" if v is None else v for v in row])
        if t.note:
            sheet.append([])
            sheet.append([f"口径：{t.note}"])
    return book


def filename(report: Report) -> str:
    return f"zhixin-report-{report.period.kind.value}-{report.period.key}.xlsx"
