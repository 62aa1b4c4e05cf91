"""The application queue as an XLSX workbook (for the operator's daily report)."""

from __future__ import annotations

from pathlib import Path

from openpyxl.styles import Font

from zhixin.applications.schemas import QueueOut
from zhixin.kit.sheets import Book

HEADERS = (
    "编号",
    "企业",
    "统一社会信用代码",
    "产品",
    "银行",
    "申请金额（元）",
    "期限（月）",
    "状态",
    "提交日",
    "受理日",
    "快速通道（工作日）",
    "办结时限",
    "剩余工作日",
    "是否逾期",
    "审批日",
    "用时（工作日）",
    "用时（自然日）",
    "是否按时",
)


def queue_xlsx(q: QueueOut, path: Path) -> None:
    book = Book()
    sheet = book.sheet("申请队列")
    ws = sheet.ws
    sheet.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for a in q.items:
        sheet.append(
            [
                a.id,
                a.enterprise_name,
                a.uscc,
                a.product_name,
                a.bank_name,
                a.amount,
                a.term_months,
                a.state_label,
                a.submitted_on,
                a.accepted_on,
                a.fast_lane_days,
                a.deadline if a.deadline else a.deadline_note,
                a.workdays_left,
                "是" if a.overdue else "否",
                a.decided_on,
                a.decision_workdays,
                a.decision_days,
                None if a.on_time is None else ("是" if a.on_time else "否"),
            ]
        )
    for row in ws.iter_rows(min_row=2, min_col=6, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.00"
    for col in ("I", "J", "L", "O"):
        for cell in ws[col][1:]:
            cell.number_format = "yyyy-mm-dd"
    summary = book.sheet("汇总")
    summary.append(["统计日", q.today])
    summary.append(["申请笔数", q.total])
    summary.append(["逾期", q.overdue])
    summary.append(["今日到期", q.due_today])
    summary.append(["在办快速通道", q.fast_lane])
    book.save(path)
