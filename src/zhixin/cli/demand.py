"""``zhixin demand``: the needs' clock job, a bank's ledger file, the conversion figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from zhixin.cli._app import AsJson, Format, _factory, _fail, app, emit, out

demand_app = typer.Typer(
    help="融资需求与对接办贷台账 / financing needs and the outcome ledger", no_args_is_help=True
)
app.add_typer(demand_app, name="demand")


@demand_app.command("escalate")
def escalate(
    on: Annotated[
        str | None, typer.Option("--on", help="按哪一天检查（缺省今天，北京时间）")
    ] = None,
) -> None:
    """检查时限（每日运行）：超期无银行接单、银行超期未响应的需求移交融资协调专班。"""
    from zhixin.demand import service
    from zhixin.kit.dates import DateParseError, parse_date
    from zhixin.kit.db import open_job

    day: date | None = None
    if on is not None:
        try:
            day = parse_date(on)
        except DateParseError as exc:
            raise _fail(f"--on 不是日期（{exc}）：{on}", 2) from None
    with open_job(_factory()) as job:
        done = service.escalate_due(job.session, today=day)
        job.checkpoint()
    for e in done:
        bank = f"（{e.bank_code}）" if e.bank_code else ""
        out.print(f"需求 {e.need_id}：{e.label}{bank}，已移交融资协调专班")
    out.print(f"移交 {len(done)} 个需求")


@demand_app.command("import-ledger")
def import_ledger(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="CSV 或 XLSX")
    ],
    by: Annotated[str, typer.Option("--by", help="以哪位银行客户经理的名义导入（用户名）")],
) -> None:
    """导入一家银行的对接办贷台账文件（该用户所在银行）；有误的行逐行报告，退出码 3。"""
    from zhixin.accounts import service as accounts
    from zhixin.demand import ledger
    from zhixin.errors import ZhixinError
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            user = accounts.user_by_username(session, by)
            if user is None:
                raise _fail(f"未找到用户 {by}")
            actor = accounts.principal_for(session, user, via="cli")
            batch = ledger.import_file(session, actor=actor, path=file, file_name=file.name)
            report = ledger.import_out(batch)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(
        f"共 {report.rows} 行：新增 {report.created}，更新 {report.updated}，"
        f"未变 {report.unchanged}，有误 {report.rejected} 行"
    )
    for e in report.errors:
        out.print(f"  第 {e.line} 行 {e.field}：{e.reason}")
    if report.rejected:
        raise typer.Exit(3)


@demand_app.command("conversion")
def conversion(
    by: Annotated[
        str, typer.Option("--by-group", help="分组：bank（银行）、product（产品）、region（地市）")
    ] = "bank",
    xlsx: Annotated[
        Path | None, typer.Option("--xlsx", help="另存为 XLSX（三种分组各一页）")
    ] = None,
    fmt: Annotated[str, Format] = "table",
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """对接转化：白名单 → 有需求 → 接单 → 授信 → 放款（企业数与转化率），取自全部台账。"""
    from zhixin.demand import conversion, rules
    from zhixin.kit.db import unit_of_work

    if by not in rules.GROUPINGS:
        raise _fail("--by-group 只能是 bank、product 或 region", 2)
    with unit_of_work(_factory()) as session:
        funnels = conversion.conversion(session, actor=None, by=by)
        if xlsx is not None:
            xlsx.write_bytes(conversion.conversion_xlsx(session, actor=None))
    columns = [("key", "分组"), ("label", "名称")] + [(k, lbl) for k, lbl in rules.STAGES]
    columns += [
        ("granted_amount", "授信金额"),
        ("disbursed_amount", "放款金额"),
        ("first_loan", "首贷户"),
        ("credit", "信用贷款"),
    ]
    rows = [
        [
            f.key,
            f.label,
            *[s.enterprises for s in f.stages],
            f.granted_amount,
            f.disbursed_amount,
            f.first_loan,
            f.credit,
        ]
        for f in funnels
    ]
    emit(columns, rows, fmt=fmt, as_json=as_json, title="对接转化情况")
    if xlsx is not None:
        out.print(f"已保存 {xlsx}")


@app.command("preapprove")
def preapprove(
    product: Annotated[str, typer.Option("--product", help="产品代码")],
    as_json: Annotated[bool, AsJson] = False,
) -> None:
    """预授信：按在效白名单为某产品的全部在列主体批量测算额度、利率与绿色通道，保存为名单。"""
    import json
    from decimal import Decimal

    from zhixin.demand import preapprove as batch
    from zhixin.kit.db import unit_of_work

    with unit_of_work(_factory()) as s:
        header, b = batch.create_list(s, product_code=product)
        number = header.id
    lanes = sum(1 for r in b.rows if r.fast_lane_days is not None)
    total = sum((r.limit for r in b.rows), start=Decimal(0))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "list_id": number,
                    "product": b.product_code,
                    "whitelist_version": b.whitelist_version,
                    "on": b.on.isoformat(),
                    "listed": b.listed,
                    "preapproved": len(b.rows),
                    "combinations": b.combinations,
                    "fast_lane": lanes,
                    "rows": [
                        {
                            "enterprise_id": r.enterprise_id,
                            "uscc": r.uscc,
                            "name": r.name,
                            "grade": r.grade,
                            "limit": str(r.limit),
                            "rate": str(r.rate),
                            "fast_lane_days": r.fast_lane_days,
                        }
                        for r in b.rows
                    ],
                },
                ensure_ascii=False,
            )
        )
        return
    version = f"第 {b.whitelist_version} 版" if b.whitelist_version else "（尚无在效白名单）"
    out.print(
        f"预授信名单 {number}：{b.product_name}（{b.product_code}），"
        f"白名单{version}，{b.on.isoformat()}\n"
        f"在列主体 {b.listed} 户，预授信 {len(b.rows)} 户（其中绿色通道 {lanes} 户），"
        f"授信额度合计 {total:,.2f} 元；按 {b.combinations} 种条件组合测算"
    )
