"""``zhixin loans``: the loan book for operators — list the contracts, show one. (Servicing
adds its commands — batch, renewals, import-repayments — to the same Typer ``app``.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich.table import Table

from zhixin.cli._app import _factory, _fail, out
from zhixin.errors import ZhixinError
from zhixin.loans.models import (
    CLASSIFICATION_LABELS,
    CONTRACT_STATUS_LABELS,
    DRAWDOWN_STATUS_LABELS,
    PAYEE_STATUS_LABELS,
)
from zhixin.products import service as products

app = typer.Typer(help="贷后台账 / the quality-loan book", no_args_is_help=True)


def _num(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _yuan(value: object) -> str:
    amount = Decimal(str(value))
    if abs(amount) >= 10000:
        return f"{(amount / 10000).quantize(Decimal('0.01')):,} 万元"
    return f"{amount:,.2f} 元"


@app.command("list")
def loans_list(
    bank: Annotated[str | None, typer.Option(help="银行机构代码，如 bank-xmrcb")] = None,
    status: Annotated[
        str | None,
        typer.Option(help="合同状态：active 生效、settled 结清、renewed 续贷、terminated 终止"),
    ] = None,
    classification: Annotated[
        str | None,
        typer.Option(help="五级分类：normal、special_mention、substandard、doubtful、loss"),
    ] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列有逾期本息的合同")] = False,
) -> None:
    """列出贷款合同：额度、余额、逾期、利率、期限、状态与五级分类。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.loans import service

    try:
        with unit_of_work(_factory()) as session:
            rows = service.portfolio_for_operator(
                session,
                bank_code=bank,
                filters=service.Filters(
                    status=status, classification=classification, overdue_only=overdue
                ),
            )
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    table = Table("编号", "合同", "企业", "产品", "额度", "余额", "逾期", "利率", "到期日", "状态")
    for r in rows:
        table.add_row(
            str(r.id),
            r.contract_no,
            r.enterprise_name,
            products.product_title(r.product_code),
            _yuan(r.limit),
            _yuan(r.outstanding),
            _yuan(r.overdue) if r.overdue else "—",
            f"{_num(r.rate)}%",
            r.maturity_date.isoformat(),
            f"{CONTRACT_STATUS_LABELS.get(r.status, r.status)} · "
            f"{CLASSIFICATION_LABELS.get(r.classification, r.classification)}",
        )
    out.print(table)
    out.print(f"共 {len(rows)} 笔合同")


@app.command("show")
def loans_show(contract_id: Annotated[int, typer.Argument(help="合同编号（数字 id）")]) -> None:
    """显示一笔贷款：合同条款、授信额度与可用额度、用信与还款计划、收款人、凭证与支付。"""
    from zhixin.kit.db import unit_of_work
    from zhixin.loans import service

    try:
        with unit_of_work(_factory()) as session:
            v = service.view_for_operator(session, contract_id=contract_id)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    c, a = v.contract, v.availability
    out.print(f"[bold]贷款合同 {c.contract_no}[/bold]（#{c.id}）· {v.enterprise_name}")
    origin = (
        f"申请 #{c.application_id}"
        if c.application_id is not None
        else f"续贷自合同 #{c.renewed_from_id}"
    )
    product = products.product_title(c.product_code)
    out.print(
        f"产品 {product}（版本 #{c.product_version_id}）· {origin} · "
        f"{CONTRACT_STATUS_LABELS.get(c.status, c.status)}"
    )
    rate = f"合同利率 {_num(c.contract_rate)}%"
    if c.rate_kind == "floating":
        rate += f"（LPR {c.lpr_tenor} + {_num(c.spread)} 个百分点；重定价日 {c.repricing_date}）"
    out.print(f"{rate} · 罚息上浮 {_num(c.penalty_markup * 100)}% · {c.method}")
    out.print(f"期限 {c.term_months} 个月：{c.start_date} 至 {c.maturity_date}")
    out.print(
        f"授信额度 {_yuan(v.line.limit_amount)}（有效期至 {v.line.expiry}"
        f"{'，循环' if v.line.revolving else ''}）；余额 {_yuan(a.outstanding)}；"
        f"审批中 {_yuan(a.in_flight)}；冻结 {_yuan(a.frozen)}；待解锁 {_yuan(a.locked)}；"
        f"可用额度 {_yuan(a.available)}"
    )
    sp = (c.terms or {}).get("self_payment") or {}
    out.print(
        f"自主支付单笔上限 {_yuan(sp.get('max_amount', '0'))}（依据：{sp.get('source', '')}）"
    )
    for dv in v.drawdowns:
        d = dv.row
        out.print(
            f"用信 #{d.id}：{_yuan(d.amount)} · {DRAWDOWN_STATUS_LABELS.get(d.status, d.status)}"
            + (f" · 执行利率 {_num(d.annual_rate)}%" if d.annual_rate is not None else "")
            + (f" · 放款日 {d.value_date} · 到期日 {d.maturity}" if d.value_date else "")
            + f" · 已支付 {_yuan(dv.paid)}"
        )
        if dv.instalments:
            table = Table("期", "还款日", "本金", "利息", "应还", "状态")
            for i in dv.instalments:
                table.add_row(
                    str(i.seq),
                    i.due_date.isoformat(),
                    f"{i.principal:,.2f}",
                    f"{i.interest:,.2f}",
                    f"{i.principal + i.interest:,.2f}",
                    i.status,
                )
            out.print(table)
    for p in v.payees:
        out.print(f"收款人 #{p.id}：{p.name} · {PAYEE_STATUS_LABELS.get(p.status, p.status)}")
    for x in v.vouchers:
        out.print(
            f"凭证 #{x.row.id}：{x.row.document_number} · {_yuan(x.row.invoice_amount)} · "
            f"尚可支付 {_yuan(x.remaining)} · sha256 {x.row.file_sha256[:12]}…"
        )
