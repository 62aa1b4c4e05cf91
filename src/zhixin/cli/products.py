"""Commands: products (质量贷产品) — list, show, validate, schema. No database needed."""

from __future__ import annotations

from typing import Annotated

import typer

from zhixin.cli._app import AsJson, Format, _fail, app, emit, err, out

products_app = typer.Typer(help="质量贷产品 / bank products", no_args_is_help=True)
app.add_typer(products_app, name="products")


@products_app.command("list")
def products_list(
    fmt: Annotated[str, Format] = "table", as_json: Annotated[bool, AsJson] = False
) -> None:
    """列出随软件发布的产品（代码、名称、银行、类型、金额、期限、绿色通道）。"""
    from zhixin.products import describe, loader
    from zhixin.products.loader import ProductInvalid

    columns = [
        ("code", "代码"),
        ("name", "名称"),
        ("bank", "银行"),
        ("kind", "类型"),
        ("amount", "金额"),
        ("term", "期限"),
        ("fast_lane_days", "绿色通道"),
        ("sha256", "sha256"),
    ]
    rows = []
    table = fmt == "table" and not as_json
    broken = []
    for code in loader.shipped():
        try:
            loaded = loader.load_shipped(code)
        except ProductInvalid:
            broken.append(code)
            continue
        p = loaded.product
        lane: object = p.service.fast_lane_days
        if table:
            lane = f"{lane} 个工作日" if lane else "—"
        rows.append(
            (
                p.code,
                p.name,
                p.bank_name,
                p.kind,
                describe.amount_range(p),
                describe.term_range(p),
                lane,
                loaded.sha256[:12] if table else loaded.sha256,
            )
        )
    emit(columns, rows, fmt=fmt, as_json=as_json)
    if broken:
        raise _fail(f"以下产品未通过校验：{'、'.join(broken)}（zhixin products validate CODE）")


@products_app.command("show")
def products_show(
    code: str, as_json: Annotated[bool, typer.Option("--json", help="输出完整配置（JSON）")] = False
) -> None:
    """显示一个产品的全部内容（中文摘要；--json 输出完整配置）。"""
    import json

    from zhixin.products import describe, loader
    from zhixin.products.loader import ProductInvalid

    try:
        loaded = loader.load_full(code)
    except KeyError:
        raise _fail(f"未找到产品或文件 '{code}'（zhixin products list 列出全部产品）") from None
    except ProductInvalid as exc:
        for e in exc.errors:
            err.print(e, markup=False, highlight=False, soft_wrap=True)
        raise _fail(f"{exc.source}：共 {len(exc.errors)} 处错误") from None
    if as_json:
        print(json.dumps(loaded.body | {"sha256": loaded.sha256}, ensure_ascii=False, indent=2))
        return
    out.print(
        describe.as_text(loaded.product, sha256=loaded.sha256),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@products_app.command("validate")
def products_validate(name_or_file: str) -> None:
    """校验产品配置：逐条列出错误及其在文件中的位置；有误时退出码为 1。"""
    from zhixin.products import loader
    from zhixin.products.loader import ProductInvalid

    try:
        loaded = loader.load_full(name_or_file)
    except KeyError:
        raise _fail(f"未找到产品或文件 '{name_or_file}'") from None
    except ProductInvalid as exc:
        for e in exc.errors:
            err.print(e, markup=False, highlight=False, soft_wrap=True)
        raise _fail(f"{exc.source}：共 {len(exc.errors)} 处错误") from None
    p = loaded.product
    out.print(
        f"{p.code}（{p.name}）{p.version} 有效：{p.kind}，采信 {p.catalog} 目录，"
        f"{len(p.pricing.discounts)} 项优惠、{len(p.tranches)} 档动态增信；sha256 {loaded.sha256}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@products_app.command("schema")
def products_schema() -> None:
    """打印产品配置的 JSON Schema。"""
    from zhixin.products import loader

    print(loader.json_schema(), end="")
