"""Catalogs and evaluation runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from zhixin.cli._app import AsJson, Format, _factory, _fail, app, emit, err, need_extra, out
from zhixin.errors import ZhixinError

catalog_app = typer.Typer(help="指标目录 / indicator catalogs", no_args_is_help=True)
evaluation_app = typer.Typer(help="评价批次 / evaluation runs", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(evaluation_app, name="evaluation")


@catalog_app.command("list")
def catalog_list(
    fmt: Annotated[str, Format] = "table", as_json: Annotated[bool, AsJson] = False
) -> None:
    """列出内置指标目录（--json / --format csv 供脚本读取）。"""
    from zhixin.catalog import service as catalogs

    columns = [
        ("name", "名称"),
        ("version", "版本"),
        ("title", "标题"),
        ("region", "地区"),
        ("levels", "等级"),
        ("dimensions", "维度"),
        ("elements", "要素"),
        ("gates", "否决项"),
        ("sha256", "sha256"),
    ]
    rows = [
        (
            c.name,
            c.version,
            c.title,
            c.region,
            c.levels,
            c.dimensions,
            c.elements,
            c.gates,
            c.sha256 if fmt != "table" or as_json else c.sha256[:12],
        )
        for c in catalogs.list_catalogs()
    ]
    emit(columns, rows, fmt=fmt, as_json=as_json)


@catalog_app.command("show")
def catalog_show(
    name: str, as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False
) -> None:
    """显示指标目录（中文摘要；--json 输出完整内容）。"""
    import json

    from zhixin.catalog import service as catalogs

    try:
        loaded = catalogs.get(name)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if as_json:
        print(json.dumps(loaded.body | {"sha256": loaded.sha256}, ensure_ascii=False, indent=2))
        return
    out.print(catalogs.describe(loaded.catalog), markup=False, highlight=False)
    out.print(f"sha256：{loaded.sha256}")


@catalog_app.command("validate")
def catalog_validate(name_or_file: str) -> None:
    """校验指标目录：逐条列出错误及其在文件中的位置；有误时退出码为 1。"""
    from zhixin.catalog.loader import CatalogInvalid, load

    try:
        loaded = load(name_or_file)
    except KeyError:
        raise _fail(f"未找到指标目录或文件 '{name_or_file}'") from None
    except CatalogInvalid as exc:
        for e in exc.errors:
            err.print(e, markup=False, highlight=False)
        raise _fail(f"{exc.source}：共 {len(exc.errors)} 处错误") from None
    c = loaded.catalog
    out.print(
        f"{c.name} {c.version} 有效：{len(c.elements)} 项要素、{len(c.dimensions)} 个维度、"
        f"{len(c.levels)} 个等级、{len(c.gates)} 个否决项；sha256 {loaded.sha256}"
    )


def _parse_when(value: str | None) -> datetime | None:
    """An ISO time; without an offset it is Beijing time (Asia/Shanghai), like every page."""
    from zhixin.kit.clock import SHANGHAI

    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(f"--known-at 不是 ISO 时间：{value}", 2) from None
    return when.replace(tzinfo=SHANGHAI) if when.tzinfo is None else when


@app.command("evaluate")
def evaluate_cmd(
    catalog: Annotated[str | None, typer.Option(help="指标目录名称或 YAML 文件")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="评价基准日，如 2025-06-30")] = None,
    known_at: Annotated[
        str | None,
        typer.Option(
            "--known-at",
            help=(
                "数据截至时刻：只用此时刻已知且未被更正的记录（ISO 时间；不带时区时为北京时间"
                " Asia/Shanghai，如 2025-07-01T09:00；缺省为本批次开始的时刻，记入批次）"
            ),
        ),
    ] = None,
    rerun: Annotated[
        int | None,
        typer.Option(
            "--rerun",
            help="按已存批次的目录版本、基准日、数据截至时刻与引擎重算，并逐项比对结果",
        ),
    ] = None,
    engine: Annotated[str, typer.Option(help="计算引擎：duckdb 或 spark")] = "duckdb",
    from_parquet: Annotated[
        Path | None,
        typer.Option("--from-parquet", help="从 Parquet 目录读取（synth / export 的输出）"),
    ] = None,
    to_parquet: Annotated[
        Path | None,
        typer.Option("--to-parquet", help="结果只写入此目录的 Parquet 文件，不写数据库"),
    ] = None,
) -> None:
    """按评价基准日评价全部经营主体；结果批量写回数据库（或 --to-parquet 写文件）。

    每个批次记录其数据截至时刻（known_at）；--rerun 批次号 可在之后新增、更正记录后逐项重现。
    """
    from datetime import date

    from zhixin.catalog import service as catalogs
    from zhixin.evaluation import service as evaluation
    from zhixin.kit.db import unit_of_work

    if rerun is not None:
        if catalog is not None or as_of is not None or known_at is not None:
            raise _fail("--rerun 沿用原批次的目录、基准日与数据截至时刻，不能另给", 2)
        _rerun(rerun, from_parquet)
        return
    if catalog is None or as_of is None:
        raise _fail("请给出 --catalog 与 --as-of（或 --rerun 批次号）", 2)
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise _fail(f"--as-of 不是日期：{as_of}", 2) from None
    if engine not in ("duckdb", "spark"):
        raise _fail(f"未知的计算引擎 {engine}；可选：duckdb、spark", 2)
    if engine == "spark":
        need_extra("pyspark")  # and Java 17
    when = _parse_when(known_at)
    try:
        loaded = catalogs.get(catalog)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    if to_parquet is not None:
        if from_parquet is None:
            raise _fail("--to-parquet 需要同时给出 --from-parquet（只读写文件）", 2)
        with Progress(
            TextColumn("[bold]评价中（{task.description}）"), TimeElapsedColumn(), console=err
        ) as p:
            p.add_task(engine, total=None)
            try:
                s = evaluation.evaluate_files(
                    loaded=loaded,
                    source_dir=from_parquet,
                    as_of=day,
                    known_at=when,
                    engine=engine,
                    out_dir=to_parquet,
                )
            except (ZhixinError, FileNotFoundError) as exc:
                raise _fail(getattr(exc, "message", str(exc))) from exc
        for w in s.warnings:
            err.print(f"注意：{w}", markup=False, highlight=False)
        out.print(
            f"{s.catalog}（{s.catalog_sha256[:12]}）评价 {s.enterprises:,} 家，"
            f"入白名单 {s.listed:,} 家（{s.entries:,} 家次），触发否决 {s.gated:,} 家，"
            f"用时 {s.seconds:.2f} 秒；数据截至 {s.known_at.isoformat()}；结果写入 {to_parquet}"
        )
        return
    factory = _factory()  # refuses a database without tables before any progress bar
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("评价", total=None)

        def report(stage: str, done: int, total: int | None) -> None:
            progress.update(task, description=stage, completed=done, total=total)

        try:
            with unit_of_work(factory) as session:
                run = evaluation.evaluate_database(
                    session,
                    loaded=loaded,
                    as_of=day,
                    known_at=when,
                    engine=engine,
                    source_dir=from_parquet,
                    progress=report,
                )
        except (ZhixinError, FileNotFoundError, ValueError) as exc:
            raise _fail(getattr(exc, "message", str(exc))) from exc
    if run.message:
        err.print(f"注意：{run.message}", markup=False, highlight=False)
    out.print(
        f"评价批次 {run.id}：{run.catalog_name} {run.catalog_version}，基准日 {run.as_of}，"
        f"数据截至 {run.known_at.isoformat() if run.known_at else ''}，"
        f"评价 {run.enterprises:,} 家，入白名单 {run.listed:,} 家（{run.entries:,} 家次），"
        f"触发否决 {run.gated:,} 家，用时 {run.duration_ms / 1000:.2f} 秒"
    )


def _rerun(run_id: int, from_parquet: Path | None) -> None:
    from zhixin.evaluation import service as evaluation
    from zhixin.kit.db import unit_of_work

    try:
        with unit_of_work(_factory()) as session:
            run = evaluation.rerun(session, run_id=run_id, source_dir=from_parquet)
            diff = evaluation.differences(session, run_a=run_id, run_b=run.id)
            new_id, known = run.id, run.known_at
    except (ZhixinError, FileNotFoundError, ValueError) as exc:
        raise _fail(getattr(exc, "message", str(exc))) from exc
    when = known.isoformat() if known else ""
    if diff:
        for line in diff:
            err.print(line, markup=False, highlight=False)
        raise _fail(f"重算批次 {new_id}（数据截至 {when}）与批次 {run_id} 的结果不同")
    out.print(f"重算批次 {new_id}（数据截至 {when}）：与批次 {run_id} 的结果逐项相同")


@evaluation_app.command("export")
def evaluation_export(
    run_id: int,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="导出为 XLSX 文件")] = None,
    parquet: Annotated[Path | None, typer.Option("--parquet", help="导出为 Parquet 文件")] = None,
) -> None:
    """导出一个评价批次的结果（每家一行，含各维度等级与得分）。"""
    from zhixin.evaluation import service as evaluation
    from zhixin.kit.db import unit_of_work

    if xlsx is None and parquet is None:
        raise _fail("请给出 --xlsx 或 --parquet", 2)
    try:
        with unit_of_work(_factory()) as session:
            n = evaluation.export_run(session, run_id=run_id, xlsx=xlsx, parquet=parquet)
    except ZhixinError as exc:
        raise _fail(exc.message) from exc
    out.print(f"已导出 {n:,} 家的评价结果到 {xlsx or ''} {parquet or ''}".rstrip())
