"""Data commands: import, templates, synthetic data, export of records."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from zhixin.cli._app import _engine, _factory, _fail, app, err, out
from zhixin.errors import ZhixinError
from zhixin.intake.specs import import_kinds

export_app = typer.Typer(help="导出 / export", no_args_is_help=True)
app.add_typer(export_app, name="export")


_KINDS = " ".join(
    f"{code}（{label}）" for code, label in import_kinds()
)  # spaces: lines wrap between kinds


@app.command(
    "import",
    help="导入 CSV / XLSX 文件（逐行校验，坏行报告行号、字段和原因，好行入库，可重复运行）。\n\n"
    f"数据类型：{_KINDS}。\n\n"
    "退出码：0 每一行都已入库（或与已有记录相同）；3 正确的行已入库，但有行被拒绝"
    "（报告列出行号、字段与原因）；1 整个文件被拒绝（格式、大小、未知类型）；2 用法错误。",
)
def import_file(
    kind: Annotated[str, typer.Argument(help="数据类型（代码，见上）")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="来源系统名称")] = "manual",
    reassert: Annotated[
        bool,
        typer.Option(
            "--reassert",
            help="与历史版本相同的行也写入（恢复被更正前的内容）；默认不覆盖现行版本",
        ),
    ] = False,
) -> None:
    """导入 CSV / XLSX 文件（逐行校验，坏行报告行号、字段和原因，好行入库，可重复运行）。"""
    from rich.markup import escape

    from zhixin.intake import service as intake

    if kind not in dict(import_kinds()):
        raise _fail("未知的数据类型；可选：" + "、".join(dict(import_kinds())), 2)
    factory = _factory()  # refuses a database without tables before any progress bar
    with Progress(
        TextColumn("[bold]导入 {task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} 行"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task(file.name, total=None)

        def report(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        try:
            summary = intake.run_import(
                factory,
                kind=kind,
                path=file,
                filename=file.name,
                source_system=source,
                channel="cli",
                progress=report,
                reassert=reassert,
            )
        except ZhixinError as exc:
            raise _fail(escape(exc.message)) from exc
    for batch_id in summary.recovered:
        err.print(f"批次 {batch_id} 上次导入中断，已标记为“已中断”（重新导入该文件即可补齐）")
    tally = summary.message or (
        f"共 {summary.total_rows} 行：新增 {summary.inserted}，更正 {summary.corrected}，"
        f"重复 {summary.duplicates}，拒绝 {summary.rejected}"
    )
    out.print(f"批次 {summary.batch_id}：{escape(tally)}", highlight=False)  # the summary, once
    if summary.rejected or summary.stale:
        # like the page: the batch's stored errors, by line
        with factory() as session:
            errors = intake.batch_errors(session, summary.batch_id, limit=50)
            shown = [(e.line, e.field, e.reason) for e in errors]
        table = Table("行号", "字段", "原因", title="有误的行（按行号，前 50 条）")
        for line, field_name, reason in shown:
            table.add_row(str(line), escape(field_name), escape(reason))
        out.print(table)
    if summary.rejected:
        raise typer.Exit(3)


@app.command(
    "template",
    help=f"下载导入模板（带中文表头与填写说明）。\n\n数据类型：{_KINDS}。",
)
def template(
    kind: Annotated[str, typer.Argument(help="数据类型（代码，见上）")],
    fmt: Annotated[str, typer.Option("--format", help="xlsx 或 csv")] = "xlsx",
    out_file: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
) -> None:
    from zhixin.intake import templates

    if kind not in dict(import_kinds()):
        raise _fail("未知的数据类型；可选：" + "、".join(dict(import_kinds())), 2)
    if fmt not in ("xlsx", "csv"):
        raise _fail("格式只能是 xlsx 或 csv", 2)
    data = templates.template_xlsx(kind) if fmt == "xlsx" else templates.template_csv(kind)
    target = out_file or Path(f"{kind}-template.{fmt}")
    target.write_bytes(data)
    out.print(f"模板已写入 {target}")


# -- synthetic data, demo, serve ------------------------------------------------------------


@app.command("synth")
def synth(
    enterprises: Annotated[int, typer.Option(help="经营主体数量", min=1)],
    out_dir: Annotated[Path, typer.Option("--out", help="输出目录（Parquet）")],
    seed: int = 20251,
) -> None:
    """生成合成区域数据（演示数据）到 Parquet，用于压测与演示。"""
    from zhixin.demo.synth import write_parquet

    out_dir.mkdir(parents=True, exist_ok=True)
    with Progress(
        TextColumn("[bold]生成演示数据"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} 家"),
        TimeElapsedColumn(),
        console=err,
    ) as progress:
        task = progress.add_task("synth", total=enterprises)
        summary = write_parquet(
            out_dir,
            enterprises,
            seed=seed,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    out.print(
        f"已生成 {summary.enterprises:,} 家经营主体、{summary.records:,} 条质量要素记录"
        f"（演示数据）到 {out_dir}，用时 {summary.seconds:.1f} 秒"
    )


@export_app.command("records")
def export_records(
    parquet: Annotated[Path, typer.Option("--parquet", help="输出目录（与 synth 相同的布局）")],
) -> None:
    """把数据库中的经营主体与质量要素记录导出为 Parquet（供 evaluate --from-parquet）。"""
    from zhixin.engine import io

    engine = _engine()
    with Progress(
        TextColumn("[bold]导出记录"), TextColumn("{task.completed:,} 条"), console=err
    ) as p:
        task = p.add_task("export", total=None)
        n_ent, n_rec = io.export_records(
            engine, parquet, progress=lambda n: p.update(task, completed=n)
        )
    from zhixin.audit import service as audit
    from zhixin.audit.service import Actor
    from zhixin.kit.db import make_sessionmaker, unit_of_work

    with unit_of_work(make_sessionmaker(engine)) as session:  # the access log of data taken
        audit.record(
            session,
            actor=Actor.system("cli"),
            action="data.export",
            object_type="quality_record",
            detail={"rows": n_rec, "enterprises": n_ent, "what": "records", "formats": ["parquet"]},
        )
    engine.dispose()
    out.print(f"已导出 {n_ent:,} 家经营主体、{n_rec:,} 条质量要素记录到 {parquet}")
