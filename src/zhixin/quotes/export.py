"""A quote's repayment schedule as an XLSX workbook (还款计划), from the stored quote as the
reader may see it (what a borrower is shown: no RAROC inputs, no model score or PD — the service
strips them for everyone but bank users before this runs; the model's version and reasons are
written for every reader)."""

from __future__ import annotations

from decimal import Decimal

from openpyxl.styles import Font

from zhixin.kit.sheets import Book
from zhixin.quotes.schemas import QuoteOut

HEADERS = ("期数", "还款日", "天数", "期初本金", "本金", "利息", "还款额", "期末本金")
MONEY = "#,##0.00"


def schedule_xlsx(quote: QuoteOut) -> bytes:
    """One sheet: the quote's terms on top, then the schedule with its totals (money exact)."""
    book = Book()
    sheet = book.sheet("还款计划")
    ws = sheet.ws
    sched = quote.schedule
    bold = Font(bold=True)
    head: list[tuple[str, str | int | Decimal]] = [
        ("说明", quote.disclaimer),
        ("经营主体", f"{quote.enterprise.name}（{quote.enterprise.uscc}）"),
        ("产品", f"{quote.product.name}（{quote.product.bank_name}）"),
        ("测算日", quote.request.on.isoformat()),
        ("测算编号", str(quote.id or "")),
    ]
    if sched is not None:
        if sched.line_amount is not None and sched.utilisation is not None:
            head += [
                ("额度（元）", sched.line_amount),
                ("预计平均使用率（%）", sched.utilisation),
                ("测算占用本金（元）", sched.amount),
            ]
        else:
            head.append(("贷款金额（元）", sched.amount))
        head += [
            ("期限（月）", quote.request.term_months),
            ("还款方式", sched.method),
            ("执行年利率（%）", sched.rate),
        ]
        if quote.costs is not None:
            head.append(("年化利率（%）", quote.costs.annualised_rate))
        head += [("计息规则", line) for line in sched.conventions]
    if quote.offer is not None:
        o = quote.offer
        head += [
            ("利率类型", f"{o.rate_type_label}；{o.repricing or '合同期内执行利率不变'}"),
            ("逾期罚息利率（%）", o.penalty_rate),
            ("逾期罚息与复利", o.overdue),
            ("提前还款", o.prepayment),
            ("其他费用", "；".join(o.fees) or "无"),
            ("有效期至", o.valid_until.isoformat()),
        ]
    if quote.risk_model is not None:
        rm = quote.risk_model
        head.append(("风险模型", f"{rm.code} 第 {rm.version} 版"))
        if rm.score is not None and rm.pd is not None:  # bank users only (view_for)
            head += [("模型评分", rm.score), ("模型违约概率（%）", rm.pd * 100)]
        head += [("主要扣分因素", r.text) for r in rm.reasons]
    for label, value in head:
        sheet.append([label, value])
        ws.cell(ws.max_row, 1).font = bold
        if isinstance(value, Decimal):
            ws.cell(ws.max_row, 2).number_format = MONEY if "元" in label else "0.0000##"
    sheet.append([])
    if sched is None:
        sheet.append(["不符合该产品条件，未生成还款计划"])
        for reason in quote.reasons:
            sheet.append([reason])
        return book.to_bytes()
    sheet.append(list(HEADERS))
    for cell in ws[ws.max_row]:
        cell.font = bold
    for i in sched.instalments:
        sheet.append(
            [i.number, i.due, i.days, i.opening, i.principal, i.interest, i.payment, i.closing]
        )
        row = ws.max_row
        ws.cell(row, 2).number_format = "yyyy-mm-dd"
        for col in range(4, 9):
            ws.cell(row, col).number_format = MONEY
    sheet.append(
        ["合计", None, None, None, sched.total_principal, sched.total_interest, sched.total_payment]
    )
    for col in range(1, 8):
        ws.cell(ws.max_row, col).font = bold
        if col >= 5:
            ws.cell(ws.max_row, col).number_format = MONEY
    for letter, width in zip("ABCDEFGH", (16, 14, 8, 18, 16, 14, 16, 18), strict=True):
        ws.column_dimensions[letter].width = width
    return book.to_bytes()
